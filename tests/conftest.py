"""Shared fixtures: composing configs with Hydra, temporary tracking stores."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir

from qml_entanglement.config import ConfigError
from qml_entanglement.config.mistakes import explain

ROOT = Path(__file__).resolve().parents[1]
CONF = ROOT / "conf"


@pytest.fixture
def compose_cfg():
    """``compose_cfg(*overrides, config_name="train")`` -> composed DictConfig.

    A mistake Hydra catches while composing raises :class:`ConfigError` with the one line the
    entry points print (:func:`qml_entanglement.config.mistakes.explain`).
    """

    def _compose(*overrides: str, config_name: str = "train"):
        with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
            try:
                return compose(config_name=config_name, overrides=list(overrides))
            except Exception as error:
                line = explain(error)
                if line is None:
                    raise
                raise ConfigError(line) from error

    return _compose


@pytest.fixture
def store_uri(tmp_path: Path) -> str:
    """A fresh sqlite tracking store in a temporary directory."""
    return f"sqlite:///{tmp_path / 'store' / 'mlflow.db'}"


def clean_env() -> dict[str, str]:
    """This environment without the QML_* and MLFLOW_TRACKING_* variables a test must not leak
    into the processes it starts."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("QML_", "MLFLOW_TRACKING"))}


def run_train(*overrides: str, timeout: float = 300, **kwargs) -> subprocess.CompletedProcess:
    """Launch ``pipelines/train.py`` as a user would (from the project root unless ``cwd``)."""
    kwargs.setdefault("cwd", ROOT)
    return subprocess.run(
        [sys.executable, str(ROOT / "pipelines" / "train.py"), *overrides],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=clean_env(),
        **kwargs,
    )


def start_train(*overrides: str, **kwargs) -> subprocess.Popen:
    """Start ``pipelines/train.py`` in the background (from the project root unless ``cwd``;
    output discarded unless ``stdout`` / ``stderr`` say otherwise).

    A pipe for its output must be read (``communicate``), else it fills and blocks the process.
    """
    kwargs.setdefault("cwd", ROOT)
    kwargs.setdefault("stdout", subprocess.DEVNULL)
    kwargs.setdefault("stderr", subprocess.DEVNULL)
    return subprocess.Popen(
        [sys.executable, str(ROOT / "pipelines" / "train.py"), *overrides],
        env=clean_env(),
        **kwargs,
    )


def process_output(proc: subprocess.Popen) -> str:
    """The tail of what *proc* wrote to the file named by its ``output_file`` attribute (set
    by tests that send its output there), for assertion messages."""
    path = getattr(proc, "output_file", None)
    return Path(path).read_text(errors="replace")[-3000:] if path else "(output not kept)"


def start_logged(*overrides: str, output_file: Path, **kwargs) -> subprocess.Popen:
    """:func:`start_train` with stdout and stderr to *output_file* (see :func:`process_output`)."""
    with open(output_file, "w") as out:
        proc = start_train(*overrides, stdout=out, stderr=subprocess.STDOUT, **kwargs)
    proc.output_file = output_file  # type: ignore[attr-defined]
    return proc


def _wait_for_store(uri: str, proc: subprocess.Popen, deadline: float) -> None:
    """Wait until the process has created a local sqlite store completely (its ``.ready``
    marker): a client that opens the file earlier would run MLflow's schema migration
    concurrently with the process's own, and one of the two fails."""
    if not uri.startswith("sqlite:///"):
        return
    marker = Path(uri[len("sqlite:///") :] + ".ready")
    while not marker.exists():
        assert proc.poll() is None, (
            f"the training process ended early ({proc.returncode}): {process_output(proc)}"
        )
        assert time.monotonic() < deadline, f"no store within 120 s: {process_output(proc)}"
        time.sleep(0.1)


def store_client(uri: str, proc: subprocess.Popen):
    """An ``MlflowClient`` on the store *proc* is creating, once it exists: MLflow's client
    opens its store at once, and on a new sqlite file that means running the schema migration
    concurrently with the process's own (which then fails: ``table ... already exists``)."""
    from mlflow.tracking import MlflowClient

    _wait_for_store(uri, proc, time.monotonic() + 120)
    return MlflowClient(uri)


def wait_for_steps(
    client, proc: subprocess.Popen, steps: int, experiment: str = "qml-entanglement"
) -> str:
    """Id of the first training run (not a sweep parent) of *experiment* once it has stored
    *steps* loss values; fails, with the process's output if kept (:func:`start_logged`), if
    *proc* ends first or nothing comes within 120 s. Opens the store only once it exists."""
    deadline = time.monotonic() + 120
    _wait_for_store(client.tracking_uri, proc, deadline)
    while time.monotonic() < deadline:
        assert proc.poll() is None, (
            f"the training process ended early ({proc.returncode}): {process_output(proc)}"
        )
        found = client.get_experiment_by_name(experiment)
        runs = client.search_runs([found.experiment_id]) if found is not None else []
        runs = [r for r in runs if r.data.tags.get("sweep_role") != "parent"]
        if runs and len(client.get_metric_history(runs[0].info.run_id, "loss")) >= steps:
            return runs[0].info.run_id
        time.sleep(0.2)
    raise AssertionError(
        f"no run of {experiment} stored {steps} steps within 120 s: {process_output(proc)}"
    )


def pytest_configure(config: pytest.Config) -> None:
    """Ctrl-C raises KeyboardInterrupt in the tests, as in a terminal, even when the suite was
    started in the background: a shell's ``&`` (or nohup) starts it with SIGINT ignored, and
    Python then leaves it ignored, so the tests of Ctrl-C handling would see no signal at all
    (3 failed that way in a backgrounded run under load)."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
