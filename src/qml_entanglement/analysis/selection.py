"""Select training runs from the tracking store and assign them to comparison groups.

One paged ``search_runs`` call over all requested experiments. Sweep parent runs (tag
``sweep_role=parent``) and comparison runs (tag ``report_name``) match a filter like any run but
are not training runs: they are set aside with the reason, never used as replicates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from qml_entanglement.tracking.liveness import reap_stale_runs
from qml_entanglement.tracking.reading import experiment_ids, search_runs
from qml_entanglement.tracking.store import sqlite_path

MISSING = "n/a"


class NoRunsMatchError(LookupError):
    """No run of the requested experiments matches the filter (or the store is empty)."""


@dataclass(frozen=True)
class SelectedRun:
    """The parts of an MLflow run the comparison needs."""

    run_id: str
    run_name: str
    experiment_name: str
    status: str
    artifact_uri: str
    tags: dict[str, str] = field(repr=False)
    params: dict[str, str] = field(repr=False)
    metric_keys: frozenset[str] = field(repr=False)
    start_time: int = 0  # ms since the epoch
    metrics: dict[str, float] = field(default_factory=dict, repr=False)  # latest values

    @property
    def seed(self) -> str:
        """The run's seed (tag, else param), or ``"n/a"``."""
        return resolve_key(self.tags, self.params, "seed") or MISSING


def resolve_key(tags: dict[str, str], params: dict[str, str], key: str) -> str | None:
    """Value of *key* for a run: tag first, then param; ``tags.``/``params.`` pick one.

    Examples
    --------
    >>> resolve_key({"dataset": "moons"}, {"dataset.name": "moons"}, "dataset")
    'moons'
    >>> resolve_key({}, {"model.ansatz.reps": "2"}, "params.model.ansatz.reps")
    '2'
    >>> resolve_key({}, {}, "ansatz") is None
    True
    """
    if key.startswith("tags."):
        return tags.get(key[len("tags.") :])
    if key.startswith("params."):
        return params.get(key[len("params.") :])
    if key in tags:
        return tags[key]
    return params.get(key)


def _where(experiments: Sequence[str], filter_string: str) -> str:
    return f"experiment(s) {', '.join(repr(e) for e in experiments)} with filter {filter_string!r}"


def check_store_exists(tracking_uri: str, experiments: Sequence[str], filter_string: str) -> None:
    """Refuse a local sqlite store that does not exist, before a client would create it.

    Raises
    ------
    NoRunsMatchError
        Naming the experiment(s), the filter and the missing store.
    """
    db = sqlite_path(tracking_uri)
    if db is not None and not db.exists():
        raise NoRunsMatchError(
            f"No run matches {_where(experiments, filter_string)}: the tracking store "
            f"{tracking_uri} does not exist (train some runs first, or set tracking.uri)."
        )


def select_runs(
    client,
    tracking_uri: str,
    experiments: Sequence[str],
    filter_string: str,
    *,
    page_size: int = 1000,
) -> tuple[list[SelectedRun], list[str], list[tuple[SelectedRun, str]]]:
    """Find every run of *experiments* matching *filter_string*, in one paged search.

    Runs of those experiments left RUNNING by a process that no longer exists are first marked
    FAILED (:func:`~qml_entanglement.tracking.liveness.reap_stale_runs`).

    Returns
    -------
    runs : list of SelectedRun
        The training runs, sorted by seed.
    missing_experiments : list of str
        Requested experiment names that do not exist in the store.
    excluded : list of (SelectedRun, str)
        Matching runs that are not training runs (sweep parents, comparison runs), with why.

    Raises
    ------
    NoRunsMatchError
        If the store, every experiment, or every matching run is missing; the message names
        the experiment(s) and the filter.
    """
    where = _where(experiments, filter_string)
    found, missing = experiment_ids(client, experiments)
    if not found:
        raise NoRunsMatchError(f"No run matches {where}: no such experiment in {tracking_uri}.")
    reap_stale_runs(client, found)  # a run whose process was killed is FAILED, not RUNNING
    runs = [
        _selected(run, found[run.info.experiment_id])
        for run in search_runs(client, list(found), filter_string, page_size)
    ]
    if not runs:
        raise NoRunsMatchError(f"No run matches {where} in {tracking_uri}.")
    excluded = [(run, why) for run in runs if (why := not_training_run(run))]
    runs = [run for run in runs if not not_training_run(run)]
    if not runs:
        raise NoRunsMatchError(
            f"No training run matches {where} in {tracking_uri} "
            f"({len(excluded)} sweep parent or comparison run(s) only)."
        )
    runs.sort(key=lambda r: (seed_sort_key(r.seed), r.run_id))
    return runs, missing, excluded


def _selected(run, experiment_name: str) -> SelectedRun:
    """A :class:`SelectedRun` from an MLflow ``Run``."""
    return SelectedRun(
        run_id=run.info.run_id,
        run_name=run.info.run_name or "",
        experiment_name=experiment_name,
        status=run.info.status,
        artifact_uri=run.info.artifact_uri,
        tags=dict(run.data.tags),
        params=dict(run.data.params),
        metric_keys=frozenset(run.data.metrics),
        start_time=run.info.start_time or 0,
        metrics=dict(run.data.metrics),
    )


def not_training_run(run: SelectedRun) -> str:
    """Why *run* is not a training run (``""`` if it is one)."""
    if run.tags.get("sweep_role") == "parent":
        return f"sweep parent run of sweep {run.tags.get('sweep_id', '?')}, not a training run"
    if "report_name" in run.tags:
        return f"comparison report run {run.tags['report_name']!r}, not a training run"
    return ""


def seed_sort_key(seed: str) -> tuple[int, int | str]:
    try:
        return (0, int(seed))
    except ValueError:
        return (1, seed)
