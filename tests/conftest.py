"""Shared fixtures: composing configs with Hydra, temporary tracking stores."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir

ROOT = Path(__file__).resolve().parents[1]
CONF = ROOT / "conf"


@pytest.fixture
def compose_cfg():
    """``compose_cfg(*overrides, config_name="train")`` -> composed DictConfig."""

    def _compose(*overrides: str, config_name: str = "train"):
        with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
            return compose(config_name=config_name, overrides=list(overrides))

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
    """Launch ``pipelines/train.py`` as a user would, from the project root."""
    env = clean_env()
    return subprocess.run(
        [sys.executable, str(ROOT / "pipelines" / "train.py"), *overrides],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        **kwargs,
    )
