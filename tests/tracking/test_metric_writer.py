"""The background metric writer process: same data as writing in process, nothing lost when
either side dies or the store refuses a batch."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from mlflow.tracking import MlflowClient

from qml_entanglement.tracking import RunLogger, ensure_experiment, ensure_store
from qml_entanglement.tracking.writer import MetricWriter, wants_writer

pytestmark = pytest.mark.integration


def ready_writer() -> MetricWriter:
    writer = MetricWriter.start()
    deadline = time.monotonic() + 60
    while not writer.ready():
        assert time.monotonic() < deadline, "writer never became ready"
        time.sleep(0.02)
    return writer


@pytest.fixture
def writer():
    handle = ready_writer()
    yield handle
    handle.shutdown()


def expected(step: int) -> dict[str, float]:
    return {"loss": 1.0 / (step + 1), "meyer_wallach": step / 100.0}


def assert_complete(uri: str, run_id: str, steps: int) -> None:
    client = MlflowClient(uri)
    for key in ("loss", "meyer_wallach"):
        history = sorted((m.step, m.value) for m in client.get_metric_history(run_id, key))
        assert history == [(s, expected(s)[key]) for s in range(steps)], key


def test_writer_stores_every_epoch_and_the_parent_writes_none(store_uri, writer, monkeypatch):
    with RunLogger(store_uri, "w", "r", flush_seconds=0.0, writer=writer) as run:
        parent_batches = []
        original = run.client.log_batch
        monkeypatch.setattr(
            run.client,
            "log_batch",
            lambda *a, **k: (
                parent_batches.append(k) if "metrics" in k else None,
                original(*a, **k),
            ),
        )
        for step in range(300):
            run.log_epoch(step, expected(step))
    assert parent_batches == []
    assert writer._seq > 1  # handed over in several batches while "training" went on
    assert_complete(store_uri, run.run_id, 300)
    assert MlflowClient(store_uri).get_run(run.run_id).info.status == "FINISHED"


def test_a_batch_the_store_refuses_comes_back_to_the_caller(store_uri, writer):
    rows = [("loss", 0.5, 0, 0), ("loss", 0.25, 0, 1)]
    assert writer.submit(store_uri, "no-such-run", rows)
    leftover, error = writer.sync("no-such-run")
    assert leftover == rows
    assert "no-such-run" in error


def test_writer_killed_mid_run_the_run_logger_writes_the_rest(store_uri, writer):
    with RunLogger(store_uri, "w", "r", flush_seconds=0.0, writer=writer) as run:
        for step in range(100):
            run.log_epoch(step, expected(step))
        writer.process.kill()
        writer.process.wait()
        for step in range(100, 200):
            run.log_epoch(step, expected(step))
    assert writer.broken
    assert_complete(store_uri, run.run_id, 200)
    assert MlflowClient(store_uri).get_run(run.run_id).info.status == "FINISHED"


PARENT = textwrap.dedent(
    """
    import os, signal, sys, time
    from qml_entanglement.tracking import RunLogger
    from qml_entanglement.tracking.writer import start_writer

    writer = start_writer()
    while not writer.ready():
        time.sleep(0.02)
    run = RunLogger(sys.argv[1], "w", "killed", flush_seconds=0.0, writer=writer).__enter__()
    for step in range(50):
        run.log_epoch(step, {"loss": 1.0 / (step + 1), "meyer_wallach": step / 100.0})
    run.flush()
    print(run.run_id, flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
    """
)


def test_training_process_killed_writer_stores_and_marks_failed(store_uri):
    ensure_experiment(ensure_store(store_uri), store_uri, "w")
    proc = subprocess.run(
        [sys.executable, "-c", PARENT, store_uri], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    run_id = proc.stdout.split()[0]
    client = MlflowClient(store_uri)
    deadline = time.monotonic() + 60
    while client.get_run(run_id).info.status == "RUNNING" and time.monotonic() < deadline:
        time.sleep(0.2)
    run = client.get_run(run_id)
    assert run.info.status == "FAILED"
    assert run.data.tags["failure_reason"] == "killed"
    assert_complete(store_uri, run_id, 50)


def test_writer_ignores_ctrl_c_sent_to_the_process_group(writer):
    os.kill(writer.process.pid, signal.SIGINT)
    time.sleep(0.5)
    assert writer.process.poll() is None and writer.ready()


def test_auto_uses_a_writer_for_single_runs_only(monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert wants_writer("auto", in_sweep=False)
    assert not wants_writer("auto", in_sweep=True)
    assert wants_writer("process", in_sweep=True)
    assert not wants_writer("inline", in_sweep=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    assert not wants_writer("auto", in_sweep=False)
