"""Parallel sweeps on the embedded sqlite store: failures isolated, reported, resumable."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path

import psutil
import pytest
from mlflow.tracking import MlflowClient

from tests.conftest import run_train, start_train, store_client
from tests.sweeps.conftest import TINY, run_sweep, sweep_record, sweep_runs

pytestmark = pytest.mark.slow


def test_a_failing_job_does_not_stop_the_others_and_the_sweep_exits_non_zero(store_uri, tmp_path):
    """Of four jobs, two have a config mistake (epochs 0), one raises at run time (an initial
    range wider than a float holds), one trains: the sweep finishes it, reports three failures,
    exits 1."""
    jobs = (
        "seed=0",
        "model.init_low=-3.0,-1.7e308",
        "model.init_high=1.7e308",
        "trainer.epochs=2,0",
        *TINY[1:],
    )
    proc = run_sweep(*jobs, f"tracking.uri={store_uri}", sweep_dir=tmp_path / "sweep")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    record = sweep_record(tmp_path / "sweep")
    assert record["counts"]["finished"] == 1 and record["counts"]["failed"] == 3
    assert "1 finished, 0 skipped (already finished), 3 failed" in proc.stdout
    assert proc.stdout.count("  FAILED seed=0") == 3
    assert "OverflowError" in proc.stdout and "trainer.epochs=0 is out of range" in proc.stdout
    parent, children = sweep_runs(store_uri, record["sweep_id"])
    assert parent.info.status == "FAILED"
    assert [r.info.status for r in children] == ["FINISHED"]

    # the identical sweep again: same id, same parent run; the finished job is skipped (no
    # duplicate run), the failing ones are tried again and fail again
    again = run_sweep(*jobs, f"tracking.uri={store_uri}", sweep_dir=tmp_path / "again")
    assert again.returncode == 1, again.stdout + again.stderr
    second = sweep_record(tmp_path / "again")
    assert second["sweep_id"] == record["sweep_id"] and second["resumed"]
    assert second["parent_run_id"] == record["parent_run_id"]
    counts = second["counts"]
    assert (counts["finished"], counts["skipped"], counts["failed"]) == (0, 1, 3)
    _, children = sweep_runs(store_uri, record["sweep_id"])
    assert [r.info.status for r in children] == ["FINISHED"]


def test_ctrl_c_fails_the_running_runs_and_keeps_their_epochs(store_uri, tmp_path):
    proc, client = _start_long_sweep(store_uri, tmp_path)
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
    output, _ = proc.communicate(timeout=120)
    assert proc.returncode != 0
    assert "2 missing (no record: interrupted or killed)" in output
    record = sweep_record(tmp_path / "sweep")
    parent, children = sweep_runs(store_uri, record["sweep_id"])
    assert parent.info.status == "FAILED" and len(children) == 2
    for run in children:
        assert run.info.status == "FAILED" and run.data.tags["failure_reason"] == "interrupted"
        assert len(client.get_metric_history(run.info.run_id, "loss")) >= 5


def _start_long_sweep(store_uri: str, tmp_path) -> tuple[subprocess.Popen, MlflowClient]:
    """Two endless jobs on two joblib workers, once both have logged 5 epochs."""
    proc = _start_sweep(store_uri, tmp_path, "seed=0,1", "trainer.epochs=1000000")
    deadline = time.monotonic() + 180
    client = store_client(store_uri, proc)
    while time.monotonic() < deadline:
        time.sleep(0.5)
        if not (tmp_path / "sweep" / "sweep.json").exists():
            continue
        try:
            experiment = client.get_experiment_by_name("qml-entanglement").experiment_id
            runs = client.search_runs([experiment], filter_string="tags.sweeps LIKE '%|%'")
            if len(runs) == 2 and all(
                len(client.get_metric_history(r.info.run_id, "loss")) >= 5 for r in runs
            ):
                return proc, client
        except Exception:  # a run not created yet
            pass
    raise AssertionError("the sweep never got going")


def _start_sweep(
    store_uri: str, tmp_path, *overrides: str, output: Path | None = None
) -> subprocess.Popen:
    """A sweep on 2 joblib workers in its own session, its output to be read by the test
    (or written to *output*)."""
    sink = open(output, "w") if output is not None else subprocess.PIPE  # noqa: SIM115
    return start_train(
        "-m",
        "hydra/launcher=joblib",
        "hydra.launcher.n_jobs=2",
        f"hydra.sweep.dir={tmp_path / 'sweep'}",
        *overrides,
        "tracking.flush_seconds=0.2",
        f"tracking.uri={store_uri}",
        text=True,
        stdout=sink,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _session_processes(session: int) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter():
        with contextlib.suppress(psutil.Error):
            if os.getsid(process.pid) == session and process.status() != psutil.STATUS_ZOMBIE:
                found.append(process)
    return found


@pytest.mark.parametrize("how", ["sigterm", "ctrl-c twice"])
def test_a_stopped_launcher_closes_everything_and_leaves_no_process(store_uri, tmp_path, how):
    """SIGTERM to the launcher alone (what `timeout` and `scancel` send), or Ctrl-C twice to
    the whole group: summary printed, parent and jobs FAILED, no worker left behind."""
    proc, client = _start_long_sweep(store_uri, tmp_path)
    if how == "sigterm":
        proc.send_signal(signal.SIGTERM)
    else:
        os.killpg(proc.pid, signal.SIGINT)
        time.sleep(0.3)
        os.killpg(proc.pid, signal.SIGINT)
    output, _ = proc.communicate(timeout=120)
    assert proc.returncode != 0
    assert "missing" in output  # the summary
    # a resource tracker killed before the workers was relaunched by them, with a KeyError
    # traceback per worker (issue 27.8); the stop is one line
    assert "Traceback" not in output and "resource_tracker" not in output, output
    assert output.count("sweep ended early") == 1, output
    record = sweep_record(tmp_path / "sweep")
    assert record["status"] == "FAILED"
    parent, children = sweep_runs(store_uri, record["sweep_id"])
    assert parent.info.status == "FAILED" and len(children) == 2
    assert {r.info.status for r in children} == {"FAILED"}
    deadline = time.monotonic() + 10
    while _session_processes(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _session_processes(proc.pid)  # no worker or resource tracker outlives it


def test_a_killed_worker_does_not_abort_the_sweep(store_uri, tmp_path):
    """SIGKILL one joblib worker mid-job: the jobs without a record are launched again and
    the sweep finishes them all; the killed job's first run is closed FAILED.

    Issue 26.7: under load this once ended "exit 0 with 3 of 4 runs finished". The explanation
    consistent with exit 0 (no job missing or failed, so the 4th was SKIPPED; not reproduced
    here): the victim was picked as a RUNNING run (400 epochs of a few ms) and killed a
    moment later, by when its run could have FINISHED; the relaunched job then found that run
    finished and recorded it SKIPPED (no work lost, but not 4 finished). The victim is now
    picked in the first half of a longer job, and the outcome checked for the run it was.
    Also the test's own client no longer races the sweep's creation of the store.
    The pick window is half of the job, not a fixed 100 epochs: on a quiet fast machine (CI)
    1000 epochs took 4-6 s, so a 100-epoch window (0.5 s) fell between two polls."""
    log, epochs = tmp_path / "output.log", 2000
    proc = _start_sweep(store_uri, tmp_path, "seed=0,1,2,3", f"trainer.epochs={epochs}", output=log)
    client = store_client(store_uri, proc)
    deadline, victim = time.monotonic() + 180, None
    while victim is None and time.monotonic() < deadline:
        time.sleep(0.3)
        if not Path(store_uri[len("sqlite:///") :] + ".ready").exists():
            continue
        with contextlib.suppress(Exception):
            experiment = client.get_experiment_by_name("qml-entanglement").experiment_id
            runs = client.search_runs([experiment], "attributes.status = 'RUNNING'")
            for run in (r for r in runs if r.data.tags.get("sweep_role") != "parent"):
                if 3 < len(client.get_metric_history(run.info.run_id, "loss")) < epochs // 2:
                    victim, victim_run = int(run.data.tags["owner.pid"]), run.info.run_id
                    break
    assert victim is not None, log.read_text()[-3000:]
    os.kill(victim, signal.SIGKILL)
    proc.wait(timeout=400)
    output = log.read_text()
    assert proc.returncode == 0, output[-3000:]
    record = sweep_record(tmp_path / "sweep")
    counts = record["counts"]
    assert counts["missing"] == 0 and counts["failed"] == 0, output[-3000:]
    killed_run = client.get_run(victim_run)
    if killed_run.info.status == "FINISHED":  # the kill came after its last step after all
        assert counts["finished"] == 3 and counts["skipped"] == 1, counts
    else:
        assert counts["finished"] == 4, (counts, output[-3000:])
        assert killed_run.data.tags["failure_reason"] == "killed"
    _, children = sweep_runs(store_uri, record["sweep_id"])
    statuses = sorted(r.info.status for r in children)
    assert statuses.count("FINISHED") == 4
    assert "RUNNING" not in statuses


def test_sigkill_of_a_joblib_launcher_leaves_no_worker_and_the_next_run_closes_the_sweep(
    store_uri, tmp_path
):
    """Issue 27.8: after `kill -9` of the launcher alone, loky workers and resource trackers
    were alive 43 s later and the parent run stayed RUNNING. Now the workers end with their
    launcher, and the next run on the store, in another experiment, closes the parent FAILED
    (killed) and any job run still open. The 60 s bound is a hang detector."""
    proc, client = _start_long_sweep(store_uri, tmp_path)
    proc.send_signal(signal.SIGKILL)  # the launcher alone, as the OOM killer would
    proc.communicate(timeout=60)
    deadline = time.monotonic() + 60
    while _session_processes(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = [(p.pid, p.cmdline()[-3:]) for p in _session_processes(proc.pid)]
    assert not left  # no worker, no resource tracker
    record = sweep_record(tmp_path / "sweep")
    parent, _ = sweep_runs(store_uri, record["sweep_id"])
    assert parent.info.status == "RUNNING"  # its launcher could not close it
    done = run_train(*TINY, "tracking.experiment=elsewhere", f"tracking.uri={store_uri}")
    assert done.returncode == 0, done.stderr[-3000:]
    parent, children = sweep_runs(store_uri, record["sweep_id"])
    assert (parent.info.status, parent.data.tags["failure_reason"]) == ("FAILED", "killed")
    # closed by their own workers (interrupted), or, if a worker's grace ran out before its
    # run was closed (figures under load), by the next run (killed): never left RUNNING
    for run in children:
        assert run.info.status == "FAILED", run.data.tags
        assert run.data.tags["failure_reason"] in ("interrupted", "killed")
