"""Ctrl-C at the moments a run is not yet training (issue 27, cases 6 and 9): one line, exit 130,
never a traceback, never a minute's wait for a stopped writer process."""

from __future__ import annotations

import signal
import subprocess
import sys
import tempfile
import time

import psutil
import pytest

from tests.conftest import ROOT, clean_env, start_train

pytestmark = pytest.mark.integration
NOTHING = "interrupted before the run was created: nothing was stored"


def _until(proc: subprocess.Popen, text: str) -> None:
    """Read the process's stdout until a line contains *text*."""
    for line in proc.stdout:
        if text in line:
            return
    raise AssertionError(f"the process ended ({proc.wait()}) before saying {text!r}")


def _start(*overrides: str) -> subprocess.Popen:
    log = tempfile.TemporaryFile("w+")  # noqa: SIM115 -- closed with the test's objects
    proc = start_train(*overrides, stdout=subprocess.PIPE, stderr=log, text=True)
    proc.log = log  # type: ignore[attr-defined]
    return proc


def _stderr_lines(proc: subprocess.Popen) -> list[str]:
    proc.log.seek(0)
    return [x for x in proc.log.read().splitlines() if x.strip()]


def _finish(proc: subprocess.Popen, timeout: float) -> int:
    proc.stdout.read()  # whatever it still says (a full pipe would block it)
    return proc.wait(timeout=timeout)


def test_ctrl_c_while_starting_is_one_line(store_uri):
    """Was: a raw KeyboardInterrupt traceback (42 of 46 trials)."""
    proc = _start("trainer.epochs=5", f"tracking.uri={store_uri}")
    _until(proc, "starting")  # importing qiskit and MLflow
    proc.send_signal(signal.SIGINT)
    assert _finish(proc, timeout=120) == 130, _stderr_lines(proc)
    assert _stderr_lines(proc) == [NOTHING]


# Ctrl-C while Python imports Hydra, the entry point's first import (well under a second, so
# a real signal's timing cannot aim at it): the import itself raises KeyboardInterrupt, as the
# default SIGINT handler would at that moment.
_INTERRUPTED_IMPORT = """
import builtins, runpy, sys
real = builtins.__import__
def interrupted(name, *args, **kwargs):
    if name == "hydra":
        raise KeyboardInterrupt
    return real(name, *args, **kwargs)
builtins.__import__ = interrupted
sys.argv = [sys.argv[1]]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def test_ctrl_c_during_the_first_imports_is_one_line():
    """Was: a KeyboardInterrupt traceback from ``import hydra``."""
    done = subprocess.run(
        [sys.executable, "-c", _INTERRUPTED_IMPORT, str(ROOT / "pipelines" / "train.py")],
        env=clean_env(),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 130, done.stderr
    assert done.stderr.splitlines() == [NOTHING]


def test_ctrl_c_with_a_stopped_writer_while_the_store_opens_exits_promptly(store_uri):
    """SIGSTOP the writer process, then Ctrl-C while the (new) store is being created: was an
    exit after 62 s, waiting for the stopped writer; now a few seconds of no progress end the
    wait. The bound below is a hang detector, far above the few seconds expected."""
    proc = _start("trainer.epochs=5", "tracking.writer=process", f"tracking.uri={store_uri}")
    writer = None
    while writer is None and proc.poll() is None:
        children = psutil.Process(proc.pid).children()
        writer = next((c for c in children if "tracking.writer" in " ".join(c.cmdline())), None)
    assert writer is not None, _stderr_lines(proc)
    writer.suspend()
    _until(proc, "training:")  # the store is opened next (seconds of schema creation)
    proc.send_signal(signal.SIGINT)
    tic = time.monotonic()
    assert _finish(proc, timeout=45) == 130, _stderr_lines(proc)
    lines = _stderr_lines(proc)
    assert len(lines) == 1 and lines[0].startswith("interrupted"), lines
    print(f"exited {time.monotonic() - tic:.1f} s after the Ctrl-C")
    with pytest.raises(psutil.NoSuchProcess):  # the stopped writer was ended, not left behind
        writer.wait(timeout=10)
        writer.status()
