"""A basic sweeper that validates a batch by composing one job per composition signature.

Before launching a batch, Hydra's ``BasicSweeper`` composes the config of every job in it
(``Sweeper.validate_batch_is_legal``), so that a mistake in any job stops the sweep before
any job runs. That costs about 0.1 s a job, one job after another in the launching process
while the workers wait: 4 s for the 40 jobs of the study. Most jobs of a sweep differ only in
plain values (``seed=3``, ``dataset.cluster_std=2.0``), and whether a config composes cannot
depend on those. :class:`SignatureSweeper` launches exactly what ``BasicSweeper`` launches, but
composes only the first job of each *composition signature*: 4 for the study.

What can make one job fail to compose where another with the same override keys succeeds
(Hydra 1.3, ``ConfigLoaderImpl``), each of which puts the override's value into the signature:

* a config group override (``dataset=blobs``, ``+group@pkg=x``): its value picks a config,
  which may not exist, and that config's defaults and contents;
* a deletion, ``~key=value``: it fails unless the value matches;
* a dict or list value, merged into the node there (a dict does not merge into a list);
* a string that is an interpolation (``${...}``, parsed on assignment) or ``???``;
* a value set on a typed node of a structured config, e.g. everything under ``hydra.``, or a
  dataclass registered in the ConfigStore (every option of this project): ``int`` refuses
  ``abc``, an enum all but its members, a non-optional field ``null``;
* an override of a key that another override of the same job creates, replaces or deletes.

Anything else is a plain value (number, bool, null, a string that is no interpolation) set on
an untyped node (``AnyNode``), which takes any of them: only its key goes into the signature.
Which nodes are untyped (and which keys are config groups) is read off the config that the
first job of a signature composed to: the other jobs with that signature have the same
defaults list (same group choices, deletions and search path) and set their other values, all
plain, on the same untyped nodes, so they compose too. The first job that fails is therefore
composed, and raises Hydra's own error, as with ``BasicSweeper``.
"""

# No `from __future__ import annotations`: Hydra's plugin scan executes this module before it is
# in sys.modules, where @dataclass cannot resolve string annotations.
import dataclasses
import logging
import time
import typing
from collections.abc import Sequence
from dataclasses import dataclass

from hydra.core.config_store import ConfigStore
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override
from omegaconf import DictConfig, OmegaConf

from qml_entanglement.config.fields import fits
from qml_entanglement.sweeps.config_reuse import reusing_context
from qml_entanglement.sweeps.library_internals import basic_sweeper

BasicSweeper, BasicSweeperConf = basic_sweeper()

log = logging.getLogger(__name__)

Signature = tuple[str, ...]


@dataclass
class SignatureSweeperConf(BasicSweeperConf):
    """``max_batch_size`` and ``params`` as for ``hydra/sweeper=basic``."""

    _target_: str = "hydra_plugins.signature_sweeper.sweeper.SignatureSweeper"


ConfigStore.instance().store(
    group="hydra/sweeper", name="signature", node=SignatureSweeperConf, provider="qml"
)


def signature(overrides: Sequence[Override], matters: Sequence[object]) -> Signature:
    """A job's overrides as far as composing it goes: each override's key (with its ``+``,
    ``++`` or ``~`` and ``@package``), or its whole text where its value matters: where
    ``matters`` (:func:`values_that_matter` of a job with these keys) says so, where it names a
    typed field's annotation that this value does not fit, and wherever the value is not plain,
    whatever the config (a dict, a list, an interpolation, ``???``)."""
    return tuple(
        o.input_line if _keeps_value(o, m) else o.get_key_element()
        for o, m in zip(overrides, matters, strict=True)
    )


def _keeps_value(override: Override, matters: object) -> bool:
    if matters is True or not _is_plain(override):
        return True
    if matters is False:
        return False
    return not fits(override.value(), matters, assigned=True)  # a typed field


def values_that_matter(overrides: Sequence[Override], cfg: DictConfig) -> tuple[object, ...]:
    """For each override of a job that composed to ``cfg`` (with its ``hydra`` node): could
    another value make the job fail? True or False, or, for a plain value on a typed field that
    no other override touches, the field's annotation: then only a value it does not take
    can (:func:`signature` checks each job's value against it)."""
    groups = set(cfg.hydra.runtime.choices)
    keys = [o.key_or_group for o in overrides]
    return tuple(
        _value_matters(o, cfg, groups, keys[:i] + keys[i + 1 :]) for i, o in enumerate(overrides)
    )


