"""`make ui` in a real browser: lean, answers, and its links open the runs in the training view."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

from tests.conftest import ROOT, clean_env, run_train

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.integration,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium (make browser)"),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _page_text(url: str, profile: Path) -> str:
    """The page's text after its scripts ran (headless Chromium, DOM dump)."""
    proc = subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--window-size=1920,1080",  # wide enough that the table draws its metric columns
            f"--user-data-dir={profile}",
            "--virtual-time-budget=20000",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    text = re.sub(r"<[^>]+>", " ", proc.stdout)
    return re.sub(r"\s+", " ", text)


@pytest.fixture
def ui(tmp_path):
    """``make ui`` on a store with one finished run; yields (banner lines, run name, process)."""
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    trained = run_train("trainer.epochs=2", "seed=4", f"tracking.uri={uri}")
    assert trained.returncode == 0, trained.stderr
    port = _free_port()
    env = {**clean_env(), "MLFLOW_TRACKING_URI": uri}
    proc = subprocess.Popen(
        ["make", "--no-print-directory", "ui", f"PORT={port}", f"STORE_URI={uri}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2):
                    break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("make ui did not answer")
        banner = []
        while not any("/#/experiments/1/runs?" in line for line in banner):
            banner.append(proc.stdout.readline())
        yield banner, port, proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def test_make_ui_is_lean_and_opens_the_training_view(ui, tmp_path):
    banner, port, proc = ui
    link = next(line.split(": ", 1)[1].strip() for line in banner if "qml-entanglement:" in line)
    assert link == (
        f"http://127.0.0.1:{port}/#/experiments/1/runs?viewStateShareKey=qml-metric-columns"
        "&workflowType=machine_learning"
    )
    # lean: the web server and one worker; no GenAI job runner or job consumers
    processes = psutil.Process(proc.pid).children(recursive=True)
    commands = [" ".join(p.cmdline()) for p in processes]
    assert not any("huey" in c or "job" in c.lower() for c in commands), commands
    assert len([c for c in commands if "python" in c]) <= 3, commands
    text = _page_text(link, tmp_path / "profile")
    assert "Run Name" in text  # the runs table of the training view
    assert "vqc-ad_hoc epochs=2 seed=4" in text  # our run, named by what was overridden
    assert "Evaluation runs" not in text  # not the GenAI view MLflow opens by default
    # the metric columns are shown without a click (the link's shared view)
    header = text.split("Run Name", 1)[1].split("vqc-ad_hoc", 1)[0]
    assert {"loss", "meyer_wallach", "test_accuracy"} <= set(header.split()), header
    # only the project's experiments: MLflow's empty Default is gone
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/ajax-api/2.0/mlflow/experiments/search",
        data=json.dumps({"max_results": 100}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as reply:
        names = [e["name"] for e in json.load(reply)["experiments"]]
    assert names == ["qml-entanglement"]


def test_ctrl_c_stops_make_ui_with_one_line(ui):
    _, port, proc = ui
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in the terminal sends
    rest = proc.communicate(timeout=60)[0]
    lines = [line for line in rest.splitlines() if line.strip() and not line.startswith("make")]
    assert lines == [
        f"MLflow UI on http://127.0.0.1:{port} stopped (Ctrl-C); the store is unchanged"
    ]
    assert "Traceback" not in rest
    assert not [
        p
        for p in psutil.process_iter(["cmdline"])
        if f"--port {port}" in " ".join(p.info["cmdline"] or [])
    ]
