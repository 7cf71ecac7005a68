"""Dataset loaders: shapes, ranges, seeding and the errors for impossible shapes."""

from __future__ import annotations

import numpy as np
import pytest

from qml_entanglement.data import load_dataset

PI_RANGE = (0.0, np.pi)


@pytest.mark.parametrize(
    ("name", "options"),
    [
        (
            "blobs",
            {
                "num_features": 3,
                "n_samples": 60,
                "cluster_std": 1.0,
                "test_size": 0.25,
                "feature_range": PI_RANGE,
            },
        ),
        (
            "moons",
            {
                "num_features": 2,
                "n_samples": 60,
                "noise": 0.1,
                "test_size": 0.25,
                "pca": False,
                "feature_range": PI_RANGE,
            },
        ),
        (
            "circles",
            {
                "num_features": 2,
                "n_samples": 60,
                "noise": 0.05,
                "factor": 0.5,
                "test_size": 0.25,
                "pca": False,
                "feature_range": PI_RANGE,
            },
        ),
        (
            "iris",
            {
                "num_features": 2,
                "classes": (0, 1),
                "test_size": 0.25,
                "pca": True,
                "feature_range": PI_RANGE,
            },
        ),
        (
            "breast_cancer",
            {"num_features": 4, "test_size": 0.25, "pca": True, "feature_range": PI_RANGE},
        ),
    ],
)
def test_loaders_give_binary_scaled_features(name, options):
    ds = load_dataset(name, seed=3, **options)
    assert ds.x_train.shape[1] == ds.x_test.shape[1] == options["num_features"]
    assert set(np.unique(ds.y_train)) == {0, 1}
    assert ds.x_train.min() >= -1e-12 and ds.x_train.max() <= np.pi + 1e-12
    again = load_dataset(name, seed=3, **options)
    assert np.array_equal(ds.x_train, again.x_train)
    # stratified split keeps the class balance within one sample
    share = ds.y_train.mean() - ds.y_test.mean()
    assert abs(share) < 0.1


def test_ad_hoc_is_seeded_and_sized_per_class():
    a = load_dataset("ad_hoc", seed=1, num_features=2, training_size=5, test_size=3, gap=0.3)
    b = load_dataset("ad_hoc", seed=1, num_features=2, training_size=5, test_size=3, gap=0.3)
    assert a.x_train.shape == (10, 2) and a.x_test.shape == (6, 2)
    assert np.array_equal(a.x_train, b.x_train)
    assert np.bincount(a.y_train).tolist() == [5, 5]


def test_too_many_features_without_pca_names_the_fix():
    with pytest.raises(ValueError, match="dataset.pca=true"):
        load_dataset(
            "iris",
            seed=0,
            num_features=2,
            classes=(0, 1),
            test_size=0.25,
            pca=False,
            feature_range=None,
        )


def test_more_qubits_than_features_repeat_or_pad():
    base = load_dataset("moons", seed=1, num_features=2)
    repeated = load_dataset("moons", seed=1, num_features=5, fill="repeat")
    padded = load_dataset("moons", seed=1, num_features=4, fill="pad")
    # the same split and scaling; extra columns cycle the features, or hold the range's low end
    assert np.array_equal(repeated.x_train, base.x_train[:, [0, 1, 0, 1, 0]])
    assert np.array_equal(repeated.x_test, base.x_test[:, [0, 1, 0, 1, 0]])
    assert np.array_equal(padded.x_train[:, :2], base.x_train)
    assert np.all(padded.x_train[:, 2:] == 0.0) and np.all(padded.x_test[:, 2:] == 0.0)


def test_more_qubits_than_features_without_fill_names_the_setting(compose_cfg):
    from qml_entanglement.config import ConfigError, validate

    with pytest.raises(ConfigError, match="dataset.fill=repeat"):
        validate(compose_cfg("dataset=moons", "dataset.num_features=4"))
    validate(compose_cfg("dataset=moons", "dataset.num_features=4", "dataset.fill=pad"))
