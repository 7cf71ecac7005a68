"""Datasets for binary classification, each reduced to ``num_features`` columns (one per qubit).

One loader per ``dataset`` option (:mod:`qml_entanglement.config.datasets`, whose fields are the
loader's keyword arguments). Every loader returns a :class:`Dataset` with integer labels in
``{0, 1}``. Loaders that draw random numbers take an explicit seed; train/test splits are
stratified and seeded.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from sklearn import datasets as skdata
from sklearn.decomposition import PCA
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import MinMaxScaler

from . import ad_hoc


@dataclass(frozen=True)
class Dataset:
    """Train and test features ``(N, F)`` with labels ``(N,)`` in ``{0, 1}``.

    ``facts`` holds numbers that describe the data set as drawn (e.g. the class separation),
    logged once per run.
    """

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    facts: dict[str, float] = field(default_factory=dict)

    @property
    def num_features(self) -> int:
        return self.x_train.shape[1]

    @property
    def has_labels(self) -> bool:
        """False for the empty data set of a model without inputs (the Bell toy)."""
        return self.num_features > 0


def _finish(
    name: str,
    x: np.ndarray,
    y: np.ndarray,
    *,
    num_features: int,
    test_size: float,
    seed: int,
    pca: bool,
    feature_range: tuple[float, float] | None,
    stratify: bool = True,
    facts: dict[str, float] | None = None,
    fill: str = "none",
) -> Dataset:
    """Split (seeded; stratified unless ``stratify=False``), reduce by PCA if asked, scale
    into ``feature_range``, and with fewer features than ``num_features`` fill the extra
    columns: ``fill="repeat"`` cycles the features (``[x0, x1, x0, x1]``, as data re-uploading
    studies do), ``fill="pad"`` gives them the lowest value of ``feature_range`` (0 without
    one), i.e. the extra qubits carry no data.

    PCA and the scaler are fitted on the training split only.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y).astype(int)
    if not np.all(np.isfinite(x)):
        raise ValueError(f"dataset '{name}' contains NaN or infinite feature values")
    raw = x.shape[1]
    if raw > num_features and not pca:
        raise ValueError(
            f"dataset '{name}' has {raw} features but the model has {num_features} qubits; "
            "set dataset.pca=true to reduce it, or use more qubits"
        )
    if raw < num_features and fill == "none":
        raise ValueError(
            f"dataset '{name}' has only {raw} features; dataset.num_features={num_features} "
            f"needs dataset.fill=repeat (features cycled over the qubits) or dataset.fill=pad "
            f"(the extra qubits get no data), or at most {raw} features"
        )
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=test_size, random_state=seed, stratify=y if stratify else None
    )
    if raw > num_features:
        reducer = PCA(n_components=num_features, random_state=seed).fit(x_train)
        x_train, x_test = reducer.transform(x_train), reducer.transform(x_test)
    if feature_range is not None:
        scaler = MinMaxScaler(feature_range=tuple(feature_range)).fit(x_train)
        x_train, x_test = scaler.transform(x_train), scaler.transform(x_test)
    if raw < num_features:
        low = feature_range[0] if feature_range is not None else 0.0
        x_train, x_test = (_filled(part, num_features, fill, low) for part in (x_train, x_test))
    return Dataset(name, x_train, y_train, x_test, y_test, dict(facts or {}))


def _filled(x: np.ndarray, width: int, fill: str, low: float) -> np.ndarray:
    """``x`` widened to ``width`` columns: its columns cycled (``repeat``) or ``low`` (``pad``)."""
    if fill == "repeat":
        return x[:, np.arange(width) % x.shape[1]]
    return np.hstack([x, np.full((len(x), width - x.shape[1]), low)])


def load_ad_hoc(
    *,
    num_features: int,
    training_size: int,
    test_size: int,
    gap: float,
    seed: int,
    sampling_method: str = "grid",
    divisions: int = 10,
    feature_range: tuple[float, float] | None = None,
) -> Dataset:
    """qiskit-machine-learning's ad hoc data (Havlicek et al., Nature 567, 209 (2019)).

    ``training_size`` and ``test_size`` are per class; ``num_features`` is the generator's ``n``
    (``grid`` sampling supports n = 2 and 3; ``hypercube``, a Latin hypercube with ``divisions``
    strata per dimension, any n). Features lie in ``[0, 2 pi)``. qiskit's third method,
    ``sobol``, is not offered: its scrambling is unseeded, so the data would differ every run.
    """
    from qiskit_machine_learning.datasets import ad_hoc_data
    from qiskit_machine_learning.utils import algorithm_globals

    algorithm_globals.random_seed = seed  # the generator draws from this global only
    x_train, y_train, x_test, y_test = ad_hoc_data(
        training_size=training_size,
        test_size=test_size,
        n=num_features,
        gap=gap,
        one_hot=False,
        sampling_method=sampling_method,
        divisions=divisions if sampling_method == "hypercube" else 0,
    )
    if feature_range is not None:
        scaler = MinMaxScaler(feature_range=tuple(feature_range)).fit(x_train)
        x_train, x_test = scaler.transform(x_train), scaler.transform(x_test)
    return Dataset("ad_hoc", x_train, y_train.astype(int), x_test, y_test.astype(int))


