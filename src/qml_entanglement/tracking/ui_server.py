"""``make ui``: MLflow's UI on the project's store, stopped by Ctrl-C with one line.

``mlflow ui`` runs uvicorn as a child of MLflow's command-line process; Ctrl-C in a terminal
reaches both, and the command-line process prints a ``KeyboardInterrupt`` traceback. Here the
UI runs in a session of its own (the terminal's Ctrl-C reaches only this process), lean (one
web worker, MLflow's GenAI job runner off unless ``MLFLOW_SERVER_ENABLE_JOB_EXECUTION=true``,
uvicorn's per-request lines off), and Ctrl-C or SIGTERM here stops the whole group with
SIGTERM (uvicorn's graceful shutdown) and says so in one line.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time

STOP_SECONDS = 20.0  # then SIGKILL


def ui_command(uri: str, host: str, port: int) -> list[str]:
    """The ``mlflow ui`` command line: one worker, uvicorn saying warnings only."""
    return [
        sys.executable, "-m", "mlflow", "ui", "--backend-store-uri", uri, "--host", host,
        "--port", str(port), "--workers", "1", "--uvicorn-opts", "--log-level warning",
    ]  # fmt: skip


def serve(uri: str, host: str = "127.0.0.1", port: int = 5000) -> int:
    """Run the UI until it ends or this process gets Ctrl-C / SIGTERM; its exit status, or 0
    after a Ctrl-C (the user's way to stop it) and 143 after SIGTERM."""
    env = dict(os.environ)
    env.setdefault("MLFLOW_SERVER_ENABLE_JOB_EXECUTION", "false")
    env.setdefault("PYTHONWARNINGS", "ignore::DeprecationWarning")  # starlette's, at import
    child = subprocess.Popen(ui_command(uri, host, port), env=env, start_new_session=True)
    stopped: list[int] = []

    def stop(signum: int, _frame) -> None:
        if not stopped:
            stopped.append(signum)
            _signal_group(child, signal.SIGTERM)

    previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    deadline = None
    try:
        while (status := child.poll()) is None:
            if stopped and deadline is None:
                deadline = time.monotonic() + STOP_SECONDS
            if deadline is not None and time.monotonic() > deadline:
                _signal_group(child, signal.SIGKILL)
            time.sleep(0.2)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if stopped:
        how = "Ctrl-C" if stopped[0] == signal.SIGINT else "SIGTERM"
        print(f"MLflow UI on http://{host}:{port} stopped ({how}); the store is unchanged")
        return 0 if stopped[0] == signal.SIGINT else 128 + signal.SIGTERM
    return status


def _signal_group(child: subprocess.Popen, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signum)
