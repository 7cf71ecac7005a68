"""One catalogue of the per-epoch quantities a run logs: name, label, unit, kind, scale.

Every plot, table and sentence that names a logged metric reads it from here (the training
run's own figures and the comparison report), so a new metric is one entry below.

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


@dataclass(frozen=True)
class MetricInfo:
    """What one logged key is: readable label, unit, kind and natural scale."""

    key: str
    label: str
    unit: str = ""
    kind: str = ENTANGLEMENT
    scale: float | None = 1.0

    @property
    def axis_label(self) -> str:
        """Label with its unit, for axes and table headers, e.g. ``entropy (bits)``."""
        return f"{self.label} ({self.unit})" if self.unit else self.label


_ENTRIES = (
    MetricInfo("loss", "training loss", kind=LOSS, scale=None),
    MetricInfo("test_loss", "test loss", kind=LOSS, scale=None),
    MetricInfo("train_accuracy", "training accuracy", kind=ACCURACY),
    MetricInfo("test_accuracy", "test accuracy", kind=ACCURACY),
    MetricInfo("grad_norm", "gradient norm", kind=OPTIMISER, scale=None),
    MetricInfo("epoch_seconds", "epoch time", "s", kind=TIMING, scale=None),
    MetricInfo("meyer_wallach", "Meyer-Wallach Q"),
    MetricInfo("von_neumann_entropy", "mean single-qubit entropy", "bits"),
    MetricInfo("bipartite_entropy", "half-cut entropy", "bits", scale=None),
    MetricInfo("negativity", "negativity (half cut)", scale=None),
    MetricInfo("log_negativity", "log-negativity (half cut)", "bits", scale=None),
    MetricInfo("purity", "purity", kind=MIXEDNESS),
    MetricInfo("concurrence", "concurrence"),
    MetricInfo("entangling_power", "entangling power of the trained block"),
    MetricInfo("feature_map_meyer_wallach", "Meyer-Wallach Q of the feature map", kind=BASELINE),
    MetricInfo(
        "feature_map_von_neumann_entropy",
        "feature map's single-qubit entropy",
        "bits",
        kind=BASELINE,
    ),
    MetricInfo("meyer_wallach_change", "Meyer-Wallach Q added by the ansatz", kind=BASELINE),
    MetricInfo(
        "von_neumann_entropy_change",
        "single-qubit entropy added by the ansatz",
        "bits",
        kind=BASELINE,
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


def label(key: str) -> str:
    """Readable name of a logged key."""
    return info(key).label


def axis_label(key: str) -> str:
    """Readable name with unit."""
    return info(key).axis_label
