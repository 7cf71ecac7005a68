"""Trainability next to the entanglement a circuit reaches, across configurations
(``trainability.csv``, issue 16).

Runs trained with ``metrics.barren_plateau_samples=N`` log ``init_grad_variance``: the variance
of each partial derivative of the loss over N random initialisations, averaged over the
parameters (McClean et al., Nat. Commun. 9, 4812 (2018)). Entanglement-induced barren plateaus
(Ortiz Marrero, Kieferova, Wiebe, PRX Quantum 2, 040316 (2021)) predict it falls as the output
states approach the Page value. Per configuration (a group: its seeds are replicates) the table
gives the mean ``init_grad_variance`` with a t interval over seeds, and the mean final
``half_cut_page_fraction`` and ``meyer_wallach_haar_fraction`` (comparable across qubit
numbers). Across configurations, Spearman's rank correlation of the two (``scipy.stats.
spearmanr``): the configurations are the independent units, one mean each, so its p-value
needs no autocorrelation correction; it describes these configurations, it is not a
per-run test.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from qml_entanglement.analysis.grouping import Grouping
from qml_entanglement.analysis.statistics import mean_interval
from qml_entanglement.analysis.trends import final_value

VARIANCE = "init_grad_variance"
REACHED = ("half_cut_page_fraction", "meyer_wallach_haar_fraction")
COLUMNS = (
    "group",
    "n_runs",
    "init_grad_variance",
    "init_grad_variance_ci_low",
    "init_grad_variance_ci_high",
    "final_half_cut_page_fraction",
    "final_meyer_wallach_haar_fraction",
)


def trainability_table(grouping: Grouping, level: float) -> pd.DataFrame:
    """One row per group whose runs logged ``init_grad_variance``; empty if none did."""
    rows = []
    for group in grouping.groups:
        having = [h for h in group.histories if VARIANCE in h.run.metrics]
        if not having:
            continue
        mean, low, high = mean_interval([h.run.metrics[VARIANCE] for h in having], level)
        reached = {
            f"final_{key}": float(np.nanmean([final_value(h.frame, key) for h in having]))
            if any(key in h.frame for h in having)
            else math.nan
            for key in REACHED
        }
        rows.append((group.label, len(having), mean, low, high, *reached.values()))
    return pd.DataFrame(rows, columns=list(COLUMNS))


def association(table: pd.DataFrame) -> dict[str, float] | None:
    """Spearman's rho (and p) of the configurations' mean ``init_grad_variance`` against their
    mean final half-cut Page fraction; None for fewer than 3 configurations with both."""
    both = table[["init_grad_variance", "final_half_cut_page_fraction"]].dropna()
    if len(both) < 3:
        return None
    result = stats.spearmanr(both["init_grad_variance"], both["final_half_cut_page_fraction"])
    return {"rho": float(result.statistic), "p_value": float(result.pvalue), "n": len(both)}


def sentence(table: pd.DataFrame) -> str | None:
    """The report's plain-words line about trainability, or None without data."""
    if table.empty:
        return None
    found = association(table)
    text = (
        f"Trainability: {len(table)} configuration(s) logged the gradient variance over random "
        "initialisations (init_grad_variance)"
    )
    if found is None:
        return text + "; fewer than 3 with a half-cut Page fraction, so no association is given."
    return (
        text + f"; across them, Spearman's rho with the final half-cut Page fraction is "
        f"{found['rho']:+.2f} (p = {found['p_value']:.2g}, {found['n']} configurations; the "
        "configurations are the units, seeds are averaged within each)."
    )
