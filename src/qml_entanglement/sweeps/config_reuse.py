"""Hydra's config loader for sweep jobs, composing each set of config-group choices once per
worker process.

Hydra's launchers compose every job's config in the worker that runs it
(``ConfigLoader.load_sweep_config``): about 0.25 CPU-s a job, a quarter of what a small atlas
job costs beyond its training. The jobs of a sweep differ mostly in plain values (``seed=2``,
``model.ansatz.reps=3``), and Hydra composes in two stages (see
:mod:`qml_entanglement.tracking.compose_cache`): the group choices build the defaults list and
its config, then the plain values are set on it. :class:`ReusingConfigLoader` keeps the first
stage per (search path, config name, Hydra's own overrides, group choices) and does the second
per job, then fills in what Hydra writes about the job's overrides
(:func:`~qml_entanglement.sweeps.library_internals.stamp_job_overrides`). Jobs whose overrides
are not all group choices and plain values, and any plain value Hydra would refuse, are
composed by Hydra in full. ``tests/sweeps/test_config_reuse.py`` checks the result against
Hydra's own ``load_sweep_config``, node for node, on the atlas's and the study's jobs.
"""

from __future__ import annotations

from omegaconf import DictConfig, OmegaConf

from qml_entanglement.sweeps.library_internals import stamp_job_overrides
from qml_entanglement.tracking.compose_cache import (
    kept,
    search_path_of,
    split_overrides,
    with_plain_values,
)


class ReusingConfigLoader:
    """Hydra's config loader *inner*, with :meth:`load_sweep_config` reusing compositions.

    Everything else is *inner*'s. Pickled to the workers with the launcher's Hydra context;
    what it keeps lives in the worker process (``compose_cache``), not in the object.
    """

    def __init__(self, inner) -> None:
        self.inner = inner

    def __getattr__(self, name: str):
        if name == "inner":  # while unpickling, before __dict__ is filled
            raise AttributeError(name)
        return getattr(self.inner, name)

    def load_sweep_config(self, master_config: DictConfig, sweep_overrides: list[str]):
        """What ``inner.load_sweep_config(master_config, sweep_overrides)`` returns."""
        from hydra.types import RunMode

        inner = self.inner
        split = split_overrides(list(sweep_overrides), inner)
        if split is None:
            return inner.load_sweep_config(master_config, list(sweep_overrides))
        groups, plain = split
        own = list(OmegaConf.to_container(master_config.hydra.overrides.hydra))
        name = master_config.hydra.job.config_name
        key = ("sweep job", search_path_of(inner), name, tuple(own), tuple(groups))
        cfg = with_plain_values(
            kept(
                key,
                lambda: inner.load_configuration(
                    config_name=name, overrides=own + groups, run_mode=RunMode.RUN
                ),
            ),
            plain,
        )
        if cfg is None:
            return inner.load_sweep_config(master_config, list(sweep_overrides))
        stamp_job_overrides(cfg, own + list(sweep_overrides))
        OmegaConf.copy_cache(from_config=master_config, to_config=cfg)
        return cfg


def reusing_context(hydra_context):
    """*hydra_context* with its config loader wrapped in :class:`ReusingConfigLoader`."""
    from hydra.types import HydraContext

    if isinstance(hydra_context.config_loader, ReusingConfigLoader):
        return hydra_context
    return HydraContext(
        config_loader=ReusingConfigLoader(hydra_context.config_loader),
        callbacks=hydra_context.callbacks,
    )
