"""Faults of the store itself (issue 27, cases 4 and 5; issue 26, case 3): a corrupted database,
a read-only mount, an unreachable server, a store whose creation is cut short, MLflow's file
store. Each ends in one line and a known exit status; nothing is overwritten and no process
adds a traceback after it."""

from __future__ import annotations

import glob
import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import clean_env, run_train

pytestmark = pytest.mark.integration
TINY = ("trainer.epochs=2", "dataset.training_size=4", "dataset.test_size=2")


def _lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.strip()]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def made_store(tmp_path_factory) -> Path:
    """A real store with one finished run (its database file)."""
    db = tmp_path_factory.mktemp("made") / "mlflow.db"
    proc = run_train(*TINY, f"tracking.uri=sqlite:///{db}", timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return db


def test_a_corrupted_copy_of_the_store_ends_in_one_line_and_stays_as_it_was(made_store, tmp_path):
    """Random bytes over the first 4 KiB of a copy of the database (was: exit 1, 110 lines,
    'file is not a database'): exit 3, one line naming the file; the file is left as it was."""
    copy = tmp_path / "copy" / "mlflow.db"
    copy.parent.mkdir()
    data = bytearray(made_store.read_bytes())
    data[:4096] = os.urandom(4096)
    copy.write_bytes(bytes(data))
    before = _digest(copy)
    proc = run_train(*TINY, f"tracking.uri=sqlite:///{copy}", timeout=300)
    assert proc.returncode == 3, proc.stderr[-3000:]
    lines = _lines(proc.stderr)
    assert len(lines) == 1 and str(copy) in lines[0], proc.stderr[-3000:]
    assert _digest(copy) == before
    assert "Traceback" not in proc.stderr


def test_a_store_whose_creation_is_killed_is_not_left_half_made(tmp_path):
    """SIGKILL while MLflow creates the schema (seconds of migrations): no database is left at
    the store's path, and the next process creates a complete one."""
    db = tmp_path / "store" / "mlflow.db"
    code = (
        "import sys; from qml_entanglement.tracking import ensure_store; "
        "ensure_store(sys.argv[1]).search_experiments()"
    )
    uri = f"sqlite:///{db}"
    proc = subprocess.Popen([sys.executable, "-c", code, uri], env=clean_env())
    deadline = time.monotonic() + 120
    while not glob.glob(str(db.parent / ".mlflow.db.creating-*")):
        assert proc.poll() is None and time.monotonic() < deadline, "no schema being created"
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert not db.exists() or db.stat().st_size == 0
    done = subprocess.run(
        [sys.executable, "-c", code, uri], env=clean_env(), capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert db.with_name("mlflow.db.ready").exists()


@pytest.fixture
def read_only_dir(tmp_path):
    """A real read-only mount (tmpfs, ro) holding a store file."""
    mount = tmp_path / "ro"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"mounting is not permitted here: {done.stderr.decode().strip()}")
    try:
        (mount / "mlflow.db").write_bytes(b"")
        remount = ["mount", "-o", "remount,ro", str(mount)]
        done = subprocess.run(remount, capture_output=True)
        if done.returncode != 0:
            pytest.skip(f"remounting read-only is not permitted: {done.stderr.decode().strip()}")
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def _unusable(uri: str) -> subprocess.CompletedProcess:
    """The pipeline with a writer process against an unusable store; the captured output ends
    only once every process that shares it (the writer too) has exited."""
    return run_train(*TINY, "tracking.writer=process", f"tracking.uri={uri}", timeout=300)


def test_a_store_on_a_read_only_mount_is_one_line_and_no_writer_traceback(read_only_dir):
    proc = _unusable(f"sqlite:///{read_only_dir / 'mlflow.db'}")
    assert proc.returncode == 3, proc.stderr[-3000:]
    lines = _lines(proc.stderr)
    assert len(lines) == 1 and "read-only" in lines[0], proc.stderr[-3000:]


@pytest.mark.parametrize("attempt", [1, 2])
def test_a_server_that_does_not_answer_is_one_line_and_no_writer_traceback(attempt):
    """The writer process was still importing MLflow when the pipeline gave up; its 'ready'
    met a closed pipe (BrokenPipeError, 15 lines, in 1 of 2 tries)."""
    proc = _unusable("http://127.0.0.1:1")
    assert proc.returncode == 3, proc.stderr[-3000:]
    lines = _lines(proc.stderr)
    assert len(lines) == 1 and "does not answer" in lines[0], proc.stderr[-3000:]


def test_mlflows_file_store_is_a_config_mistake(tmp_path):
    proc = run_train(*TINY, f"tracking.uri=file://{tmp_path / 'fs'}", timeout=300)
    assert proc.returncode == 2, proc.stderr[-3000:]
    lines = _lines(proc.stderr)
    assert len(lines) == 1 and "sqlite:///" in lines[0], proc.stderr[-3000:]
    assert not (tmp_path / "fs").exists()
