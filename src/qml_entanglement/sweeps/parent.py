"""A sweep's identity and its parent run in MLflow.

The sweep id is ``<name>-<hash>``, the hash taken over the sweep's definition (its sweeper
params and command-line overrides, minus ``force`` and where runs are tracked), so running the
same sweep again gets the same id and reopens the same parent run: resuming a sweep adds to it
instead of starting a second one.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from omegaconf import DictConfig

_IGNORED_KEYS = ("force", "sweep.id", "sweep.parent_run_id")


def _key(override: str) -> str:
    return override.lstrip("+~").split("=", 1)[0]


def sweep_arguments(config: DictConfig) -> list[str]:
    """The sweep as Hydra's basic sweeper sees it: sweeper params, then the task overrides."""
    params = config.hydra.sweeper.get("params") or {}
    return [f"{key}={value}" for key, value in params.items()] + list(config.hydra.overrides.task)


def sweep_definition(config: DictConfig) -> list[str]:
    """The overrides that decide which runs a sweep makes, sorted (order does not change a
    cartesian product)."""
    return sorted(
        arg
        for arg in sweep_arguments(config)
        if _key(arg) not in _IGNORED_KEYS and not _key(arg).startswith("tracking")
    )


def sweep_id(config: DictConfig) -> str:
    """``sweep.id`` when given, else ``<sweep.name or "multirun">-<8 hex of the definition>``."""
    given = config.sweep.get("id") if config.get("sweep") is not None else None
    if given:
        return str(given)
    name = (config.get("sweep") or {}).get("name") or "multirun"
    digest = hashlib.sha256("\n".join(sweep_definition(config)).encode()).hexdigest()[:8]
    return f"{name}-{digest}"


def count_jobs(config: DictConfig) -> int | None:
    """How many jobs Hydra's basic sweeper (or a subclass, such as ``hydra/sweeper=signature``)
    will launch, or None if that cannot be told here (another sweeper, or a glob that needs the
    config loader)."""
    try:
        from hydra.core.override_parser.overrides_parser import OverridesParser
        from hydra.utils import get_class

        from .library_internals import basic_sweeper

        BasicSweeper = basic_sweeper()[0]  # noqa: N806 -- a class

        if not issubclass(get_class(str(config.hydra.sweeper.get("_target_", ""))), BasicSweeper):
            return None
        overrides = OverridesParser.create().parse_overrides(sweep_arguments(config))
        return sum(len(batch) for batch in BasicSweeper.split_arguments(overrides, None))
    except Exception:
        return None


# Plain functions over plain values, so the sweep callback can run them in a warm joblib worker
# (which has MLflow imported anyway) instead of importing MLflow in the launching process.
def open_parent(
    uri: str | None,
    experiment: str,
    sweep_id: str,
    name: str,
    definition: list[str],
    owner: dict[str, str],
) -> dict[str, Any]:
    """Create the store and experiment if needed and open the sweep's parent run."""
    from ..tracking.sweep_parent import ParentRun

    parent = ParentRun(uri, experiment, sweep_id)
    run_id = parent.open(name, definition, owner)
    return {
        "parent_run_id": run_id,
        "tracking_uri": parent.uri,
        "experiment_id": parent.experiment_id,
        "resumed": parent.resumed,
    }


def close_parent(
    uri: str,
    experiment: str,
    sweep_id: str,
    run_id: str,
    counts: dict[str, int],
    wall_seconds: float,
    record: dict[str, Any],
    orphans_reason: str | None,
) -> dict[str, Any]:
    """Fail the sweep's orphaned runs (if ``orphans_reason``) and close its parent run."""
    from ..tracking.liveness import reap_stale_runs
    from ..tracking.sweep_parent import ParentRun

    parent = ParentRun(uri, experiment, sweep_id, run_id)
    result: dict[str, Any] = {}
    if orphans_reason is not None:
        result["orphaned_runs_failed"] = parent.fail_orphans(orphans_reason)
        record = {**record, **result}
    killed = reap_stale_runs(parent.client, [parent.experiment_id])  # e.g. a SIGKILLed worker
    if killed:
        result["killed_runs_failed"] = len(killed)
        record = {**record, **result}
    result["status"] = parent.close(counts, wall_seconds, record)
    return result


if __name__ == "__main__":  # the sweep callback closing a parent run at exit
    import sys

    print(json.dumps(close_parent(*json.loads(sys.stdin.read())), default=str))
