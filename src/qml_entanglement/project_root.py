"""The project's root folder and the default tracking store in it.

As in rootutils-style projects (lightning-hydra-template's ``.project-root``), the default store
belongs to the project, not to the current directory: ``<root>/mlruns/mlflow.db`` whether
``pipelines/train.py`` or a loop tracked with :func:`qml_entanglement.track` runs from the
project's folder or from anywhere else, so every run lands in the store ``make ui`` serves.

The root is, in this order: ``$QML_PROJECT_ROOT``; the folder above this package holding a
``.project-root`` marker or this project's ``pyproject.toml`` (an editable install, as
``make setup`` makes); the nearest such folder above the current directory; else the current
directory (a package installed elsewhere keeps MLflow's habit of ``./mlruns``).
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

ROOT_VARIABLE = "QML_PROJECT_ROOT"
MARKER = ".project-root"
PROJECT_NAME = 'name = "qml-entanglement"'
STORE_PATH = Path("mlruns") / "mlflow.db"


def _is_root(folder: Path) -> bool:
    if (folder / MARKER).is_file():
        return True
    pyproject = folder / "pyproject.toml"
    return pyproject.is_file() and PROJECT_NAME in pyproject.read_text(errors="replace")


def _root_above(start: Path) -> Path | None:
    return next((p for p in [start, *start.parents] if _is_root(p)), None)


@cache
def _package_root() -> Path | None:
    return _root_above(Path(__file__).resolve().parent)


def project_root() -> Path:
    """The project's root folder (see the module's docstring for the order of the rules)."""
    if os.environ.get(ROOT_VARIABLE):
        return Path(os.environ[ROOT_VARIABLE]).resolve()
    cwd = Path.cwd()
    return _package_root() or _root_above(cwd) or cwd


def default_store_uri() -> str:
    """``sqlite:///<project root>/mlruns/mlflow.db`` (an absolute path: four slashes)."""
    return f"sqlite:///{project_root() / STORE_PATH}"
