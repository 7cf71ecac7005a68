"""The measures built from config log what the flag-driven code logged before them (issue 25):
the same keys, step by step, for the default run and each opt-in measure, and values that agree
with an independent computation here (qiskit statevectors, partial traces and operators).

The key lists are those the code before issue 25 logged (recorded from commit edad96e); the
values at step 0 (``theta_0``) are computed from the model's qiskit circuits, not our engine.
"""

from __future__ import annotations

import numpy as np
import pytest
from qiskit.quantum_info import Operator, Statevector, entropy, partial_trace

from qml_entanglement.config import validate
from qml_entanglement.metrics import entangling_power, tripartite_information
from qml_entanglement.training.experiment import build_experiment
from qml_entanglement.training.loop import train

SCORES = ("loss", "train_accuracy", "test_loss", "test_accuracy", "grad_norm", "grad_variance")
PURE = (
    "meyer_wallach",
    "meyer_wallach_std",
    "von_neumann_entropy",
    "von_neumann_entropy_std",
    "meyer_wallach_haar_fraction",
    "half_cut_entropy",
    "half_cut_entropy_std",
    "half_cut_page_fraction",
)
CHANGE = ("meyer_wallach_change", "von_neumann_entropy_change")
RANDOMIZED = (
    "meyer_wallach_estimate",
    "meyer_wallach_estimate_se",
    "renyi2_half_cut_estimate",
    "renyi2_half_cut_estimate_se",
)
BASELINE = ("feature_map_meyer_wallach", "feature_map_von_neumann_entropy")
SMALL_RANDOMIZED = ("metrics.estimator=randomized", "metrics.unitaries=10", "metrics.shots=20")

# case -> (overrides, per-step keys in logged order (epoch_seconds last), run-level keys)
CASES = {
    "default": ((), (*SCORES, *PURE, *CHANGE), BASELINE),
    "randomized": (SMALL_RANDOMIZED, (*SCORES, *PURE, *RANDOMIZED, *CHANGE), BASELINE),
    "scrambling": (
        ("metrics.scrambling=true",),
        (*SCORES, *PURE, *CHANGE, "tripartite_information", "tripartite_information_model"),
        BASELINE,
    ),
    "entangling_power": (
        ("metrics.entangling_power_samples=20",),
        (*SCORES, *PURE, *CHANGE, "entangling_power"),
        BASELINE,
    ),
    "barren_plateau": (
        ("metrics.barren_plateau_samples=4",),
        (*SCORES, *PURE, *CHANGE),
        (*BASELINE, "init_grad_variance", "init_grad_variance_se"),
    ),
    "probe": (
        ("dataset=blobs", "dataset.num_features=4", "metrics.probe_size=5"),
        (*SCORES, *PURE, *CHANGE),
        BASELINE,
    ),
    "bell_toy_as_published": (
        ("experiment=bell_toy", "metrics.as_published=true"),
        ("loss", "grad_norm", "grad_variance", *PURE, "published_von_neumann_entropy"),
        (),
    ),
    "noisy": (
        ("simulator=aer", "simulator.noise.depolarizing=0.01"),
        (*SCORES, "negativity", "negativity_std", "log_negativity", "log_negativity_std")
        + ("purity", "purity_std"),
        (),
    ),
}


def _step_zero(compose_cfg, overrides):
    cfg = compose_cfg(*overrides, "metrics.half_cut_samples=null")
    validate(cfg)
    experiment = build_experiment(cfg)
    experiment.epochs = 0  # step 0 alone: the initial parameters
    (record,) = train(experiment).history
    return experiment, record


@pytest.mark.parametrize("case", CASES)
def test_the_same_keys_as_before(compose_cfg, case):
    overrides, keys, once = CASES[case]
    experiment, record = _step_zero(compose_cfg, overrides)
    assert list(record) == ["epoch", *keys, "epoch_seconds"]
    assert list(experiment.once) == list(once)


def test_with_aer_the_randomized_estimates_and_entangling_power_are_logged(compose_cfg):
    """Only the column order differs from before (entangling power came first): the estimates
    now come where they do with ``simulator=statevector``, in the measures' listed order."""
    overrides = ("simulator=aer", *SMALL_RANDOMIZED, "metrics.entangling_power_samples=10")
    _, record = _step_zero(compose_cfg, overrides)
    expected = [*SCORES, *PURE, *RANDOMIZED, "entangling_power"]
    assert list(record) == ["epoch", *expected, "epoch_seconds"]


# ---------------------------------------------------------------- independent values at step 0
def _bound(circuit, values):
    return circuit.assign_parameters(dict(zip(circuit.parameters, values, strict=True)))


def _qiskit_states(experiment, theta, rows=None, ansatz=True):
    """Statevectors of the training samples (``rows``) by qiskit, feature map then ansatz."""
    model, x = experiment.model, experiment.dataset.x_train
    rows = range(len(x)) if rows is None else rows
    states = []
    for i in rows:
        circuit = _bound(model.feature_map, x[i])
        if ansatz:
            circuit = circuit.compose(_bound(model.ansatz, theta))
        states.append(Statevector(circuit))
    return states


