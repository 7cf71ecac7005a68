"""Randomized-measurement purities against exact values (Brydges et al. 2019).

Each statistical check is a z-test on a seeded batch of independent replicates: the grand mean
lies within Z = 3 standard errors of the exact value.  Exact values come from the states'
known purities or from an independent numpy partial trace written here.
"""

from __future__ import annotations

import doctest
import math

import numpy as np
import pytest

import qml_entanglement.metrics.randomized as randomized_module
from qml_entanglement.metrics import (
    EstimateWithError,
    mean_over_samples,
    meyer_wallach,
    randomized_meyer_wallach,
    randomized_purities,
    randomized_purities_from_counts,
    randomized_renyi2,
    renyi_entropy,
    shot_budget,
)

Z = 3.0
REPLICATES = 200


def exact_purity(state: np.ndarray, subsystem) -> float:
    """Tr rho_A^2 by an explicit partial trace (qubit q is axis n - 1 - q of the tensor)."""
    n = int(np.log2(state.size))
    axes_keep = [n - 1 - q for q in subsystem]
    axes_rest = [ax for ax in range(n) if ax not in axes_keep]
    mat = state.reshape((2,) * n).transpose(axes_keep + axes_rest).reshape(2 ** len(subsystem), -1)
    rho = mat @ mat.conj().T
    return float(np.real(np.trace(rho @ rho)))


def replicate_mean(state, subsystems, unitaries, shots, seed, **kwargs):
    """Grand mean and population SE over REPLICATES independent estimates of one state."""
    batch = np.broadcast_to(state, (REPLICATES, *np.shape(state)))
    result = randomized_purities(batch, subsystems, unitaries, shots, rng=seed, **kwargs)
    epoch = mean_over_samples(EstimateWithError(result.estimates, result.standard_errors), 0)
    return np.asarray(epoch.value), np.asarray(epoch.standard_error), result


def assert_within(mean, se, exact):
    mean, se, exact = np.asarray(mean), np.asarray(se), np.asarray(exact)
    assert np.all(np.abs(mean - exact) <= Z * se + 1e-12), (mean, exact, se)


