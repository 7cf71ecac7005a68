"""The layering of docs/architecture.md, read from the source: research code does not import
infrastructure, and nothing imports in a cycle across the packages named here."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "qml_entanglement"


def _imports(path: Path) -> set[str]:
    """Absolute module names imported by ``path`` (relative imports resolved)."""
    package = ".".join(path.relative_to(SRC.parent).with_suffix("").parts[:-1])
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def _package_imports(package: str) -> set[str]:
    return set().union(*(_imports(p) for p in (SRC / package).rglob("*.py")))


def _touches(names: set[str], module: str) -> list[str]:
    return sorted(n for n in names if n == module or n.startswith(f"{module}."))


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("training", "qml_entanglement.sweeps"),
        ("training", "qml_entanglement.compare"),
        ("metrics", "qml_entanglement.training"),
        ("metrics", "mlflow"),
        ("engine", "mlflow"),
        ("models", "mlflow"),
        ("config", "qml_entanglement.training"),
        ("config", "qml_entanglement.tracking"),
        ("config", "mlflow"),
        ("analysis", "mlflow"),
        ("report", "mlflow"),
        ("compare", "mlflow"),
        ("study", "mlflow"),
        ("sweeps", "mlflow"),
    ],
)
def test_package_does_not_import(package, forbidden):
    assert _touches(_package_imports(package), forbidden) == []


def test_the_training_loop_knows_nothing_of_tracking():
    names = _imports(SRC / "training" / "loop.py") | _imports(SRC / "training" / "callbacks.py")
    for module in ("mlflow", "qml_entanglement.tracking", "qml_entanglement.sweeps"):
        assert _touches(names, module) == [], module


def test_mlflow_is_imported_only_from_tracking():
    offenders = [
        path.relative_to(SRC).as_posix()
        for path in sorted(SRC.rglob("*.py"))
        if not path.relative_to(SRC).as_posix().startswith("tracking/")
        and _touches(_imports(path), "mlflow")
    ]
    assert offenders == []


def test_the_check_sees_mlflow_where_it_is_imported():
    """The check above would pass vacuously if no module were seen importing MLflow."""
    assert _touches(_imports(SRC / "tracking" / "reading.py"), "mlflow")
    assert _touches(_imports(SRC / "tracking" / "report_run.py"), "mlflow")


def test_the_analysis_stages_and_the_report_layer_keep_their_layers():
    """The analysis library and the report layer know nothing of the stages built on them;
    the report layer computes nothing (no statistics, no analysis)."""
    for module in ("qml_entanglement.compare", "qml_entanglement.study"):
        assert _touches(_package_imports("analysis"), module) == [], module
        assert _touches(_package_imports("report"), module) == [], module
    assert _touches(_package_imports("report"), "qml_entanglement.analysis") == []
    assert _touches(_package_imports("tracking"), "qml_entanglement.compare") == []


def test_tracking_your_own_loop_uses_no_training_internals():
    """``qml_entanglement.track`` computes with metrics/ and draws with the shared figures."""
    names = _imports(SRC / "tracking" / "track.py")
    assert _touches(names, "qml_entanglement.training") == []
    assert "qml_entanglement.metrics.summary.entanglement_summary" in names


def test_the_resolver_sees_relative_imports():
    """The check above would pass vacuously if relative imports were not resolved."""
    names = _imports(SRC / "training" / "loop.py")
    assert "qml_entanglement.training.callbacks" in names
    assert _touches(_package_imports("sweeps"), "qml_entanglement.training")
