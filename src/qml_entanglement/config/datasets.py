"""Data set options (``dataset=<name>``): one dataclass each, built by its loader.

Every field is a keyword argument of the loader named by ``_target_``
(:mod:`qml_entanglement.data.datasets`). ``seed`` defaults to the run's ``seed``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

from omegaconf import SI

from .fields import ConfigError, setting
from .memory import ad_hoc_problem
from .store import option

PI = math.pi


@dataclass
class _Tabular:
    """Options shared by the sklearn data sets: split, PCA and scaling."""

    name: str
    num_features: int = setting(2, ge=1)
    seed: int | None = setting(SI("${seed}"), ge=0)
    test_size: float = setting(0.25, gt=0.0, lt=1.0)  # fraction of the samples
    pca: bool = False  # reduce to num_features by PCA (fitted on the training split)
    feature_range: list[float] | None = setting(factory=lambda: [0.0, PI])  # null: raw features


@dataclass
class _FixedWidth(_Tabular):
    """A data set with a fixed number of features (``native_features``)."""

    # more qubits than features: repeat = cycle the features over the qubits ([x0, x1, x0, x1]);
    # pad = the extra qubits get the lowest feature value (no data); none = refuse
    fill: str = setting("none", choices=("none", "repeat", "pad"))
    # how many features the data set has (None: as many as asked for, e.g. make_blobs)
    native_features: ClassVar[int | None] = None

    def check(self, cfg) -> None:
        native = self.native_features
        if native is not None and self.num_features > native and self.fill == "none":
            raise ConfigError(
                f"dataset.num_features={self.num_features} is more than the {native} features "
                f"of {self.name}; set dataset.fill=repeat (features cycled over the qubits) or "
                f"dataset.fill=pad (the extra qubits get no data), or at most {native}"
            )


@option("dataset", "ad_hoc")
@dataclass
class AdHoc:
    """qiskit-machine-learning's ad hoc data (Havlicek et al. 2019); sizes are per class."""

    _target_: str = "qml_entanglement.data.datasets.load_ad_hoc"
    name: str = "ad_hoc"
    num_features: int = setting(2, ge=2)  # the generator's n; grid sampling supports 2 and 3
    training_size: int = setting(20, ge=1)
    test_size: int = setting(10, ge=1)
    gap: float = setting(0.3, ge=0.0)
    sampling_method: str = setting("grid", choices=("grid", "hypercube"))
    divisions: int = setting(10, ge=1)  # hypercube strata per feature
    feature_range: list[float] | None = None  # keep the generator's native [0, 2 pi)
    seed: int | None = setting(SI("${seed}"), ge=0)

    def check(self, cfg) -> None:
        if self.sampling_method == "grid" and self.num_features > 3:
            raise ConfigError(
                f"dataset.num_features={self.num_features} needs dataset.sampling_method="
                "hypercube; qiskit's grid sampling of ad hoc data supports 2 and 3 features"
            )
        problem = ad_hoc_problem(self.num_features, self.training_size + self.test_size)
        if problem:
            raise ConfigError(problem)


@option("dataset", "ad_hoc_sampled")
@dataclass
class AdHocSampled:
    """The ad hoc data's labelling rule for any number of qubits, in O(2^n) memory
    (:mod:`qml_entanglement.data.ad_hoc`): sampled points, a seeded random-circuit rotation;
    sizes per class; ``gap`` in units of the Haar spread 1/sqrt(2^n + 1) (``gap_unit``)."""

    _target_: str = "qml_entanglement.data.datasets.load_ad_hoc_sampled"
    name: str = "ad_hoc_sampled"
    num_features: int = setting(2, ge=1)
    training_size: int = setting(20, ge=1)
    test_size: int = setting(10, ge=1)
    gap: float = setting(0.3, ge=0.0)
    gap_unit: str = setting("haar_sd", choices=("haar_sd", "absolute"))
    sampling_method: str = setting("hypercube", choices=("hypercube", "uniform"))
    divisions: int = setting(10, ge=1)  # hypercube strata per feature
    layers: int | None = setting(None, ge=1)  # brickwork layers of the rotation; null = n
    feature_range: list[float] | None = None  # keep the generator's native [0, 2 pi)
    seed: int | None = setting(SI("${seed}"), ge=0)


@option("dataset", "blobs")
@dataclass
class Blobs(_Tabular):
    """sklearn ``make_blobs``: two Gaussian classes, one feature per qubit."""

    _target_: str = "qml_entanglement.data.datasets.load_blobs"
    name: str = "blobs"
    n_samples: int = setting(100, ge=4)
    cluster_std: float = setting(1.0, gt=0.0)
    centers: str = setting("random", choices=("random", "symmetric"))
    center_distance: float = setting(4.0, gt=0.0)  # symmetric centres: their distance
    stratify: bool = True  # false: sklearn's unstratified split (the write-up's)


@option("dataset", "moons")
@dataclass
class Moons(_FixedWidth):
    """sklearn ``make_moons`` (two features)."""

    native_features: ClassVar[int | None] = 2
    _target_: str = "qml_entanglement.data.datasets.load_moons"
    name: str = "moons"
    n_samples: int = setting(100, ge=4)
    noise: float = setting(0.1, ge=0.0)


@option("dataset", "circles")
@dataclass
class Circles(_FixedWidth):
    """sklearn ``make_circles`` (two features)."""

    native_features: ClassVar[int | None] = 2
    _target_: str = "qml_entanglement.data.datasets.load_circles"
    name: str = "circles"
    n_samples: int = setting(100, ge=4)
    noise: float = setting(0.05, ge=0.0)
    factor: float = setting(0.5, gt=0.0, lt=1.0)


@option("dataset", "iris")
@dataclass
class Iris(_FixedWidth):
    """Two iris classes (setosa vs versicolor by default); PCA from four features."""

    native_features: ClassVar[int | None] = 4
    _target_: str = "qml_entanglement.data.datasets.load_iris"
    name: str = "iris"
    classes: list[int] = setting(factory=lambda: [0, 1])
    pca: bool = True


@option("dataset", "breast_cancer")
@dataclass
class BreastCancer(_FixedWidth):
    """Wisconsin breast cancer: 30 features, PCA to one per qubit."""

    native_features: ClassVar[int | None] = 30
    _target_: str = "qml_entanglement.data.datasets.load_breast_cancer"
    name: str = "breast_cancer"
    num_features: int = setting(4, ge=1)
    pca: bool = True
    n_samples: int | None = setting(None, ge=4)  # a stratified subsample; null = all 569


@option("dataset", "none")
@dataclass
class NoData:
    """No data: for circuits without a feature map (the Bell toy)."""

    _target_: str = "qml_entanglement.data.datasets.load_none"
    name: str = "none"
    num_features: int = setting(0, choices=(0,))
    seed: int | None = setting(SI("${seed}"), ge=0)