def _single_qubit(states):
    """Per state: Meyer-Wallach Q = 2 (1 - mean_k Tr rho_k^2) and the mean entropy (bits)."""
    n = states[0].num_qubits
    mw, vn = [], []
    for state in states:
        rhos = [partial_trace(state, [q for q in range(n) if q != k]) for k in range(n)]
        mw.append(2 * (1 - np.mean([r.purity().real for r in rhos])))
        vn.append(np.mean([entropy(r, base=2) for r in rhos]))
    return np.array(mw), np.array(vn)


def test_default_entanglement_and_feature_map_change(compose_cfg):
    experiment, record = _step_zero(compose_cfg, ())
    states = _qiskit_states(experiment, experiment.theta0)
    mw, vn = _single_qubit(states)
    assert record["meyer_wallach"] == pytest.approx(mw.mean(), abs=1e-10)
    assert record["meyer_wallach_std"] == pytest.approx(mw.std(), abs=1e-10)
    assert record["von_neumann_entropy"] == pytest.approx(vn.mean(), abs=1e-9)
    # n = 2: the half cut is qubit 0 against qubit 1
    half = [entropy(partial_trace(s, [1]), base=2) for s in states]
    assert record["half_cut_entropy"] == pytest.approx(np.mean(half), abs=1e-9)
    mw0, vn0 = _single_qubit(_qiskit_states(experiment, None, ansatz=False))
    assert experiment.once["feature_map_meyer_wallach"] == pytest.approx(mw0.mean(), abs=1e-10)
    assert record["meyer_wallach_change"] == pytest.approx(mw.mean() - mw0.mean(), abs=1e-10)
    assert record["von_neumann_entropy_change"] == pytest.approx(vn.mean() - vn0.mean(), abs=1e-9)


def test_probed_samples_are_the_seeded_ones(compose_cfg):
    """probe_size=5 of blobs' training set, chosen by ``default_rng(seed)`` (seed 0)."""
    overrides = ("dataset=blobs", "dataset.num_features=4", "metrics.probe_size=5")
    experiment, record = _step_zero(compose_cfg, overrides)
    n_train = len(experiment.dataset.y_train)
    rows = np.sort(np.random.default_rng(0).choice(n_train, size=5, replace=False))
    states = _qiskit_states(experiment, experiment.theta0, rows)
    mw, _ = _single_qubit(states)
    assert record["meyer_wallach"] == pytest.approx(mw.mean(), abs=1e-10)
    half = [entropy(partial_trace(s, [2, 3]), base=2) for s in states]  # qubits {0, 1} kept
    assert record["half_cut_entropy"] == pytest.approx(np.mean(half), abs=1e-9)


def test_entangling_power_and_scrambling_of_the_block_at_theta0(compose_cfg):
    overrides = ("metrics.entangling_power_samples=20", "metrics.scrambling=true")
    experiment, record = _step_zero(compose_cfg, overrides)
    block = Operator(_bound(experiment.model.ansatz, experiment.theta0)).data
    expected = entangling_power(block, 20, seed=0)
    assert record["entangling_power"] == pytest.approx(expected, abs=1e-10)
    assert record["tripartite_information"] == pytest.approx(
        tripartite_information(block, [0], [0]), abs=1e-9
    )
    # the model's I3 over 4 training points chosen by default_rng([seed, 19])
    x = experiment.dataset.x_train
    pick = np.sort(np.random.default_rng([0, 19]).choice(len(x), 4, False))
    models = [block @ Operator(_bound(experiment.model.feature_map, x[i])).data for i in pick]
    values = [tripartite_information(u, [0], [0]) for u in models]
    assert record["tripartite_information_model"] == pytest.approx(np.mean(values), abs=1e-9)


def test_randomized_estimates_sit_next_to_the_exact_values(compose_cfg):
    overrides = ("metrics.estimator=randomized", "metrics.unitaries=40", "metrics.shots=100")
    experiment, record = _step_zero(compose_cfg, overrides)
    mw, _ = _single_qubit(_qiskit_states(experiment, experiment.theta0))
    se = record["meyer_wallach_estimate_se"]
    assert 0 < se < 0.2
    assert abs(record["meyer_wallach_estimate"] - mw.mean()) < 5 * se


def test_the_bell_toy_published_entropy_is_that_of_a_pure_state(compose_cfg):
    _, record = _step_zero(compose_cfg, ("experiment=bell_toy", "metrics.as_published=true"))
    assert abs(record["published_von_neumann_entropy"]) < 1e-9


def test_noisy_runs_log_negativities_and_a_purity_below_one(compose_cfg):
    experiment, record = _step_zero(
        compose_cfg, ("simulator=aer", "simulator.noise.depolarizing=0.05")
    )
    assert experiment.entanglement_metrics == ("negativity", "log_negativity")
    assert 0.25 < record["purity"] < 1.0  # two qubits: between maximally mixed and pure
    assert record["negativity"] >= 0 and record["log_negativity"] >= 0
