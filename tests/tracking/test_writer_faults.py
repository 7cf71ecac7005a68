"""Faults around the metric writer process (issue 12, cases 1 and 2): repeated Ctrl-C at any
moment and a stopped writer lose nothing, hang nothing and leave no process behind."""

from __future__ import annotations

import signal
import subprocess
import tempfile
import time

import pandas as pd
import psutil
import pytest
from mlflow.tracking import MlflowClient

from qml_entanglement.tracking.reading import local_artifact_dir
from tests.conftest import start_train, store_client, wait_for_steps

pytestmark = pytest.mark.integration


def _start(store_uri: str, *overrides: str) -> subprocess.Popen:
    """The training process with its metric writer process, stderr to a file."""
    log = tempfile.NamedTemporaryFile("w+", suffix=".log")  # noqa: SIM115
    proc = start_train(
        "tracking.writer=process", f"tracking.uri={store_uri}", *overrides, stderr=log, text=True
    )
    proc.stderr_file = log  # type: ignore[attr-defined]
    return proc


def _stderr(proc: subprocess.Popen) -> str:
    proc.stderr_file.seek(0)
    return proc.stderr_file.read()


def _writer(proc: subprocess.Popen, timeout: float = 60) -> psutil.Process:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for child in psutil.Process(proc.pid).children(recursive=True):
            if "qml_entanglement.tracking.writer" in " ".join(child.cmdline()):
                return child
        time.sleep(0.05)
    raise AssertionError("no writer process")


def _stored_equals_history(client: MlflowClient, run_id: str) -> int:
    run = client.get_run(run_id)
    history = pd.read_csv(local_artifact_dir(run.info.artifact_uri) / "history.csv")
    stored = sorted(m.step for m in client.get_metric_history(run_id, "loss"))
    assert stored == history["epoch"].tolist()  # every epoch in history.csv is in the store
    return len(stored)


@pytest.mark.parametrize("delay", [0.002, 0.03, 0.3])
def test_ctrl_c_twice_ends_failed_interrupted_with_every_epoch_stored(store_uri, delay):
    proc = _start(store_uri, "trainer.epochs=1000000", "tracking.flush_seconds=0")
    writer = _writer(proc)
    client = store_client(store_uri, proc)
    run_id = wait_for_steps(client, proc, 20)
    proc.send_signal(signal.SIGINT)
    time.sleep(delay)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=90) != 0
    run = client.get_run(run_id)
    assert run.info.status == "FAILED", (proc.returncode, _stderr(proc)[-3000:])
    assert run.data.tags["failure_reason"] == "interrupted"
    assert _stored_equals_history(client, run_id) >= 20
    writer.wait(timeout=30)  # the writer does not outlive the run's process


@pytest.mark.slow
def test_ctrl_c_three_times_while_the_writer_stalls(store_uri):
    proc = _start(store_uri, "trainer.epochs=1000000", "tracking.flush_seconds=0")
    writer = _writer(proc)
    client = store_client(store_uri, proc)
    run_id = wait_for_steps(client, proc, 20)
    writer.suspend()  # SIGSTOP: its pipe fills while training goes on
    time.sleep(1.0)
    for _ in range(3):
        proc.send_signal(signal.SIGINT)
        time.sleep(0.05)
    assert proc.wait(timeout=120) != 0
    run = client.get_run(run_id)
    assert run.info.status == "FAILED", (proc.returncode, _stderr(proc)[-3000:])
    assert run.data.tags["failure_reason"] == "interrupted"
    _stored_equals_history(client, run_id)
    with pytest.raises(psutil.NoSuchProcess):  # a stopped writer is killed, not left behind
        writer.wait(timeout=10)
        writer.status()


@pytest.mark.parametrize("resume_after", [2.0, None])
def test_a_stopped_writer_never_blocks_training(store_uri, resume_after):
    """SIGSTOP the writer for 2 s, or for good: the run still finishes with every epoch."""
    proc = _start(store_uri, "trainer.epochs=1500", "tracking.flush_seconds=0")
    writer = _writer(proc)
    client = store_client(store_uri, proc)
    run_id = wait_for_steps(client, proc, 5)
    writer.suspend()
    if resume_after is not None:
        time.sleep(resume_after)
        writer.resume()
    assert proc.wait(timeout=240) == 0, _stderr(proc)
    run = client.get_run(run_id)
    assert run.info.status == "FINISHED"
    assert _stored_equals_history(client, run_id) == 1501
    if resume_after is None:
        with pytest.raises(psutil.NoSuchProcess):
            writer.wait(timeout=10)
            writer.status()
