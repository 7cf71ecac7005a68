"""Load per-epoch histories of the selected runs, fast.

Each training run stores its whole history as one artifact, ``history.csv`` (column ``epoch``
plus one column per per-epoch metric, one row per step; step 0 is before any update). Reading
that file straight from disk when the artifact URI is local is about 30x faster than one
``get_metric_history`` request per metric per run (see ``benchmarks/bench_compare.py``); a
remote store falls back to ``download_artifacts``, and a run without the artifact to its
metric histories.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from qml_entanglement.analysis.selection import SelectedRun
from qml_entanglement.metrics import catalogue
from qml_entanglement.tracking.reading import (
    HISTORY_ARTIFACT,
    local_artifact_dir,
    metric_histories,
    no_progress_bars,
    read_artifact,
)

ENTANGLEMENT_TAG = "entanglement_metrics"
NOT_ENTANGLEMENT = frozenset({"loss", "test_loss", "grad_norm", "epoch_seconds", "epoch", "step"})


@dataclass(frozen=True)
class RunHistory:
    """One run's per-epoch metrics (index ``epoch``, float columns) and where they came from."""

    run: SelectedRun
    frame: pd.DataFrame
    entanglement_metrics: tuple[str, ...]
    declared_missing: tuple[str, ...]
    source: str

    @property
    def n_epochs(self) -> int:
        """Number of logged steps (epochs + the initial step 0)."""
        return len(self.frame)


@dataclass(frozen=True)
class HistoryProblem:
    """A run whose history could not be used at all."""

    run: SelectedRun
    reason: str


def is_entanglement_metric(name: str) -> bool:
    """Whether a logged metric name counts as an entanglement metric by the fallback rule.

    Used only when a run lacks the ``entanglement_metrics`` tag: what the metric catalogue
    (:mod:`qml_entanglement.metrics.catalogue`) calls entanglement; for a name it does not know,
    everything that is not loss, accuracy, gradient norm, timing or a ``*_std`` spread.

    >>> [is_entanglement_metric(m) for m in ("meyer_wallach", "purity", "test_accuracy")]
    [True, False, False]
    >>> [is_entanglement_metric(m) for m in ("my_measure", "my_measure_std")]
    [True, False]
    """
    known = catalogue.is_entanglement(name)
    if known is not None:
        return known
    return not (
        name in NOT_ENTANGLEMENT
        or name.endswith("accuracy")
        or name.endswith("_std")
        or name.startswith("system/")
    )


def load_histories(
    client,
    runs: Sequence[SelectedRun],
    loss_metric: str,
    *,
    workers: int = 8,
) -> tuple[list[RunHistory], list[HistoryProblem]]:
    """Read every run's history; the slow (remote / per-metric) paths run in a thread pool.

    Returns the usable histories (in the order of *runs*) and the runs that had none, or no
    *loss_metric* column, with the reason.
    """
    frames: dict[str, tuple[pd.DataFrame | None, str]] = {}
    slow: list[SelectedRun] = []
    for run in runs:
        folder = local_artifact_dir(run.artifact_uri)
        path = None if folder is None else folder / HISTORY_ARTIFACT
        if path is not None and path.is_file():
            frames[run.run_id] = (_read_csv(path), "artifact")
        else:
            slow.append(run)
    if slow:
        with no_progress_bars(), ThreadPoolExecutor(max_workers=workers) as pool:
            for run, result in zip(
                slow, pool.map(lambda r: _load_slow(client, r), slow), strict=True
            ):
                frames[run.run_id] = result

    histories: list[RunHistory] = []
    problems: list[HistoryProblem] = []
    for run in runs:
        frame, source = frames[run.run_id]
        if frame is None or frame.empty:
            problems.append(HistoryProblem(run, "no history.csv artifact and no metric history"))
            continue
        if loss_metric not in frame.columns:
            problems.append(
                HistoryProblem(run, f"no '{loss_metric}' history (cannot correlate with loss)")
            )
            continue
        declared = _declared_metrics(run)
        if declared is None:
            metrics = tuple(
                c for c in frame.columns if c != loss_metric and is_entanglement_metric(c)
            )
            declared_missing: tuple[str, ...] = ()
        else:
            metrics = tuple(m for m in declared if m in frame.columns and m != loss_metric)
            declared_missing = tuple(m for m in declared if m not in frame.columns)
        histories.append(RunHistory(run, frame, metrics, declared_missing, source))
    return histories, problems


def _declared_metrics(run: SelectedRun) -> tuple[str, ...] | None:
    tag = run.tags.get(ENTANGLEMENT_TAG)
    if tag is None:
        return None
    return tuple(dict.fromkeys(m.strip() for m in tag.split(",") if m.strip()))


def _read_csv(path: Path | str) -> pd.DataFrame:
    frame = pd.read_csv(path)
    if "epoch" in frame.columns:
        frame = frame.set_index("epoch")
    elif "step" in frame.columns:
        frame = frame.set_index("step")
    frame.index = frame.index.astype(int)
    frame.index.name = "epoch"
    frame = frame.apply(pd.to_numeric, errors="coerce").astype(float)
    return frame.sort_index()


def _load_slow(client, run: SelectedRun) -> tuple[pd.DataFrame | None, str]:
    """History of a run whose artifact is not on local disk: download, else metric history."""
    frame = read_artifact(client, run.run_id, HISTORY_ARTIFACT, _read_csv)
    if frame is not None:
        return frame, "artifact (downloaded)"
    if not run.metric_keys:
        return None, "none"
    frame = metric_histories(client, run.run_id, list(run.metric_keys))
    return (None, "none") if frame.empty else (frame, "metric history")