def _product(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    qubits = rng.standard_normal((n, 2)) + 1j * rng.standard_normal((n, 2))
    qubits /= np.linalg.norm(qubits, axis=1, keepdims=True)
    state = qubits[0]
    for k in range(1, n):
        state = np.kron(qubits[k], state)  # qubit k is more significant
    return state


def _ghz(n):
    state = np.zeros(2**n, dtype=complex)
    state[[0, -1]] = 1 / np.sqrt(2)
    return state


def _w(n):
    state = np.zeros(2**n, dtype=complex)
    state[[2**k for k in range(n)]] = 1 / np.sqrt(n)
    return state


def _haar(n, seed):
    rng = np.random.default_rng(seed)
    state = rng.standard_normal(2**n) + 1j * rng.standard_normal(2**n)
    return state / np.linalg.norm(state)


CASES = {
    "product3": (_product(3, 1), [(0,), (1,), (2,), (0, 1), (0, 1, 2)], [1, 1, 1, 1, 1]),
    "bell": (np.array([1, 0, 0, 1]) / np.sqrt(2), [(0,), (1,), (0, 1)], [0.5, 0.5, 1.0]),
    "ghz4": (_ghz(4), [(0,), (1,), (2,), (3,), (0, 1), (2, 3)], [0.5] * 6),
    "w3": (_w(3), [(0,), (1,), (2,), (0, 1)], [5 / 9] * 4),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_known_purities(name):
    state, subsystems, exact = CASES[name]
    mean, se, _ = replicate_mean(state, subsystems, 20, 50, seed=11)
    assert_within(mean, se, exact)


def test_haar_state_purities_match_numpy_partial_traces():
    state = _haar(4, seed=3)
    subsystems = [(0,), (1,), (2,), (3,), (0, 1), (1, 3), (0, 1, 2)]
    exact = [exact_purity(state, s) for s in subsystems]
    assert exact[0] < 0.95  # genuinely entangled
    mean, se, _ = replicate_mean(state, subsystems, 20, 50, seed=12)
    assert_within(mean, se, exact)


def test_density_matrix_input():
    bell = np.array([1, 0, 0, 1]) / np.sqrt(2)
    p = 0.7
    werner = p * np.outer(bell, bell) + (1 - p) * np.eye(4) / 4
    exact_whole = float(np.real(np.trace(werner @ werner)))
    mean, se, _ = replicate_mean(werner, [(0,), (1,), (0, 1)], 20, 50, seed=13)
    assert_within(mean, se, [0.5, 0.5, exact_whole])
    # A pure state as a density matrix: same estimand as the statevector.
    ghz = _ghz(3)
    mean, se, _ = replicate_mean(np.outer(ghz, ghz.conj()), [(0,), (0, 1, 2)], 20, 50, seed=14)
    assert_within(mean, se, [0.5, 1.0])


def test_four_statevectors_of_two_qubits_need_density_false():
    states = np.eye(4)  # four product states, shape (4, 4): read as a density matrix...
    with pytest.raises(ValueError, match="unit trace"):
        randomized_purities(states, [(0,)], 4, 10, rng=0)
    result = randomized_purities(states, [(0,)], 4, 10, rng=0, density=False)
    assert result.estimates.shape == (4, 1)


def test_shapes_and_seeding():
    states = np.stack([_haar(3, s) for s in range(6)]).reshape(2, 3, 8)
    a = randomized_purities(states, [(0,), (1, 2)], 5, 20, rng=7)
    b = randomized_purities(states, [(0,), (1, 2)], 5, 20, rng=7)
    assert a.estimates.shape == a.standard_errors.shape == (2, 3, 2)
    assert a.per_unitary.shape == (2, 3, 5, 2)
    np.testing.assert_array_equal(a.per_unitary, b.per_unitary)
    np.testing.assert_allclose(a.estimates, a.per_unitary.mean(axis=-2))
    single = randomized_purities(states[0, 0], [(0,)], 5, 20, rng=7)
    assert single.estimates.shape == (1,)


@pytest.mark.parametrize("name", ["haar", "w3"])
def test_standard_error_scaling(name):
    # Exact in the number of unitaries (variance = Var(X_u) / unitaries); in shots x unitaries
    # when the shot noise, not the spread over unitaries, dominates (here up to 40 shots).
    state = _haar(4, seed=5) if name == "haar" else _w(3)
    subsystems = [(0,), (1,), (0, 1)]
    batch = np.broadcast_to(state, (REPLICATES, state.size))

    def rms_se(unitaries, shots, seed):
        result = randomized_purities(batch, subsystems, unitaries, shots, rng=seed)
        return np.sqrt((result.standard_errors**2).mean(axis=0))

    base = rms_se(10, 20, seed=1)
    for budget in [(40, 20), (20, 40)]:  # 4x the product shots x unitaries
        ratio = rms_se(*budget, seed=2) / base
        assert np.all(np.abs(ratio - 0.5) <= 0.3 * 0.5), (budget, ratio)


def test_standard_errors_are_calibrated():
    # The reported per-state SE matches the spread of independent replicate estimates.
    state = _haar(4, seed=6)
    _, _, result = replicate_mean(state, [(0,), (0, 1)], 10, 30, seed=15)
    empirical = result.estimates.std(axis=0, ddof=1)
    reported = np.sqrt((result.standard_errors**2).mean(axis=0))
    np.testing.assert_allclose(reported, empirical, rtol=0.2)


def test_plugin_estimator_is_biased_upward():
    state = _product(2, seed=8)
    shots = 10
    subsystems = [(0,), (0, 1)]
    mean, se, _ = replicate_mean(state, subsystems, 20, shots, seed=16)
    assert_within(mean, se, [1.0, 1.0])
    mean_p, se_p, result = replicate_mean(state, subsystems, 20, shots, seed=16, plugin=True)
    assert result.plugin
    # E[plug-in] = (N - 1)/N * purity + 2**|A| / N: 1.1 and 1.3 here.
    expected = np.array([(shots - 1) / shots + 2 / shots, (shots - 1) / shots + 4 / shots])
    assert_within(mean_p, se_p, expected)
    assert np.all(mean_p - 1.0 > 5 * se_p)


def test_from_counts_matches_hand_computation():
    # One qubit, three unitaries with counts (c0, c1): X = 2 (c0^2 + c1^2 - c0 c1 - N) / N(N-1)
    counts = np.array([[10, 0], [5, 5], [7, 3]])
    expected = [2 * (c0**2 + c1**2 - c0 * c1 - 10) / 90 for c0, c1 in counts]
    result = randomized_purities_from_counts(counts, [(0,)])
    np.testing.assert_allclose(result.per_unitary[:, 0], expected)
    np.testing.assert_allclose(result.estimates[0], np.mean(expected))
    np.testing.assert_allclose(result.standard_errors[0], np.std(expected, ddof=1) / np.sqrt(3))
    plug = randomized_purities_from_counts(counts, [(0,)], plugin=True)
    expected_plug = [2 * (c0**2 + c1**2 - c0 * c1) / 100 for c0, c1 in counts]
    np.testing.assert_allclose(plug.per_unitary[:, 0], expected_plug)


def test_from_counts_agrees_with_pairs_of_shots():
    # The vectorised quadratic form equals the explicit U-statistic over pairs i != j.
    rng = np.random.default_rng(0)
    n, shots = 3, 12
    outcomes = rng.integers(0, 2**n, size=(2, shots))
    counts = np.stack([np.bincount(o, minlength=2**n) for o in outcomes])
    for subsystem in [(1,), (0, 2), (0, 1, 2)]:
        bits = ((outcomes[..., None] >> np.array(subsystem)) & 1).astype(int)  # (2, shots, |A|)
        dist = np.abs(bits[:, :, None, :] - bits[:, None, :, :]).sum(-1)
        pair = (-2.0) ** (-dist)
        off_diagonal = pair.sum(axis=(1, 2)) - shots
        expected = 2 ** len(subsystem) * off_diagonal / (shots * (shots - 1))
        got = randomized_purities_from_counts(counts, [subsystem]).per_unitary[:, 0]
        np.testing.assert_allclose(got, expected)


def test_meyer_wallach_and_renyi2_helpers():
    state = _haar(4, seed=9)
    subsystems = [(0,), (1,), (2,), (3,), (0, 1)]
    batch = np.broadcast_to(state, (REPLICATES, 16))
    result = randomized_purities(batch, subsystems, 20, 50, rng=17)
    mw = randomized_meyer_wallach(result)
    assert mw.value.shape == mw.standard_error.shape == (REPLICATES,)
    epoch = mean_over_samples(mw)
    assert_within(epoch.value, epoch.standard_error, meyer_wallach(state))
    s2 = randomized_renyi2(result)  # the half cut (0, 1)
    epoch = mean_over_samples(s2)
    assert_within(epoch.value, epoch.standard_error, renyi_entropy(state, [0, 1]))
    j = result.column((1, 0))
    np.testing.assert_allclose(
        s2.standard_error, result.standard_errors[:, j] / (result.estimates[:, j] * math.log(2))
    )
    nats = randomized_renyi2(result, (0, 1), base=math.e)
    np.testing.assert_allclose(nats.value, s2.value * math.log(2))


def test_renyi2_of_non_positive_estimate_is_nan():
    counts = np.array([[3, 3], [3, 3]])  # X = 2 (9 + 9 - 9 - 6) / 30 = 0.2 > 0
    assert np.isfinite(
        randomized_renyi2(randomized_purities_from_counts(counts, [(0,)]), (0,)).value
    )
    counts = np.array([[1, 1], [1, 1]])  # X = 2 (1 + 1 - 1 - 2) / 2 = -1
    s2 = randomized_renyi2(randomized_purities_from_counts(counts, [(0,)]), (0,))
    assert np.isnan(s2.value) and np.isnan(s2.standard_error)


def test_epoch_mean_over_different_states():
    # 100 different Haar states: the epoch mean of the estimates is within 3 "measurement"
    # SEs of the exact mean over *these* states; the "population" SE is larger.
    states = np.stack([_haar(4, seed=100 + i) for i in range(100)])
    result = randomized_purities(states, [(k,) for k in range(4)], 20, 50, rng=18)
    mw = randomized_meyer_wallach(result)
    measured = mean_over_samples(mw, error="measurement")
    population = mean_over_samples(mw, error="population")
    assert measured.value == population.value
    assert_within(measured.value, measured.standard_error, meyer_wallach(states).mean())
    assert population.standard_error > measured.standard_error
    np.testing.assert_allclose(measured.standard_error, np.sqrt((mw.standard_error**2).sum()) / 100)
    np.testing.assert_allclose(population.standard_error, mw.value.std(ddof=1) / 10)


def test_shot_budget_rows():
    rows = shot_budget(2, target_se=0.05, shots=(10, 100), n_states=5, unitaries=40, rng=0)
    assert [r.shots for r in rows] == [10, 100]
    assert rows[0].per_unitary_std > rows[1].per_unitary_std
    for r in rows:
        assert r.unitaries == max(2, math.ceil((r.per_unitary_std / 0.05) ** 2))
        assert r.total_shots == r.unitaries * r.shots


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"unitaries": 1}, "unitaries must be an integer >= 2"),
        ({"shots": 1}, "shots must be an integer >= 2"),
        ({"subsystems": [(0, 5)]}, "out of range"),
        ({"subsystems": []}, "subsystems is empty"),
        ({"subsystems": 0}, "sequence of qubit-index tuples"),
        ({"states": np.array([1.0, 0, 0, 1])}, "not normalised"),
        ({"states": np.ones(3) / np.sqrt(3)}, "power of two"),
    ],
)
def test_validation(kwargs, match):
    args = {"states": np.array([1, 0, 0, 1]) / np.sqrt(2), "subsystems": [(0,)]}
    args.update(kwargs)
    states, subsystems = args.pop("states"), args.pop("subsystems")
    with pytest.raises(ValueError, match=match):
        randomized_purities(states, subsystems, **{"unitaries": 4, "shots": 10, **args})


def test_validation_of_counts_and_helpers():
    with pytest.raises(ValueError, match="at least 2 shots"):
        randomized_purities_from_counts(np.array([[1, 0], [1, 1]]), [(0,)])
    with pytest.raises(ValueError, match="non-negative integers"):
        randomized_purities_from_counts(np.array([[1.5, 1], [1, 1]]), [(0,)])
    with pytest.raises(ValueError, match="number of unitaries"):
        randomized_purities_from_counts(np.array([[3, 1]]), [(0,)])
    result = randomized_purities_from_counts(np.array([[3, 1, 0, 0], [1, 1, 1, 1]]), [(1,)])
    with pytest.raises(ValueError, match="was not estimated"):
        randomized_meyer_wallach(result)
    with pytest.raises(ValueError, match="was not estimated"):
        randomized_renyi2(result)
    with pytest.raises(ValueError, match="error must be"):
        mean_over_samples(EstimateWithError(np.ones(3), np.ones(3)), error="pooled")


def test_docstring_examples():
    result = doctest.testmod(randomized_module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0