def _value_matters(
    override: Override, cfg: DictConfig, groups: set[str], other_keys: list[str]
) -> object:
    key = override.key_or_group
    if (
        not _is_plain(override)
        or override.is_delete()
        or override.package is not None
        or key in groups
        or any(_overlap(key, other) for other in other_keys)
    ):
        return True
    parent_key, _, leaf = key.rpartition(".")
    try:
        parent = OmegaConf.select(cfg, parent_key, throw_on_missing=True) if parent_key else cfg
    except Exception:  # a key that cannot be looked up is one we cannot vouch for
        return True
    if not isinstance(parent, DictConfig) or leaf not in parent:
        return True
    schema = OmegaConf.get_type(parent)
    if not dataclasses.is_dataclass(schema):  # an untyped node takes any plain value
        return False
    return typing.get_type_hints(schema).get(leaf, typing.Any)


def _is_plain(override: Override) -> bool:
    """A number, bool, null or string that is neither an interpolation nor ``???``: a value
    that any untyped node takes."""
    value = override.value()
    if isinstance(value, str):
        return "${" not in value and value != "???"
    return value is None or isinstance(value, bool | int | float)


def _overlap(key: str, other: str) -> bool:
    """One key is the other or lies inside it."""
    return key == other or key.startswith(other + ".") or other.startswith(key + ".")


class SignatureSweeper(BasicSweeper):
    """Hydra's basic sweeper, composing one job per composition signature to validate a batch."""

    def validate_batch_is_legal(self, batch: Sequence[Sequence[str]]) -> None:
        assert self.hydra_context is not None and self.config is not None
        tic = time.perf_counter()
        parser = OverridesParser.create()
        composed: dict[tuple[object, ...], set[Signature]] = {}  # which values mattered -> seen
        for job in batch:
            overrides = parser.parse_overrides(list(job))
            if any(
                len(matters) == len(overrides) and signature(overrides, matters) in seen
                for matters, seen in composed.items()
            ):
                continue
            cfg = self.hydra_context.config_loader.load_sweep_config(
                master_config=self.config, sweep_overrides=list(job)
            )
            matters = values_that_matter(overrides, cfg)
            composed.setdefault(matters, set()).add(signature(overrides, matters))
        log.debug(
            "Validated %d jobs by composing %d of them in %.2f s",
            len(batch),
            sum(map(len, composed.values())),
            time.perf_counter() - tic,
        )

    def setup(self, *, hydra_context, task_function, config) -> None:
        super().setup(hydra_context=hydra_context, task_function=task_function, config=config)
        # every job composes its config-group choices once per worker, not once per job
        self.hydra_context = reusing_context(hydra_context)
        if getattr(self.launcher, "hydra_context", None) is not None:
            self.launcher.hydra_context = reusing_context(self.launcher.hydra_context)
        self.launcher = ResilientLauncher(self.launcher, config)


class ResilientLauncher:
    """The configured launcher, with ``multirun.yaml`` kept free of passwords and one
    recovery: when a worker process dies (SIGKILL, out
    of memory), joblib's loky backend aborts the whole batch (``TerminatedWorkerError``); the
    jobs that wrote no outcome record (``<sweep dir>/<job num>/outcome.json``) are then
    launched again, in runs of consecutive job numbers, so every other job still goes on. The
    dead worker's run is closed FAILED by the next run on the store (owner liveness)."""

    def __init__(self, inner, config: DictConfig) -> None:
        self.inner = inner
        self.sweep_dir = str(config.hydra.sweep.dir)

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    def launch(self, job_overrides, initial_job_idx: int):
        from pathlib import Path

        from qml_entanglement.tracking.uri import redact_file

        # Hydra has just saved the sweep's config, tracking.uri with any password included
        redact_file(Path(self.sweep_dir) / "multirun.yaml")
        try:
            return self.inner.launch(job_overrides, initial_job_idx=initial_job_idx)
        except Exception as exc:
            if type(exc).__name__ != "TerminatedWorkerError":
                raise
            log.warning("a sweep worker died (%s); relaunching the jobs without a record", exc)
        from pathlib import Path

        missing = [
            i
            for i in range(len(job_overrides))
            if not (Path(self.sweep_dir) / str(initial_job_idx + i) / "outcome.json").exists()
        ]
        returns = []
        start = 0
        while start < len(missing):  # consecutive job numbers go out together
            stop = start + 1
            while stop < len(missing) and missing[stop] == missing[stop - 1] + 1:
                stop += 1
            batch = [job_overrides[i] for i in missing[start:stop]]
            returns += self.inner.launch(batch, initial_job_idx=initial_job_idx + missing[start])
            start = stop
        return returns
