"""The tracking store: resolve its URI, create it once, find or create experiments.

The default store is MLflow's sqlite backend ``<project root>/mlruns/mlflow.db`` with artifacts
in ``mlruns/artifacts/`` beside it (:mod:`qml_entanglement.project_root`: the same store from any
directory);
a new sqlite store is announced in one line, with the ``make ui`` that serves it. Several
processes creating a fresh sqlite database at once race on its
schema migration, so creation happens under an exclusive file lock beside the database, and
then leaves a marker file (``mlflow.db.ready``) beside it: once the store exists, processes use
it without queueing on the lock (in a sweep's start, each worker waiting its turn to open the
store held the launching process up by 2 s).
"""

from __future__ import annotations

import fcntl
import os
import time
from contextlib import contextmanager
from pathlib import Path

from mlflow.tracking import MlflowClient

from ..project_root import default_store_uri
from .ui_links import EXPERIMENT_KIND_TAG, VIEW_TAG, ui_command, view_state
from .uri import (
    DEFAULT_PORTS,
    StoreUnavailable,
    credentials_to_environment,
    error_summary,
    preflight,
    redact,
)

DEFAULT_URI = "sqlite:///mlruns/mlflow.db"  # relative to the project's root (make's folder)
CREATION_ATTEMPTS = 3  # tries, 2 s apart, while another program migrates a new store


def resolve_tracking_uri(uri: str | None = None) -> str:
    """``uri`` if given, else ``$MLFLOW_TRACKING_URI``, else the project's sqlite store
    (:func:`qml_entanglement.project_root.default_store_uri`, whatever the current directory);
    an http(s) URI's ``user:password@`` moved to MLflow's credential variables
    (:func:`~qml_entanglement.tracking.uri.credentials_to_environment`)."""
    return credentials_to_environment(
        uri or os.environ.get("MLFLOW_TRACKING_URI") or default_store_uri()
    )


def sqlite_path(uri: str) -> Path | None:
    """The database file of a ``sqlite:///`` URI (relative paths stay relative), else None."""
    if not uri.startswith("sqlite:///"):
        return None
    return Path(uri[len("sqlite:///") :])


ARTIFACT_ROOT_VARIABLE = "QML_ARTIFACT_ROOT"  # artifacts of database stores (not sqlite)


def artifact_root(uri: str) -> str | None:
    """Explicit artifact root for new experiments, as an absolute URI.

    A local sqlite store keeps them beside its database (``<db dir>/artifacts``); a database
    server store (PostgreSQL, MySQL, ...) in ``$QML_ARTIFACT_ROOT``, else ``mlruns/artifacts``
    of the directory where the experiment is created, recorded once in the experiment, so a
    later process started elsewhere never drops artifacts into its own ``./mlruns``. A
    tracking server decides itself (None).
    """
    db = sqlite_path(uri)
    if db is not None:
        return (db.parent.resolve() / "artifacts").as_uri()
    if uri.split("://", 1)[0].split("+", 1)[0] in DEFAULT_PORTS:
        root = os.environ.get(ARTIFACT_ROOT_VARIABLE) or "mlruns/artifacts"
        return Path(root).resolve().as_uri()
    return None


@contextmanager
def _store_lock(uri: str):
    db = sqlite_path(uri)
    if db is None:
        yield
        return
    db.parent.mkdir(parents=True, exist_ok=True)
    with open(db.with_name(db.name + ".lock"), "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _ready_marker(db: Path) -> Path:
    return db.with_name(db.name + ".ready")


def _store_exists(uri: str) -> bool:
    """Whether a local sqlite store was created completely (by :func:`ensure_store`)."""
    db = sqlite_path(uri)
    return db is not None and db.exists() and _ready_marker(db).exists()


def _create_sqlite(db: Path) -> None:
    """Create a new sqlite store's schema in a temporary file beside *db*, then rename it into
    place: a creation cut short (Ctrl-C during MLflow's migrations, which take seconds) leaves
    no half-made database behind (one whose next migration fails: ``table ... already
    exists``)."""
    partial = db.with_name(f".{db.name}.creating-{os.getpid()}")
    try:
        MlflowClient(tracking_uri=f"sqlite:///{partial}").search_experiments(max_results=1)
        os.replace(partial, db)
    finally:
        partial.unlink(missing_ok=True)


def ensure_store(uri: str) -> MlflowClient:
    """Create the store if needed (once, under a lock) and return a client for it.

    Raises :class:`~qml_entanglement.tracking.uri.StoreUnavailable` within seconds when the
    store cannot be reached or written.
    """
    preflight(uri)
    if _store_exists(uri):
        return MlflowClient(tracking_uri=uri)
    for attempt in range(CREATION_ATTEMPTS):
        try:
            with _store_lock(uri):
                return _open_new_store(uri)
        except Exception as error:  # a corrupted database, a server gone since the preflight
            # another program (an MLflow UI, a client) migrating the same new file meanwhile
            racing = "already exists" in str(error) and attempt + 1 < CREATION_ATTEMPTS
            if not racing:
                raise StoreUnavailable(
                    f"tracking store {redact(uri)} cannot be opened ({error_summary(error)})"
                ) from None
            time.sleep(2.0)
    raise AssertionError("unreachable")


def _open_new_store(uri: str) -> MlflowClient:
    """A client for a store not yet marked complete: created (sqlite: atomically) or migrated
    by MLflow, then marked."""
    db = sqlite_path(uri)
    if db is not None and not (db.exists() and db.stat().st_size):
        # a new store is said, never made silently
        print(f"new tracking store {db.resolve()} (view it: {ui_command(uri)})", flush=True)
        _create_sqlite(db)
    client = MlflowClient(tracking_uri=uri)
    client.search_experiments(max_results=1)  # creates / migrates the schema
    if db is not None:
        hide_default_experiment(client)
        _ready_marker(db).touch()
    return client


def hide_default_experiment(client: MlflowClient) -> None:
    """Delete MLflow's empty ``Default`` experiment (id 0, made with every new store), so the
    UI lists only the project's experiments; one holding runs is kept."""
    default = client.get_experiment("0")
    if default.lifecycle_stage == "active" and not client.search_runs(["0"], max_results=1):
        client.delete_experiment("0")


def ensure_experiment(client: MlflowClient, uri: str, name: str) -> str:
    """Id of experiment ``name``, created (with the local artifact root) if missing."""
    experiment = client.get_experiment_by_name(name)
    if experiment is not None and experiment.lifecycle_stage == "active":
        add_table_view(client, experiment)
        return experiment.experiment_id
    with _store_lock(uri):
        experiment = client.get_experiment_by_name(name)
        if experiment is not None:
            if experiment.lifecycle_stage == "deleted":
                client.restore_experiment(experiment.experiment_id)
            return experiment.experiment_id
        try:
            location = artifact_root(uri)
            location = f"{location}/{name}" if location else None
            # for UIs that read it: a model-training experiment, not a GenAI one
            return client.create_experiment(
                name,
                artifact_location=location,
                tags=dict([EXPERIMENT_KIND_TAG, (VIEW_TAG, view_state())]),
            )
        except Exception:  # created concurrently through a tracking server
            experiment = client.get_experiment_by_name(name)
            if experiment is None:
                raise
            return experiment.experiment_id


def add_table_view(client: MlflowClient, experiment) -> None:
    """Give *experiment* the runs-table view every experiment link opens (the metric columns;
    :mod:`.ui_links`), unless it has it."""
    if experiment.tags.get(VIEW_TAG) != view_state():
        client.set_experiment_tag(experiment.experiment_id, VIEW_TAG, view_state())
