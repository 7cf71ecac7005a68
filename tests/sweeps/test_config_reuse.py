"""ReusingConfigLoader gives each sweep job exactly the config Hydra's loader composes for it,
composing each set of config-group choices once."""

from __future__ import annotations

import pickle

import pytest
from hydra import initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.types import RunMode
from omegaconf import OmegaConf

from qml_entanglement.sweeps.config_reuse import ReusingConfigLoader
from qml_entanglement.tracking import compose_cache
from tests.conftest import CONF

# Hydra's own overrides of the sweep (as a command line gives them) and jobs as sweeps launch
# them: the atlas's, the study's, and lists the loader must hand to Hydra whole
MASTER = ["hydra/launcher=joblib", "hydra.launcher.n_jobs=2", "hydra.sweep.dir=/tmp/reuse-test"]
JOBS = [
    ["sweep=atlas/quick", "sweep/atlas/qubits=q4", "model.ansatz.reps=1", "seed=0"],
    ["sweep=atlas/quick", "sweep/atlas/qubits=q4", "model.ansatz.reps=3", "seed=7"],
    [
        "sweep=atlas/quick",
        "sweep/atlas/qubits=q6",
        "model/ansatz=efficient_su2",
        "model.ansatz.entanglement=full",
        "sweep/atlas/data=moons",
        "control=shuffled_labels",
        "seed=2",
    ],
    ["seed=4", "dataset=blobs", "dataset.cluster_std=2.0", "optimizer.lr=0.05"],  # plain first
    ["dataset=blobs", "run_name=with spaces", "metrics.probe_size=null"],
    ["hydra/job_logging=disabled", "seed=1"],  # a group of Hydra's own
    ["hydra.job.chdir=true", "seed=1"],  # a value of Hydra's own: composed whole
    ["+trainer.extra=1", "seed=4"],  # an addition: composed whole
    ["dataset=blobs", "seed=${trainer.epochs}"],  # an interpolation
]


def _master(loader):
    return loader.load_configuration(
        config_name="train", overrides=MASTER, run_mode=RunMode.MULTIRUN
    )


def _same(a, b) -> None:
    assert OmegaConf.to_container(a, resolve=False) == OmegaConf.to_container(b, resolve=False)
    assert OmegaConf.is_struct(a) == OmegaConf.is_struct(b)
    assert OmegaConf.is_readonly(a.hydra) == OmegaConf.is_readonly(b.hydra)
    assert OmegaConf.to_yaml(a) == OmegaConf.to_yaml(b)  # key order included


@pytest.fixture
def loader(monkeypatch):
    monkeypatch.setattr(compose_cache, "_kept", {})
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        yield GlobalHydra.instance().config_loader()


@pytest.mark.parametrize("job", JOBS, ids=lambda o: " ".join(o))
def test_each_job_gets_the_config_hydra_composes_for_it(loader, job):
    master = _master(loader)
    expected = loader.load_sweep_config(master, list(job))
    reusing = ReusingConfigLoader(loader)
    _same(reusing.load_sweep_config(master, list(job)), expected)
    _same(reusing.load_sweep_config(master, list(job)), expected)  # from what was kept
    assert expected.hydra.overrides.task == [o for o in job if not o.startswith("hydra")]


def test_jobs_with_the_same_group_choices_compose_once_and_share_nothing(loader, monkeypatch):
    calls: list[list[str]] = []
    real = loader.load_configuration

    def counted(**kw):
        calls.append(kw["overrides"])
        return real(**kw)

    monkeypatch.setattr(loader, "load_configuration", counted)
    reusing = ReusingConfigLoader(loader)
    master = _master(loader)
    calls.clear()
    jobs = [["model/ansatz=efficient_su2", f"model.ansatz.reps={r}", f"seed={s}"]
            for r in (1, 3) for s in (0, 1)]  # fmt: skip
    configs = [reusing.load_sweep_config(master, job) for job in jobs]
    assert calls == [[*MASTER, "model/ansatz=efficient_su2"]]
    assert [(c.model.ansatz.reps, c.seed) for c in configs] == [(1, 0), (1, 1), (3, 0), (3, 1)]
    assert configs[1].hydra.job.override_dirname == (
        "model.ansatz.reps=1,model/ansatz=efficient_su2,seed=1"
    )
    configs[0].seed = 99  # a config of its own
    assert reusing.load_sweep_config(master, jobs[0]).seed == 0


def test_a_value_hydra_refuses_raises_hydras_error(loader):
    master = _master(loader)
    with pytest.raises(Exception) as expected:
        loader.load_sweep_config(master, ["trainer.no_such_key=1"])
    with pytest.raises(type(expected.value)):
        ReusingConfigLoader(loader).load_sweep_config(master, ["trainer.no_such_key=1"])


def test_it_travels_to_a_worker_and_delegates_the_rest(loader):
    reusing = pickle.loads(pickle.dumps(ReusingConfigLoader(loader)))
    assert isinstance(reusing.inner, type(loader))
    assert str(reusing.get_search_path()) == str(loader.get_search_path())
