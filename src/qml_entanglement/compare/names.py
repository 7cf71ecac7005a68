"""Readable names for logged metric keys, shared by plots and prose."""

from __future__ import annotations

DISPLAY_NAMES = {
    "loss": "training loss",
    "test_loss": "test loss",
    "meyer_wallach": "Meyer-Wallach Q",
    "von_neumann_entropy": "von Neumann entropy",
    "entangling_power": "entangling power",
    "bipartite_entropy": "bipartite entropy",
    "negativity": "negativity",
    "log_negativity": "log-negativity",
    "purity": "purity",
    "concurrence": "concurrence",
}
METHOD_SYMBOLS = {"pearson": "Pearson r", "spearman": "Spearman ρ", "kendall": "Kendall τ"}


def display_name(metric: str) -> str:
    """Readable name of a metric key; unknown keys are shown with spaces for underscores.

    >>> display_name("meyer_wallach"), display_name("my_metric")
    ('Meyer-Wallach Q', 'my metric')
    """
    return DISPLAY_NAMES.get(metric, metric.replace("_", " "))
