"""Bad input ends in one line and exit 2 (config) or 3 (environment), before any run exists
(issue 12, cases 9 and 11)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from mlflow.tracking import MlflowClient

from tests.conftest import ROOT, clean_env, run_train

SECRET = "pa55w0rd-XYZ"


def _one_line(stderr: str) -> str:
    lines = [
        line for line in stderr.splitlines() if line.strip() and "mlflow.store.db.utils" not in line
    ]
    assert len(lines) == 1, stderr
    return lines[0]


CONFIG_MISTAKES = [
    (["optimizer.lr=inf"], "optimizer.lr=inf is not allowed; it must be a finite number"),
    (["dataset=blobs", "dataset.feature_range=[1]"], "dataset.feature_range=[1.0]"),
    (["dataset=blobs", "dataset.feature_range=[2,1]"], "finite low < high"),
    (["tracking.experiment=''"], "tracking.experiment=''"),
    (["tracking.experiment=" + "x" * 20000], "(20000 characters)"),
    (["tracking.uri=foo://bar"], "has scheme 'foo'"),
    (["tracking.uri=not-a-uri"], "has no scheme"),
    (["tracking.uri=sqlite://relative.db"], "must start with sqlite:///"),
    (
        ["dataset=blobs", "dataset.num_features=8", "metrics.scrambling=true"],
        "metrics.scrambling=true needs model.num_qubits <= 6",
    ),
    (["metrics.estimator=shadow"], "metrics.estimator='shadow' is not allowed"),
    (["metrics.barren_plateau_samples=2"], "metrics.barren_plateau_samples=2"),
]
# Mistakes Hydra itself catches while composing, reported the same way (closest valid name).
COMPOSITION_MISTAKES = [
    (["trainer.epoch=5"], "unknown key 'trainer.epoch' (did you mean 'trainer.epochs'?)"),
    (
        ["experiment=vqc_adhok"],
        "experiment='vqc_adhok' is not an option (did you mean 'vqc_adhoc'?)",
    ),
    (["trainer.epochs=ten"], "trainer.epochs='ten' has the wrong type; expected int"),
    (["+dataset.colour=red"], "unknown key 'dataset.colour'; allowed keys of dataset: "),
]


@pytest.mark.parametrize(("overrides", "message"), CONFIG_MISTAKES + COMPOSITION_MISTAKES)
def test_config_mistakes_are_named(compose_cfg, overrides, message):
    from qml_entanglement.config import ConfigError, validate

    with pytest.raises(ConfigError) as caught:
        validate(compose_cfg(*overrides))
    assert message in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        CONFIG_MISTAKES[0],
        CONFIG_MISTAKES[6],
        CONFIG_MISTAKES[8],
        COMPOSITION_MISTAKES[0],
        COMPOSITION_MISTAKES[1],
    ],
)
def test_config_mistakes_exit_2_with_one_line(overrides, message):
    proc = run_train(*overrides, "trainer.epochs=1", timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert message in _one_line(proc.stderr)


def test_a_directory_as_sqlite_store_exits_3(tmp_path):
    proc = run_train(f"tracking.uri=sqlite:///{tmp_path}", "trainer.epochs=1", timeout=120)
    assert proc.returncode == 3, proc.stderr
    assert "is a directory" in _one_line(proc.stderr)


def test_a_missing_parent_directory_is_created(tmp_path):
    uri = f"sqlite:///{tmp_path / 'a' / 'b' / 'mlflow.db'}"
    proc = run_train(f"tracking.uri={uri}", "trainer.epochs=1", timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "a" / "b" / "mlflow.db").exists()


@pytest.mark.parametrize(
    "uri",
    [f"postgresql://alice:{SECRET}@127.0.0.1:9/mlflow", f"http://bob:{SECRET}@127.0.0.1:9"],
)
def test_an_unreachable_store_exits_3_without_the_password(uri):
    proc = run_train(f"tracking.uri={uri}", "trainer.epochs=1", timeout=120)
    assert proc.returncode == 3, proc.stderr
    line = _one_line(proc.stderr)
    assert "does not answer" in line or "no answer" in line
    assert SECRET not in proc.stderr + proc.stdout
    # a database URI is shown with its user; an http URI's credentials went to MLflow's
    # credential variables (issue 27.2), so it is shown without them
    assert (":***@127.0.0.1" if uri.startswith("postgresql") else "http://127.0.0.1:9") in line


def _compare(*overrides: str) -> subprocess.CompletedProcess:
    env = clean_env()
    return subprocess.run(
        [sys.executable, str(ROOT / "pipelines" / "compare.py"), "mlflow.log=false", *overrides],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def test_compare_against_an_unreachable_server_exits_3():
    proc = _compare("tracking.uri=http://127.0.0.1:9")
    assert proc.returncode == 3, proc.stderr
    assert "does not answer" in _one_line(proc.stderr) or "no answer" in proc.stderr


@pytest.mark.integration
def test_compare_refuses_a_bad_filter_and_an_unknown_group_key(store_uri, tmp_path):
    assert run_train("trainer.epochs=2", f"tracking.uri={store_uri}").returncode == 0
    out = f"output_dir={tmp_path}"
    bad_filter = _compare(f"tracking.uri={store_uri}", out, "filter=\"metrics.loss > 'abc'\"")
    assert bad_filter.returncode == 2
    assert "was refused by MLflow" in _one_line(bad_filter.stderr)
    unknown = _compare(f"tracking.uri={store_uri}", out, "group_by=[nonexistent_key]")
    assert unknown.returncode == 2
    assert "group_by key 'nonexistent_key'" in unknown.stderr.splitlines()[-1]


def test_run_name_is_not_part_of_the_config_hash(compose_cfg):
    from qml_entanglement.tracking.run_identity import config_hash

    a = compose_cfg("run_name=first")
    b = compose_cfg("run_name=renamed")
    c = compose_cfg("run_name=first", "seed=1")
    assert config_hash(a) == config_hash(b) != config_hash(c)


@pytest.mark.integration
def test_a_renamed_rerun_of_a_sweep_skips_the_finished_run(store_uri, tmp_path):
    common = ("trainer.epochs=1", f"tracking.uri={store_uri}", f"hydra.sweep.dir={tmp_path}")
    first = run_train("-m", "seed=0", "run_name=first", *common, "hydra/launcher=basic")
    assert first.returncode == 0, first.stderr
    second = run_train("-m", "seed=0", "run_name=second", *common, "hydra/launcher=basic")
    assert second.returncode == 0, second.stderr
    assert "1 skipped" in second.stdout
    runs = MlflowClient(store_uri).search_runs(
        [MlflowClient(store_uri).get_experiment_by_name("qml-entanglement").experiment_id]
    )
    assert len([r for r in runs if r.data.tags.get("sweep_role") != "parent"]) == 1


def test_a_read_only_store_exits_3(tmp_path):
    """A store on a read-only mount (root ignores file modes, not a read-only mount)."""
    source, mount = tmp_path / "store", tmp_path / "ro"
    source.mkdir()
    mount.mkdir()
    created = run_train(f"tracking.uri=sqlite:///{source / 'mlflow.db'}", "trainer.epochs=1")
    assert created.returncode == 0, created.stderr
    bound = subprocess.run(["mount", "--bind", str(source), str(mount)], capture_output=True)
    if bound.returncode != 0:
        pytest.skip(f"cannot bind-mount here: {bound.stderr.decode().strip()}")
    try:
        remount = subprocess.run(
            ["mount", "-o", "remount,bind,ro", str(mount)], capture_output=True
        )
        if remount.returncode != 0:
            pytest.skip(f"cannot make a read-only mount: {remount.stderr.decode().strip()}")
        proc = run_train(f"tracking.uri=sqlite:///{mount / 'mlflow.db'}", "trainer.epochs=1")
        assert proc.returncode == 3, proc.stderr
        assert "read-only" in _one_line(proc.stderr)
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


@pytest.mark.parametrize(
    "words",
    [
        ["filter=tags.dataset = 'moons'"],  # one argument, unquoted for Hydra
        ["filter=tags.dataset", "=", "'moons'"],  # as a shell splits it
        ["filter=\"tags.dataset = 'moons'\""],  # Hydra's own quoting
    ],
)
def test_compare_takes_a_filter_as_a_user_types_it(tmp_path, words):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    proc = _compare(f"tracking.uri={uri}", f"output_dir={tmp_path}", *words, "name=x")
    assert proc.returncode == 2, proc.stderr  # parsed, and no run matches in an empty store
    assert "with filter \"tags.dataset = 'moons'\"" in _one_line(proc.stderr)
