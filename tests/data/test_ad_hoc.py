"""The O(2^n) ad hoc generator against qiskit-machine-learning's; the shuffled-labels control."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from qiskit_machine_learning.datasets import ad_hoc_data
from qiskit_machine_learning.datasets.ad_hoc import _random_unitary
from qiskit_machine_learning.utils import algorithm_globals

from qml_entanglement.data import ad_hoc, load_dataset
from qml_entanglement.data.datasets import with_shuffled_labels


@pytest.mark.parametrize("n", [2, 3])
@pytest.mark.parametrize("seed", [0, 7])
def test_labels_are_qiskit_ml_labels_for_qiskit_ml_points_and_rotation(n, seed):
    """The oracle: qiskit-ml's own points (grid sampling), labelled with qiskit-ml's own random
    unitary V (its first draw after seeding), get qiskit-ml's classes."""
    algorithm_globals.random_seed = seed
    x_train, y_train, x_test, y_test = ad_hoc_data(20, 10, n, gap=0.3, one_hot=False)
    algorithm_globals.random_seed = seed
    v = _random_unitary(2**n)
    x = np.vstack([x_train, x_test])
    y = np.concatenate([y_train, y_test])
    labels = ad_hoc.labels(x, lambda states: states @ v.T, gap=0.3)
    assert np.all(labels != 0)  # qiskit-ml kept only points outside the gap
    np.testing.assert_array_equal(labels == 1, y == 0)


def test_points_inside_the_gap_are_rejected_with_qiskit_ml_rotation():
    """With a gap above every |expectation| nothing is labelled."""
    algorithm_globals.random_seed = 3
    v = _random_unitary(4)
    x = np.random.default_rng(0).random((50, 2)) * 2 * np.pi
    assert np.all(ad_hoc.labels(x, lambda s: s @ v.T, gap=1.0) == 0)


def test_walsh_hadamard_is_the_dense_hadamard_and_states_are_normalised():
    rng = np.random.default_rng(1)
    states = rng.normal(size=(3, 8)) + 1j * rng.normal(size=(3, 8))
    h = np.array([[1, 1], [1, -1]]) / np.sqrt(2)
    dense = np.kron(np.kron(h, h), h)
    np.testing.assert_allclose(ad_hoc.walsh_hadamard(states), states @ dense.T, atol=1e-12)
    psi = ad_hoc.feature_map_states(rng.random((5, 6)) * 2 * np.pi)
    np.testing.assert_allclose(np.linalg.norm(psi, axis=1), 1.0, atol=1e-12)


def test_the_brickwork_rotation_is_unitary():
    rng = np.random.default_rng(2)
    rotate = ad_hoc.brickwork(5, 5, rng)
    basis = np.eye(32, dtype=complex)
    u = rotate(basis).T  # columns: images of the basis states
    np.testing.assert_allclose(u.conj().T @ u, np.eye(32), atol=1e-12)


def test_twelve_qubits_take_megabytes_not_gibibytes():
    """qiskit-ml's generator needs ~32 GiB from n = 8; this one holds P x 2^n amplitudes."""
    tracemalloc.start()
    try:
        data = load_dataset("ad_hoc_sampled", num_features=12, training_size=8, test_size=8, seed=1)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 64 * 1024**2
    assert data.x_train.shape == (16, 12) and data.x_test.shape == (16, 12)


def test_the_loader_is_balanced_seeded_and_in_range():
    a = load_dataset("ad_hoc_sampled", num_features=6, training_size=10, test_size=5, seed=4)
    b = load_dataset("ad_hoc_sampled", num_features=6, training_size=10, test_size=5, seed=4)
    c = load_dataset("ad_hoc_sampled", num_features=6, training_size=10, test_size=5, seed=5)
    assert np.bincount(a.y_train).tolist() == [10, 10]
    assert np.bincount(a.y_test).tolist() == [5, 5]
    assert a.x_train.min() >= 0 and a.x_train.max() < 2 * np.pi
    np.testing.assert_array_equal(a.x_train, b.x_train)
    assert not np.allclose(a.x_train, c.x_train)
    assert a.facts["gap_absolute"] == pytest.approx(0.3 / np.sqrt(2**6 + 1))


def test_a_gap_nothing_passes_is_one_clear_error():
    with pytest.raises(ValueError, match="dataset.gap"):
        ad_hoc.sample(3, 5, gap=2.0, rng=np.random.default_rng(0), gap_unit="absolute")


def test_shuffled_labels_permute_the_training_labels_only():
    data = load_dataset("blobs", num_features=2, n_samples=200, seed=0)
    shuffled = with_shuffled_labels(data, seed=3)
    assert sorted(shuffled.y_train) == sorted(data.y_train)  # the same labels, permuted
    agreement = np.mean(shuffled.y_train == data.y_train)
    assert 0.35 < agreement < 0.65  # a permutation of balanced labels agrees about half the time
    assert shuffled.facts["shuffled_label_agreement"] == pytest.approx(agreement)
    np.testing.assert_array_equal(shuffled.y_test, data.y_test)
    np.testing.assert_array_equal(shuffled.x_train, data.x_train)
    again = with_shuffled_labels(data, seed=3)
    np.testing.assert_array_equal(again.y_train, shuffled.y_train)
