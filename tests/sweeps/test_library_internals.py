"""Every private API we use, checked against the pinned library versions: if an upgrade moves
one, this fails naming it (see ``qml_entanglement.sweeps.library_internals``)."""

from __future__ import annotations

import ast
import inspect
from importlib.metadata import version
from pathlib import Path

import pytest

from qml_entanglement.sweeps import library_internals

SRC = Path(__file__).resolve().parents[2] / "src"
PINNED = {
    "hydra-core": "1.3.",
    "omegaconf": "2.3.",
    "hydra-joblib-launcher": "1.2.",
    "joblib": "1.",
}


@pytest.mark.parametrize(("package", "prefix"), PINNED.items())
def test_the_libraries_are_the_versions_the_internals_were_checked_against(package, prefix):
    assert version(package).startswith(prefix), (
        f"{package} {version(package)}: re-check sweeps/library_internals.py against it"
    )


def test_basic_sweeper_still_has_what_the_signature_sweeper_overrides_and_calls():
    sweeper, conf = library_internals.basic_sweeper()
    assert callable(sweeper.split_arguments), "BasicSweeper.split_arguments moved"
    params = inspect.signature(sweeper.validate_batch_is_legal).parameters
    assert list(params) == ["self", "batch"], "Sweeper.validate_batch_is_legal changed"
    assert {"max_batch_size", "params"} <= set(conf.__annotations__)


def test_joblib_settings_come_from_the_launchers_own_conversion():
    settings = library_internals.joblib_parallel_settings(
        {
            "n_jobs": 2,
            "backend": None,
            "prefer": "processes",
            "require": None,
            "verbose": 0,
            "timeout": None,
            "pre_dispatch": "2*n_jobs",
            "batch_size": "auto",
            "temp_folder": None,
            "max_nbytes": None,
            "mmap_mode": "r",
        }
    )
    from joblib import Parallel

    assert settings["backend"] == "loky" and settings["n_jobs"] == 2
    Parallel(**settings)  # every key is one joblib.Parallel takes


def test_loky_keeps_its_reusable_executor_where_we_end_it():
    from joblib import Parallel, delayed
    from joblib.externals.loky import reusable_executor

    Parallel(n_jobs=2, backend="loky")(delayed(abs)(i) for i in range(2))
    assert getattr(reusable_executor, "_executor", None) is not None, "loky moved _executor"
    assert library_internals.end_idle_workers() is True


def test_no_other_module_imports_a_private_name_of_another_library():
    offenders = []
    for path in SRC.rglob("*.py"):
        if path.name == "library_internals.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module, *(a.name for a in node.names)]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for name in names:
                parts = name.split(".")
                if not parts[0].startswith("qml_") and any(
                    p.startswith("_") and not p.startswith("__") for p in parts
                ):
                    offenders.append(f"{path.relative_to(SRC)}: {name}")
    assert offenders == []


def test_hydras_loader_still_writes_what_the_reusing_loader_fills_in():
    from hydra._internal import config_loader_impl

    source = inspect.getsource(config_loader_impl.ConfigLoaderImpl._load_configuration_impl)
    for written in ("overrides.task", "overrides.hydra", "override_dirname", "runtime.cwd"):
        assert written in source, (
            f"Hydra's loader no longer writes {written}: re-check stamp_job_overrides"
        )
    params = inspect.signature(config_loader_impl.get_overrides_dirname).parameters
    assert list(params) == ["overrides", "exclude_keys", "item_sep", "kv_sep"], (
        "hydra._internal.config_loader_impl.get_overrides_dirname changed"
    )
