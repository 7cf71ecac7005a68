"""The store's disk fills up mid-run (issue 12, case 4): one message, no gaps, nothing lost.

The sqlite store lives on a small tmpfs mounted for the test (skipped where mounting is not
allowed); the run's working directory, where unstored values are kept, is elsewhere.
"""

from __future__ import annotations

import csv
import json
import subprocess

import pandas as pd
import pytest
from mlflow.tracking import MlflowClient

from tests.conftest import run_train

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture
def small_disk(tmp_path):
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1500k", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def test_a_full_disk_ends_the_run_with_one_message_and_no_gaps(small_disk, tmp_path):
    uri = f"sqlite:///{small_disk / 'mlflow.db'}"
    work = tmp_path / "work"
    work.mkdir()
    proc = run_train(
        "trainer.epochs=200000",
        "tracking.flush_seconds=0",
        f"tracking.uri={uri}",
        cwd=work,
        timeout=600,
    )
    assert proc.returncode == 3, proc.stderr[-3000:]
    lines = [x for x in proc.stderr.splitlines() if x.strip() and "mlflow.store.db" not in x]
    assert "Traceback" not in proc.stderr and len(lines) <= 3, proc.stderr[-3000:]
    assert "upload them with" in lines[-1] and "full" in lines[-1]
    folder = next((work / "mlruns" / "unsent").iterdir())
    note = json.loads((folder / "run.json").read_text())
    history = pd.read_csv(folder / "artifacts" / "history.csv")
    with open(folder / "metrics.csv", newline="") as handle:
        unsent = {int(r["step"]) for r in csv.DictReader(handle) if r["key"] == "loss"}
    stored = {m.step for m in MlflowClient(uri).get_metric_history(note["run_id"], "loss")}
    # every epoch of history.csv is either in the store or listed as unsent: no gap
    assert set(history["epoch"]) <= stored | unsent
    assert note["status"] == "FAILED"  # cut short by the store: an upload must not finish it
    assert stored and unsent
