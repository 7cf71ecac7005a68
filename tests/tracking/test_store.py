"""Creating the local store once under a lock, and using it lock-free afterwards."""

from __future__ import annotations

import fcntl
import threading
from pathlib import Path

from qml_entanglement.tracking import ensure_experiment, ensure_store


def test_an_existing_store_is_opened_without_waiting_for_the_lock(store_uri):
    db = Path(store_uri[len("sqlite:///") :])
    ensure_experiment(ensure_store(store_uri), store_uri, "exp")
    assert db.with_name("mlflow.db.ready").exists()
    with open(db.with_name("mlflow.db.lock"), "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # another process creating a store
        result = {}
        worker = threading.Thread(
            target=lambda: result.update(
                id=ensure_experiment(ensure_store(store_uri), store_uri, "exp")
            )
        )
        worker.start()
        worker.join(timeout=30)
        assert not worker.is_alive(), "ensure_store/ensure_experiment waited for the lock"
        assert result["id"] == ensure_experiment(ensure_store(store_uri), store_uri, "exp")


def test_a_store_without_its_marker_is_created_under_the_lock(store_uri):
    db = Path(store_uri[len("sqlite:///") :])
    db.parent.mkdir(parents=True)
    with open(db.with_name("mlflow.db.lock"), "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        worker = threading.Thread(target=lambda: ensure_store(store_uri))
        worker.start()
        worker.join(timeout=2)
        assert worker.is_alive()  # queued behind the lock
        fcntl.flock(held, fcntl.LOCK_UN)
    worker.join(timeout=60)
    assert not worker.is_alive() and db.with_name("mlflow.db.ready").exists()


def test_database_stores_get_an_explicit_artifact_root(monkeypatch, tmp_path):
    from qml_entanglement.tracking.store import ARTIFACT_ROOT_VARIABLE, artifact_root

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(ARTIFACT_ROOT_VARIABLE, raising=False)
    uri = "postgresql://me@db:5432/mlflow"
    assert artifact_root(uri) == (tmp_path / "mlruns" / "artifacts").as_uri()
    monkeypatch.setenv(ARTIFACT_ROOT_VARIABLE, str(tmp_path / "shared"))
    assert artifact_root(uri) == (tmp_path / "shared").as_uri()
    assert artifact_root("http://127.0.0.1:5000") is None  # a server decides itself
    db = tmp_path / "x" / "mlflow.db"
    assert artifact_root(f"sqlite:///{db}") == (tmp_path / "x" / "artifacts").as_uri()
