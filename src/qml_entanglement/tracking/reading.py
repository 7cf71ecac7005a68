"""Reading training runs back from the store, for the analysis stages.

Everything the comparison, the study and the atlas read from MLflow goes through here: the
client of a checked store, the paged run search (a filter MLflow refuses becomes
:class:`FilterRefused`), and artifacts and metric histories of a run. Each training run keeps
its whole history as ``history.csv``; read straight from disk when the artifact URI is local
(about 30x faster than one ``get_metric_history`` request per metric per run, see
``benchmarks/bench_compare.py``).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote, urlparse

import numpy as np
import pandas as pd
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from .uri import preflight

HISTORY_ARTIFACT = "history.csv"
T = TypeVar("T")


class FilterRefused(ValueError):
    """MLflow refused a search filter string (malformed, or an unknown attribute)."""


def open_store(uri: str) -> MlflowClient:
    """A client of the store at *uri* after a quick reachability check (ConnectionError)."""
    preflight(uri)
    return MlflowClient(tracking_uri=uri)


def local_artifact_dir(artifact_uri: str) -> Path | None:
    """Local folder behind a ``file://`` (or scheme-less) artifact URI, else ``None``."""
    parsed = urlparse(artifact_uri)
    if parsed.scheme == "file":
        return Path(unquote(parsed.path))
    if parsed.scheme == "":
        return Path(artifact_uri)
    return None


@contextmanager
def no_progress_bars():
    """Silence MLflow's per-download progress bar (one per run would flood the terminal)."""
    name = "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR"
    previous = os.environ.get(name)
    os.environ[name] = "false"
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = previous


def experiment_ids(client: MlflowClient, names: Sequence[str]) -> tuple[dict[str, str], list[str]]:
    """``{experiment id: name}`` of the named experiments that exist, and the missing names."""
    found, missing = {}, []
    for name in names:
        experiment = client.get_experiment_by_name(name)
        if experiment is None:
            missing.append(name)
        else:
            found[experiment.experiment_id] = name
    return found, missing


def search_runs(
    client: MlflowClient, ids: Sequence[str], filter_string: str, page_size: int
) -> Iterator[Any]:
    """Every run of experiments *ids* matching *filter_string*, page by page (MLflow ``Run``
    objects); a filter MLflow refuses raises :class:`FilterRefused` with its first line."""
    token = None
    while True:
        try:
            page = client.search_runs(
                list(ids), filter_string=filter_string, max_results=page_size, page_token=token
            )
        except MlflowException as error:
            text = str(error).strip()
            raise FilterRefused(text.splitlines()[0] if text else type(error).__name__) from error
        yield from page
        token = page.token
        if not token:
            return


def read_artifact(
    client: MlflowClient, run_id: str, name: str, read: Callable[[str], T]
) -> T | None:
    """``read(local path)`` of artifact *name* of a run, downloaded to a temporary folder;
    None when the run has no such artifact or the artifact store cannot be reached."""
    try:
        names = {f.path for f in client.list_artifacts(run_id)}
    except Exception:  # noqa: BLE001 -- an unreachable artifact store means "not there"
        return None
    if name not in names:
        return None
    with no_progress_bars(), tempfile.TemporaryDirectory() as tmp:
        return read(client.download_artifacts(run_id, name, tmp))


def metric_histories(client: MlflowClient, run_id: str, keys: Sequence[str]) -> pd.DataFrame:
    """The per-step values of metrics *keys* of a run (index ``epoch``; the last value of a
    step logged twice); empty when none has a history."""
    columns = {}
    for key in sorted(keys):
        history = client.get_metric_history(run_id, key)
        if history:
            steps = np.fromiter((m.step for m in history), dtype=int, count=len(history))
            values = np.fromiter((m.value for m in history), dtype=float, count=len(history))
            columns[key] = pd.Series(values, index=steps).groupby(level=0).last()
    frame = pd.DataFrame(columns).sort_index()
    frame.index.name = "epoch"
    return frame
