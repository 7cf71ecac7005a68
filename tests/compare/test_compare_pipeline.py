"""``pipelines/compare.py`` as a user runs it: config, exit codes, and nothing stray on disk."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir

from qml_entanglement.compare.settings import compare_settings
from qml_entanglement.config import ConfigError

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "pipelines" / "compare.py"


def _compose(*overrides: str):
    with initialize_config_dir(config_dir=str(ROOT / "conf"), version_base="1.3"):
        return compose(config_name="compare", overrides=list(overrides))


def _run(cwd: Path, *overrides: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"}
    return subprocess.run(
        [sys.executable, str(SCRIPT), *overrides],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=False,
    )


def test_default_config_follows_the_contract(monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    settings = compare_settings(_compose())
    assert settings.tracking_uri == f"sqlite:///{ROOT / 'mlruns' / 'mlflow.db'}"  # the project's
    assert settings.experiments == ["qml-entanglement"]
    assert settings.filter == "attributes.status = 'FINISHED'"
    assert settings.group_keys is None  # auto: one group per configuration
    assert settings.name == "default"
    assert settings.report_dir == Path("reports/default")
    assert settings.mlflow.experiment == "comparison"


def test_tracking_uri_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://127.0.0.1:5000")
    assert compare_settings(_compose()).tracking_uri == "http://127.0.0.1:5000"


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ("methods=[pearson,cosine]", "methods"),
        ("primary_method=pearson", "primary_method"),  # with methods=[spearman] below
        ("name=../escape", "name"),
        ("ci.method=jackknife", "ci.method"),
        ("alpha=1.5", "alpha"),
        ("ci.level=95", "ci.level"),
    ],
)
def test_bad_settings_name_the_key(override, key):
    extra = ["methods=[spearman]", "primary_method=spearman"] if key == "primary_method" else []
    with pytest.raises(ConfigError, match=rf"^{key}="):
        compare_settings(_compose(*extra, override))


def test_cli_writes_the_report_and_nothing_else(known_runs, tracking_uri, tmp_path):
    before = set(os.listdir(tmp_path))
    result = _run(tmp_path, f"tracking.uri={tracking_uri}", "name=cli")
    assert result.returncode == 0, result.stderr
    assert "Report: reports/cli/report.html" in result.stdout
    assert (tmp_path / "reports" / "cli" / "report.html").is_file()
    folder = (tmp_path / "reports" / "cli").resolve()  # the build's own folder
    assert f"reports/cli now points at {folder.name}" in result.stdout
    assert set(os.listdir(tmp_path)) - before == {"reports"}  # no outputs/, .hydra/, logs


def test_cli_without_matching_runs_fails_clearly_and_writes_nothing(
    known_runs, tracking_uri, tmp_path
):
    # Hydra's override grammar needs the quotes around a value with spaces.
    result = _run(tmp_path, f"tracking.uri={tracking_uri}", "filter=\"tags.dataset = 'iris'\"")
    assert result.returncode == 2
    assert "No run matches experiment(s) 'qml-entanglement'" in result.stderr
    assert "tags.dataset = 'iris'" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "reports").exists()
