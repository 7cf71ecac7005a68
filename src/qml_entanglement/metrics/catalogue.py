"""One catalogue of the quantities a run logs: name, label, unit, kind, range, scale, and
whether the metric needs pure states.

Every plot, table and sentence that names a logged metric reads it from here (the training
run's own figures and the comparison report, which also decides from ``kind`` what counts as
entanglement evidence), so a new metric is one entry below.

``scale`` is the natural size of a metric (the upper end of its range for bounded metrics);
the comparison stage calls a series *degenerate* when its range is below ``1e-9 * scale``,
i.e. at floating-point rounding level. ``None`` means "use the series' own magnitude".
"""

from __future__ import annotations

from dataclasses import dataclass

ENTANGLEMENT = "entanglement"
MIXEDNESS = "mixedness"
LOSS = "loss"
ACCURACY = "accuracy"
OPTIMISER = "optimiser"
TIMING = "timing"
BASELINE = "feature-map baseline"  # entanglement of the encoding alone, and what training adds
PUBLISHED = "as published"  # the write-up's quantities: artefacts, never evidence
DATA = "data"


TRAINABILITY = "trainability"
SCRAMBLING = "scrambling"
RELATIVE = "relative to Haar"  # a metric divided by its Haar value: the same evidence, rescaled
ESTIMATE = "estimated from measurements"  # a shot-based estimate of an exact metric


@dataclass(frozen=True)
class MetricInfo:
    """What one logged key is: readable label, unit, kind, range, natural scale, and whether
    it is defined for pure states only (``pure``; mixed states from noisy simulation get the
    negativities instead)."""

    key: str
    label: str
    unit: str = ""
    kind: str = ENTANGLEMENT
    scale: float | None = 1.0
    range: tuple[float | None, float | None] = (None, None)
    pure: bool = False

    @property
    def is_entanglement(self) -> bool:
        """Whether the metric is entanglement evidence (what the comparison stage tests)."""
        return self.kind == ENTANGLEMENT

    @property
    def axis_label(self) -> str:
        """Label with its unit, for axes and table headers, e.g. ``entropy (bits)``."""
        return f"{self.label} ({self.unit})" if self.unit else self.label


UNIT = (0.0, 1.0)
NONNEGATIVE = (0.0, None)

