"""The only module that touches private APIs of other libraries, each for a measured gain.

Each name below is private to its library and may change in any release; the versions we pin
(pyproject.toml) are checked by ``tests/sweeps/test_library_internals.py``, which fails loudly
with the name of the internal that moved. What each buys (``make bench``, ``bench_sweep``
rows ``once``):

* ``BasicSweeper`` / ``BasicSweeperConf`` (``hydra._internal.core_plugins.basic_sweeper``):
  the base of :class:`hydra_plugins.signature_sweeper.sweeper.SignatureSweeper`, which composes
  one job per composition signature instead of every job before launching: about 3.4 s of
  launching-process time per 80-job sweep (4 compositions instead of 80). Hydra offers no
  public base class for a sweeper that launches what the basic one launches.
* ``process_joblib_cfg`` (``hydra_plugins.hydra_joblib_launcher._core``): turns the launcher's
  config into the exact ``joblib.Parallel`` settings the launcher will use, so the pre-warmed
  workers (:mod:`qml_entanglement.sweeps.workers`) are the very ones the launcher reuses
  (the training stack's 3.5 s of imports overlap the sweep's set-up instead of following it).
* loky's module-level ``_executor`` (``joblib.externals.loky.reusable_executor``): ends the idle
  workers at once after the last job (a sweep's wind-down went from 4.3 s to 1.2 s); joblib
  exposes no handle on its reusable executor that does not create one.
* what ``ConfigLoaderImpl._load_configuration_impl`` (``hydra._internal.config_loader_impl``)
  writes about a job's overrides, and its ``get_overrides_dirname``: what
  :class:`~qml_entanglement.sweeps.config_reuse.ReusingConfigLoader` fills in after reusing
  a composition, so that a sweep job composes its config-group choices once per worker
  instead of once per job (about 0.25 CPU-s a job; ``benchmarks/bench_atlas.py``).
"""

from __future__ import annotations

import importlib
import os
from typing import Any

__all__ = [
    "basic_sweeper",
    "end_idle_workers",
    "joblib_parallel_settings",
    "stamp_job_overrides",
]


def basic_sweeper() -> tuple[type, type]:
    """Hydra's ``(BasicSweeper, BasicSweeperConf)`` as now in ``sys.modules``.

    Looked up at call time: Hydra's plugin scan may execute its core plugins' modules again,
    and ``BasicSweeper.__init__`` calls ``super()`` on the class of the module it runs in, so a
    subclass must derive from that very class.
    """
    module = importlib.import_module("hydra._internal.core_plugins.basic_sweeper")
    return module.BasicSweeper, module.BasicSweeperConf


def joblib_parallel_settings(launcher: dict[str, Any]) -> dict[str, Any]:
    """The ``joblib.Parallel`` keyword arguments Hydra's joblib launcher derives from its
    config ``launcher`` (a plain dict without ``_target_``), backend ``loky`` as it uses."""
    from hydra_plugins.hydra_joblib_launcher._core import process_joblib_cfg

    settings = {**launcher, "backend": "loky"}
    process_joblib_cfg(settings)
    return settings


def end_idle_workers() -> bool:
    """Shut loky's reusable executor down, killing its idle workers; False if there is none."""
    try:
        from joblib.externals.loky import reusable_executor
    except ImportError:
        return False
    executor = getattr(reusable_executor, "_executor", None)
    if executor is None:
        return False
    executor.shutdown(wait=True, kill_workers=True)
    return True


def stamp_job_overrides(cfg, overrides: list[str]) -> None:
    """Write into ``cfg.hydra`` what Hydra 1.3's config loader writes about a job composed
    with *overrides* (Hydra's own first, then the job's), after composing: the lists
    ``hydra.overrides.hydra`` and ``.task``, ``hydra.job.override_dirname``, and the
    process's ``hydra.runtime.cwd`` and copied environment variables."""
    from hydra._internal.config_loader_impl import get_overrides_dirname
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from omegaconf import open_dict

    parsed = OverridesParser.create().parse_overrides(overrides=list(overrides))
    app = [o for o in parsed if not o.is_hydra_override()]
    hydra = cfg.hydra
    hydra.overrides.hydra = [o.input_line for o in parsed if o.is_hydra_override()]
    hydra.overrides.task = [o.input_line for o in app]
    with open_dict(hydra):
        for key in hydra.job.env_copy:
            hydra.job.env_set[key] = os.environ[key]
    hydra.runtime.cwd = os.getcwd()
    dirname = hydra.job.config.override_dirname
    hydra.job.override_dirname = get_overrides_dirname(
        overrides=app,
        kv_sep=dirname.kv_sep,
        item_sep=dirname.item_sep,
        exclude_keys=dirname.exclude_keys,
    )
