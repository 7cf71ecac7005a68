"""Fixtures for the comparison stage: a throw-away sqlite store and synthetic runs in it."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from compare_testdata import EXPERIMENT, make_known_runs

from qml_entanglement.analysis.intervals import CISettings
from qml_entanglement.compare.settings import CompareSettings
from qml_entanglement.tracking import ensure_store
from qml_entanglement.tracking.synthetic import RunSpec, create_runs

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _quiet_mlflow():
    logging.getLogger("mlflow").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)


@pytest.fixture(scope="session")
def _empty_store(tmp_path_factory) -> Path:
    """An empty, fully migrated sqlite store, created once (migrations take ~2 s)."""
    db = tmp_path_factory.mktemp("template") / "mlflow.db"
    ensure_store(f"sqlite:///{db}")
    return db


@pytest.fixture
def tracking_uri(tmp_path: Path, _empty_store: Path) -> str:
    """A fresh, empty sqlite store under ``tmp_path/mlruns`` (a copy of the template)."""
    db = tmp_path / "mlruns" / "mlflow.db"
    db.parent.mkdir()
    shutil.copyfile(_empty_store, db)
    return f"sqlite:///{db}"


@pytest.fixture
def settings_for(tmp_path: Path, tracking_uri: str) -> Callable[..., CompareSettings]:
    """Settings reading the temporary store and writing under ``tmp_path/reports``; keyword
    arguments replace fields (``mlflow=NO_RUN``: no comparison run)."""

    def make(**overrides) -> CompareSettings:
        values = {
            "tracking": {"uri": tracking_uri},
            "output_dir": str(tmp_path / "reports"),
            "ci": CISettings(n_resamples=999),
        }
        values.update(overrides)
        return CompareSettings(**values).validate()

    return make


@pytest.fixture
def add_runs(tracking_uri: str) -> Callable[..., list[str]]:
    """Create runs from :class:`RunSpec` objects in the temporary store; returns their ids."""

    def add(specs: Sequence[RunSpec], experiment: str = EXPERIMENT) -> list[str]:
        return create_runs(tracking_uri, experiment, specs)

    return add


@pytest.fixture
def known_runs(add_runs) -> dict[str, list[str]]:
    """The runs of :func:`make_known_runs` in the test's own store."""
    return make_known_runs(add_runs)
