"""Fixtures for sweep tests: running a sweep, reading a store back, real servers on loopback."""

from __future__ import annotations

import contextlib
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient

from tests.conftest import ROOT

TINY = ("trainer.epochs=3", "dataset.training_size=6", "dataset.test_size=4")


def run_sweep(*overrides: str, sweep_dir: Path, n_jobs: int = 2, timeout: float = 400):
    """``pipelines/train.py -m`` with the joblib launcher into ``sweep_dir``; no QML_* or MLflow
    variables leak in from the test process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QML_", "MLFLOW_TRACKING_URI"))}
    return subprocess.run(
        [
            sys.executable,
            str(ROOT / "pipelines" / "train.py"),
            "-m",
            "hydra/launcher=joblib",
            f"hydra.launcher.n_jobs={n_jobs}",
            f"hydra.sweep.dir={sweep_dir}",
            *overrides,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


def sweep_record(sweep_dir: Path) -> dict:
    return json.loads((sweep_dir / "sweep.json").read_text())


def sweep_runs(uri: str, sweep_id: str, experiment: str = "qml-entanglement"):
    """(parent run, child runs) of a sweep."""
    client = MlflowClient(uri)
    experiment_id = client.get_experiment_by_name(experiment).experiment_id
    runs = client.search_runs([experiment_id], filter_string=f"tags.sweep_id = '{sweep_id}'")
    parents = [r for r in runs if r.data.tags.get("sweep_role") == "parent"]
    children = [r for r in runs if r.data.tags.get("sweep_role") != "parent"]
    assert len(parents) == 1, [r.data.tags for r in parents]
    return parents[0], children


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(url: str, proc: subprocess.Popen, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited early ({proc.returncode}): {proc.stdout.read()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


def stop(proc: subprocess.Popen) -> None:
    """End a process group this test started (by its id), politely first."""
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=20)


@pytest.fixture
def tracking_server(tmp_path):
    """``start(backend_uri) -> http://127.0.0.1:<port>``: `make server` on a free loopback port,
    artifacts under ``tmp_path``; stopped after the test."""
    started: list[subprocess.Popen] = []

    def start(backend_uri: str) -> str:
        port = free_port()
        proc = subprocess.Popen(
            [
                "make",
                "--no-print-directory",
                "-s",
                "server",
                f"PORT={port}",
                "HOST=127.0.0.1",
                f"TRACKING_DB={backend_uri}",
                f"SERVER_ARTIFACTS={tmp_path / 'server-artifacts'}",
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        started.append(proc)
        uri = f"http://127.0.0.1:{port}"
        wait_for_http(f"{uri}/health", proc)
        return uri

    yield start
    for proc in started:
        stop(proc)


def _postgres_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


@contextlib.contextmanager
def throwaway_postgres():
    """A PostgreSQL cluster on 127.0.0.1 in a temporary directory (`make postgres` installs the
    server); yields the SQLAlchemy URI of its empty database ``mlflow``, or None with the
    reason printed when PostgreSQL is not available here."""
    initdb, pg_ctl = _postgres_bin("initdb"), _postgres_bin("pg_ctl")
    if not (initdb and pg_ctl):
        print("PostgreSQL is not installed (`make postgres` installs the Debian package)")
        yield None
        return
    as_user: list[str] = []
    base = Path(tempfile.mkdtemp(prefix="qml-pg-"))
    if os.geteuid() == 0:  # postgres refuses to run as root: run it as the `postgres` user
        import pwd

        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            print("running as root and there is no `postgres` user to run PostgreSQL as")
            yield None
            return
        os.chown(base, user.pw_uid, user.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    data, port = base / "data", free_port()
    try:
        subprocess.run(
            [*as_user, initdb, "-D", str(data), "-U", "postgres", "-A", "trust", "--no-sync"],
            check=True,
            capture_output=True,
        )
        options = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run(
            [*as_user, pg_ctl, "-D", str(data), "-o", options, "-l", str(base / "log"), "-w"]
            + ["start"],
            check=True,
            capture_output=True,
            timeout=120,
        )
        import psycopg

        with psycopg.connect(
            host="127.0.0.1", port=port, user="postgres", dbname="postgres", autocommit=True
        ) as connection:
            connection.execute("CREATE DATABASE mlflow")
        yield f"postgresql://postgres@127.0.0.1:{port}/mlflow"
    finally:
        if data.exists():
            subprocess.run(
                [*as_user, pg_ctl, "-D", str(data), "-m", "immediate", "stop"],
                capture_output=True,
                timeout=60,
            )
        shutil.rmtree(base, ignore_errors=True)
