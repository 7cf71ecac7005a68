"""Every config composes; bad values are rejected naming key and allowed values."""

from __future__ import annotations

from pathlib import Path

import pytest

from qml_entanglement.config import ConfigError, validate

CONF = Path(__file__).resolve().parents[2] / "conf"
NEEDS = {  # options that only make sense together with others
    "dataset=none": ["model=bell_toy", "loss=bell_mse"],
    "model=bell_toy": ["dataset=none", "loss=bell_mse"],
    "loss=bell_mse": ["model=bell_toy", "dataset=none"],
    "dataset=breast_cancer": [],
    # an atlas qubit level needs a data set of any width (the default ad hoc data has 2-3)
    **{f"sweep/atlas/qubits=q{n}": ["sweep/atlas/data=blobs"] for n in (4, 6, 8, 10, 12)},
}


def all_group_options():
    for group_dir in sorted(p for p in CONF.rglob("*") if p.is_dir()):
        group = group_dir.relative_to(CONF).as_posix()
        # experiments and sweeps have tests of their own; study_design is a group of the study's
        # config (conf/study.yaml, tests/study/test_study_design.py), not of training's
        # (conf/sweep/atlas/ holds the atlas's sweeps, sweep=atlas/full, beside its groups)
        if group in ("experiment", "sweep", "sweep/atlas", "study_design"):
            continue
        for yaml in sorted(group_dir.glob("*.yaml")):
            yield f"{group}={yaml.stem}"


@pytest.mark.parametrize("override", list(all_group_options()))
def test_every_group_option_composes_and_validates(compose_cfg, override):
    cfg = compose_cfg(override, *NEEDS.get(override, []))
    validate(cfg)


@pytest.mark.parametrize("experiment", sorted(p.stem for p in (CONF / "experiment").glob("*.yaml")))
def test_every_experiment_composes_and_validates(compose_cfg, experiment):
    validate(compose_cfg(f"experiment={experiment}"))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["trainer.epochs=0"], "trainer.epochs=0 is out of range; it must be >= 1"),
        (["model.ansatz.reps=-1"], "model.ansatz.reps=-1"),
        (["model.feature_map.reps=-2"], "model.feature_map.reps=-2"),
        (["dataset=blobs", "dataset.cluster_std=0"], "dataset.cluster_std=0"),
        (
            ["dataset.num_features=4"],
            "dataset.num_features=4 needs dataset.sampling_method=hypercube",
        ),
        (
            ["metrics.as_published=true", "dataset=blobs", "dataset.num_features=4"],
            "needs model.num_qubits=2",
        ),
        (["metrics.as_published=true", "optimizer=sgd"], "needs optimizer adam or fd_adam"),
        (["dataset=blobs", "dataset.centers=fixed"], "dataset.centers='fixed' is not allowed"),
        (["optimizer.lr=-0.1"], "optimizer.lr=-0.1"),
        (["trainer.epochs=ten"], "trainer.epochs='ten' has the wrong type"),
        (["model.ansatz.entanglement=ring"], "choose one of: linear"),
        (["model.num_qubits=3"], "model.num_qubits=3 must equal dataset.num_features=2"),
        (["simulator=aer", "simulator.shots=0"], "simulator.shots=0"),
        (["loss=bell_mse"], "bell_mse"),
        (["seed=-1"], "seed=-1"),
    ],
)
def test_bad_values_name_the_key(compose_cfg, overrides, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        validate(compose_cfg(*overrides))


def test_unknown_key_is_named(compose_cfg):
    cfg = compose_cfg("+dataset.colour=red")
    with pytest.raises(ConfigError, match="unknown key 'dataset.colour'"):
        validate(cfg)


def test_the_uri_form_checks_keep_their_documented_examples():
    """config/uris.py: the URI form check and redaction the config uses (doctests)."""
    import doctest

    from qml_entanglement.config import uris

    result = doctest.testmod(uris, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 4 and result.failed == 0