def load_ad_hoc_sampled(
    *,
    num_features: int,
    training_size: int,
    test_size: int,
    gap: float,
    seed: int,
    gap_unit: str = "haar_sd",
    sampling_method: str = "hypercube",
    divisions: int = 10,
    layers: int | None = None,
    feature_range: tuple[float, float] | None = None,
) -> Dataset:
    """The ad hoc data's labelling rule for any n in O(2^n) memory (:mod:`.ad_hoc`): sizes per
    class, features in ``[0, 2 pi)``, the random rotation and the points drawn from ``seed``.
    ``facts["gap_absolute"]`` is the gap on the expectation's scale."""
    rng = np.random.default_rng([seed, 24])
    per_class = training_size + test_size
    x, y = ad_hoc.sample(
        num_features,
        per_class,
        gap,
        rng,
        layers=layers,
        gap_unit=gap_unit,
        sampling=sampling_method,
        divisions=divisions,
    )
    train = np.r_[:training_size, per_class : per_class + training_size]
    test = np.setdiff1d(np.arange(2 * per_class), train)
    x_train, x_test = x[train], x[test]
    if feature_range is not None:
        scaler = MinMaxScaler(feature_range=tuple(feature_range)).fit(x_train)
        x_train, x_test = scaler.transform(x_train), scaler.transform(x_test)
    scale = np.sqrt(2.0**num_features + 1) if gap_unit == "haar_sd" else 1.0
    facts = {"gap_absolute": float(gap / scale)}
    return Dataset("ad_hoc_sampled", x_train, y[train], x_test, y[test], facts)


def with_shuffled_labels(dataset: Dataset, seed: int) -> Dataset:
    """The shuffled-labels control: the training labels permuted (seeded by ``seed``), so
    nothing about the test labels can be learned; features and test labels are unchanged.
    ``facts["shuffled_label_agreement"]`` is the share of training labels the permutation
    left as they were (about one half)."""
    y = np.random.default_rng([seed, 25]).permutation(dataset.y_train)
    facts = {**dataset.facts, "shuffled_label_agreement": float(np.mean(y == dataset.y_train))}
    return replace(dataset, y_train=y, facts=facts)


def load_blobs(
    *,
    num_features: int,
    n_samples: int,
    cluster_std: float,
    test_size: float,
    seed: int,
    feature_range: tuple[float, float] | None,
    pca: bool = False,
    centers: str = "random",
    center_distance: float = 4.0,
    stratify: bool = True,
) -> Dataset:
    """sklearn ``make_blobs``: two Gaussian classes in ``num_features`` dimensions.

    ``centers="random"`` lets make_blobs draw both centres uniformly in ``(-10, 10)^F`` (seeded),
    so the class overlap varies from seed to seed whatever ``cluster_std`` is.
    ``centers="symmetric"`` fixes them at ``+-(center_distance / 2) (1, ..., 1) / sqrt(F)``, so
    ``cluster_std`` alone sets the overlap. Either way ``facts["class_separation"]`` is the
    distance between the centres in units of ``cluster_std`` (before any scaling).
    """
    if centers == "symmetric":
        unit = np.ones(num_features) / np.sqrt(num_features)
        centres = np.stack([-unit, unit]) * center_distance / 2
    else:
        centres = 2
    x, y, drawn = skdata.make_blobs(
        n_samples=n_samples,
        n_features=num_features,
        centers=centres,
        cluster_std=cluster_std,
        random_state=seed,
        return_centers=True,
    )
    separation = float(np.linalg.norm(drawn[1] - drawn[0]) / cluster_std)
    return _finish(
        "blobs",
        x,
        y,
        num_features=num_features,
        test_size=test_size,
        seed=seed,
        pca=pca,
        feature_range=feature_range,
        stratify=stratify,
        facts={"class_separation": separation},
    )


def load_moons(*, n_samples: int, noise: float, seed: int, **split: Any) -> Dataset:
    """sklearn ``make_moons`` (two features); ``split``: :func:`_finish`'s keywords."""
    x, y = skdata.make_moons(n_samples=n_samples, noise=noise, random_state=seed)
    return _finish("moons", x, y, seed=seed, **split)


def load_circles(
    *, n_samples: int, noise: float, factor: float, seed: int, **split: Any
) -> Dataset:
    """sklearn ``make_circles`` (two features)."""
    x, y = skdata.make_circles(n_samples=n_samples, noise=noise, factor=factor, random_state=seed)
    return _finish("circles", x, y, seed=seed, **split)


def load_iris(*, classes: tuple[int, int], seed: int, **split: Any) -> Dataset:
    """Two classes of the iris data (four features; PCA when fewer qubits)."""
    x, y = skdata.load_iris(return_X_y=True)
    keep = np.isin(y, classes)
    return _finish("iris", x[keep], (y[keep] == classes[1]).astype(int), seed=seed, **split)


def load_breast_cancer(*, seed: int, n_samples: int | None = None, **split: Any) -> Dataset:
    """Wisconsin breast cancer data (30 features), PCA down to the qubit count; with
    ``n_samples`` a stratified, seeded subsample of that many of its 569 samples."""
    x, y = skdata.load_breast_cancer(return_X_y=True)
    if n_samples is not None and n_samples < len(y):
        x, _, y, _ = train_test_split(x, y, train_size=n_samples, random_state=seed, stratify=y)
    return _finish("breast_cancer", x, y, seed=seed, **split)


def load_none(*, num_features: int = 0, seed: int | None = None) -> Dataset:
    """No data: one empty sample, for circuits without a feature map (the Bell toy)."""
    empty = np.zeros((1, 0))
    label = np.zeros(1, dtype=int)
    return Dataset("none", empty, label, empty, label)


def load_dataset(name: str, **fields: Any) -> Dataset:
    """Load data set option ``name`` with its config defaults and ``fields`` changed, e.g.
    ``load_dataset("blobs", seed=3, cluster_std=2.0)``."""
    from ..config.store import build_option

    return build_option("dataset", name, **fields)
