"""compose_reusing gives exactly Hydra's compose, composing each group-choice set once."""

from __future__ import annotations

import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from qml_entanglement.tracking import compose_cache
from qml_entanglement.tracking.compose_cache import compose_reusing
from tests.conftest import CONF

# the rest of an atlas job's overrides once its sweep variant is left out (as the run name's
# reference composes them), and lists the cache must hand to Hydra whole
CASES = [
    ["model/ansatz=real_amplitudes", "model.ansatz.entanglement=linear", "seed=0"],
    ["model/ansatz=real_amplitudes", "model.ansatz.entanglement=full", "seed=3"],
    ["model/ansatz=efficient_su2", "model.ansatz.reps=5", "control=trained", "seed=1"],
    ["sweep/atlas/qubits=q6", "sweep/atlas/data=moons", "model.ansatz.reps=3", "seed=2"],
    ["dataset=blobs", "dataset.cluster_std=0.5", "trainer.epochs=7", "run_name=x"],
    ["seed=1", "dataset=blobs", "model.ansatz.reps=2"],  # plain before the group choice
    ["experiment=atlas", "optimizer.lr=0.25", "metrics.probe_size=null"],
    ["+trainer.extra=1", "seed=4"],  # an addition: composed whole
    ["~experiment", "seed=5", "loss=cross_entropy"],
]


def _same(a, b) -> bool:
    """Equal containers (unresolved: interpolations compared as written) and flags."""
    plain = OmegaConf.to_container(a, resolve=False) == OmegaConf.to_container(b, resolve=False)
    return plain and OmegaConf.is_struct(a) == OmegaConf.is_struct(b)


@pytest.mark.parametrize("overrides", CASES, ids=lambda o: " ".join(o))
def test_it_composes_what_hydra_composes(overrides):
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        expected = compose(config_name="train", overrides=overrides)
        first = compose_reusing("train", overrides)
        again = compose_reusing("train", overrides)  # from what was kept
    assert _same(first, expected) and _same(again, expected)
    assert OmegaConf.to_container(again, resolve=True) == OmegaConf.to_container(
        expected, resolve=True
    )


def test_jobs_with_the_same_group_choices_compose_once_and_share_nothing(monkeypatch):
    import hydra

    calls: list[list[str]] = []
    real = hydra.compose

    def counted(config_name=None, overrides=None, **kw):
        calls.append(list(overrides or []))
        return real(config_name=config_name, overrides=overrides, **kw)

    monkeypatch.setattr(hydra, "compose", counted)
    monkeypatch.setattr(compose_cache, "_kept", {})
    jobs = [
        ["model/ansatz=efficient_su2", f"model.ansatz.reps={r}", f"seed={s}"]
        for r in (1, 3)
        for s in (0, 1)
    ]
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        configs = [compose_reusing("train", job) for job in jobs]
    assert calls == [["model/ansatz=efficient_su2"]]
    assert [(c.model.ansatz.reps, c.seed) for c in configs] == [(1, 0), (1, 1), (3, 0), (3, 1)]
    configs[0].seed = 99  # a config of its own: the kept one is untouched
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        assert compose_reusing("train", jobs[1]).seed == 1


def test_a_value_hydra_refuses_raises_hydras_error():
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        with pytest.raises(Exception) as expected:
            compose(config_name="train", overrides=["trainer.no_such_key=1"])
        with pytest.raises(type(expected.value)):
            compose_reusing("train", ["trainer.no_such_key=1"])
        # a value set on a node a group fills: whatever Hydra makes of it, composed by Hydra
        expected = compose(config_name="train", overrides=["seed=2", "model.ansatz=3"])
        assert _same(compose_reusing("train", ["seed=2", "model.ansatz=3"]), expected)


def test_what_is_kept_survives_a_new_hydra_instance_as_joblib_workers_get_per_job(monkeypatch):
    import hydra

    calls: list[list[str]] = []
    real = hydra.compose
    monkeypatch.setattr(compose_cache, "_kept", {})
    monkeypatch.setattr(
        hydra,
        "compose",
        lambda config_name=None, overrides=None, **kw: (
            calls.append(overrides) or real(config_name=config_name, overrides=overrides, **kw)
        ),
    )
    for seed in (0, 1):
        with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
            assert compose_reusing("train", ["dataset=moons", f"seed={seed}"]).seed == seed
    assert calls == [["dataset=moons"]]