_ENTRIES = (
    MetricInfo("loss", "training loss", kind=LOSS, scale=None),
    MetricInfo("test_loss", "test loss", kind=LOSS, scale=None),
    MetricInfo("train_accuracy", "training accuracy", kind=ACCURACY, range=UNIT),
    MetricInfo("test_accuracy", "test accuracy", kind=ACCURACY, range=UNIT),
    MetricInfo("grad_norm", "gradient norm", kind=OPTIMISER, scale=None, range=NONNEGATIVE),
    MetricInfo(
        "grad_variance", "variance of the gradient's components", kind=TRAINABILITY, scale=None
    ),
    MetricInfo(
        "init_grad_variance",
        "variance of the partial derivatives over random initialisations",
        kind=TRAINABILITY,
        scale=None,
        range=NONNEGATIVE,
    ),
    MetricInfo("epoch_seconds", "epoch time", "s", kind=TIMING, scale=None),
    MetricInfo("meyer_wallach", "Meyer-Wallach Q", range=UNIT, pure=True),
    MetricInfo("von_neumann_entropy", "mean single-qubit entropy", "bits", range=UNIT, pure=True),
    MetricInfo("bipartite_entropy", "half-cut entropy", "bits", scale=None, pure=True),
    MetricInfo("half_cut_entropy", "half-cut entanglement entropy", "bits", scale=None, pure=True),
    MetricInfo(
        "half_cut_page_fraction",
        "half-cut entropy / Page value",
        kind=RELATIVE,
        range=(0.0, None),
        pure=True,
    ),
    MetricInfo(
        "half_cut_renyi2",
        "half-cut Renyi-2 entropy",
        "bits",
        scale=None,
        range=NONNEGATIVE,
        pure=True,
    ),
    MetricInfo(
        "half_cut_renyi2_haar_fraction",
        "half-cut Renyi-2 entropy / its Haar reference",
        kind=RELATIVE,
        range=(0.0, None),
        pure=True,
    ),
    MetricInfo(
        "meyer_wallach_haar_fraction",
        "Meyer-Wallach Q / Haar mean",
        kind=RELATIVE,
        range=(0.0, None),
        pure=True,
    ),
    MetricInfo(
        "meyer_wallach_estimate",
        "Meyer-Wallach Q from randomized measurements",
        kind=ESTIMATE,
        range=UNIT,
    ),
    MetricInfo(
        "renyi2_half_cut_estimate",
        "half-cut Renyi-2 entropy from randomized measurements",
        "bits",
        kind=ESTIMATE,
        scale=None,
    ),
    MetricInfo(
        "tripartite_information",
        "tripartite information I3 of the trained block",
        "bits",
        kind=SCRAMBLING,
        scale=None,
    ),
    MetricInfo(
        "tripartite_information_model",
        "tripartite information I3 of the model circuit",
        "bits",
        kind=SCRAMBLING,
        scale=None,
    ),
    MetricInfo("negativity", "negativity (half cut)", scale=None, range=NONNEGATIVE),
    MetricInfo(
        "log_negativity", "log-negativity (half cut)", "bits", scale=None, range=NONNEGATIVE
    ),
    MetricInfo("purity", "purity", kind=MIXEDNESS, range=UNIT),
    MetricInfo("concurrence", "concurrence", range=UNIT),
    MetricInfo("entangling_power", "entangling power of the trained block", range=UNIT),
    MetricInfo(
        "feature_map_meyer_wallach",
        "Meyer-Wallach Q of the feature map",
        kind=BASELINE,
        range=UNIT,
        pure=True,
    ),
    MetricInfo(
        "feature_map_von_neumann_entropy",
        "feature map's single-qubit entropy",
        "bits",
        kind=BASELINE,
        range=UNIT,
        pure=True,
    ),
    MetricInfo(
        "meyer_wallach_change", "Meyer-Wallach Q added by the ansatz", kind=BASELINE, pure=True
    ),
    MetricInfo(
        "von_neumann_entropy_change",
        "single-qubit entropy added by the ansatz",
        "bits",
        kind=BASELINE,
        pure=True,
    ),
    MetricInfo(
        "published_meyer_wallach",
        "as published: Q at x=[0.5, 0.9] and ADAM's m_t",
        kind=PUBLISHED,
    ),
    MetricInfo(
        "published_von_neumann_entropy",
        "as published: entropy of the whole pure state",
        "bits",
        kind=PUBLISHED,
    ),
    MetricInfo("class_separation", "distance of the class centres", "std", kind=DATA, scale=None),
)
CATALOGUE: dict[str, MetricInfo] = {m.key: m for m in _ENTRIES}

# Order in which redundant metrics are kept: the first of a redundant pair is the one tested.
PRIORITY = tuple(m.key for m in _ENTRIES if m.kind == ENTANGLEMENT)


def info(key: str) -> MetricInfo:
    """The catalogue entry of *key*; an unknown key gets a generic entry (scale from data).

    >>> info("von_neumann_entropy").axis_label
    'mean single-qubit entropy (bits)'
    >>> info("my_metric").label
    'my metric'
    """
    return CATALOGUE.get(key) or MetricInfo(key, key.replace("_", " "), scale=None)


def is_entanglement(key: str) -> bool | None:
    """Whether the catalogue counts ``key`` as entanglement evidence; None for unknown keys.

    >>> is_entanglement("meyer_wallach"), is_entanglement("purity"), is_entanglement("mine")
    (True, False, None)
    """
    entry = CATALOGUE.get(key)
    return None if entry is None else entry.is_entanglement


def label(key: str) -> str:
    """Readable name of a logged key."""
    return info(key).label


def axis_label(key: str) -> str:
    """Readable name with unit."""
    return info(key).axis_label
