"""The tracking server dies mid-run (issue 12, case 3): the run stops within seconds with one
line, keeps everything locally, and `tracking.upload` stores it once a server is back."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pandas as pd
import psutil
import pytest
from mlflow.tracking import MlflowClient

from tests.conftest import clean_env, start_train, wait_for_steps

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _kill_server(uri: str) -> None:
    port = uri.rsplit(":", 1)[1]
    for process in psutil.process_iter(["cmdline"]):
        cmdline = process.info["cmdline"] or []  # None for processes that cannot be read
        if "server" in cmdline and "--port" in cmdline and port in cmdline:
            os.killpg(os.getpgid(process.pid), signal.SIGKILL)
            return
    raise AssertionError(f"no server on port {port}")


def test_a_server_killed_mid_run_fails_fast_keeps_everything_and_uploads_later(
    tracking_server, tmp_path
):
    backend = f"sqlite:///{tmp_path / 'server.db'}"
    uri = tracking_server(backend)
    work = tmp_path / "work"
    work.mkdir()
    proc = start_train(
        "trainer.epochs=1000000",
        "tracking.flush_seconds=0",
        f"tracking.uri={uri}",
        cwd=work,
        stderr=open(tmp_path / "stderr.log", "w"),  # noqa: SIM115
    )
    client = MlflowClient(uri)
    run_id = wait_for_steps(client, proc, 20)
    children = psutil.Process(proc.pid).children(recursive=True)  # the metric writer
    _kill_server(uri)
    assert proc.wait(timeout=120) == 3  # within seconds of retries, not minutes
    lines = [x for x in (tmp_path / "stderr.log").read_text().splitlines() if x.strip()]
    assert "upload them with `python -m qml_entanglement.tracking.upload" in lines[-1]
    folder = work / "mlruns" / "unsent" / run_id
    assert str(folder.relative_to(work)) in lines[-1]
    history = pd.read_csv(folder / "artifacts" / "history.csv")
    note = json.loads((folder / "run.json").read_text())
    assert note["run_id"] == run_id and note["failure_reason"] == "store_unavailable"
    assert note["status"] == "FAILED"  # training was cut short: never FINISHED (resumable)
    gone, alive = psutil.wait_procs(children, timeout=10)
    assert not alive  # no process outlives the run

    again = tracking_server(backend)  # the store is back (same database, another port)
    upload = subprocess.run(
        [sys.executable, "-m", "qml_entanglement.tracking.upload", str(folder), "--uri", again],
        capture_output=True,
        text=True,
        timeout=120,
        env=clean_env(),
    )
    assert upload.returncode == 0, upload.stderr
    client = MlflowClient(again)
    run = client.get_run(run_id)
    assert run.info.status == "FAILED"  # a re-run of the sweep trains it again
    assert run.data.tags["failure_reason"] == "store_unavailable"
    stored = sorted(m.step for m in client.get_metric_history(run_id, "loss"))
    assert stored == history["epoch"].tolist()  # every epoch of history.csv, no gap
    assert "history.csv" in {a.path for a in client.list_artifacts(run_id)}
    assert not folder.exists()


def test_a_server_killed_while_the_run_is_set_up_is_one_line_exit_3(tracking_server, tmp_path):
    """Issue 27.3: killed 0.3 s after `training:` (the run being created and its params logged)
    gave exit 1 and 145 lines of chained tracebacks."""
    uri = tracking_server(f"sqlite:///{tmp_path / 'server.db'}")
    work = tmp_path / "work"
    work.mkdir()
    log = tmp_path / "stderr.log"
    proc = start_train(
        "trainer.epochs=1000000",
        f"tracking.uri={uri}",
        cwd=work,
        stdout=subprocess.PIPE,
        stderr=open(log, "w"),  # noqa: SIM115
        text=True,
    )
    for line in proc.stdout:
        if "training:" in line:
            break
    time.sleep(0.3)
    _kill_server(uri)
    proc.stdout.read()
    assert proc.wait(timeout=120) == 3, log.read_text()[-3000:]
    lines = [x for x in log.read_text().splitlines() if x.strip()]
    assert len(lines) == 1 and "tracking store" in lines[0], lines[:20]
