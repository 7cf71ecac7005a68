"""The atlas's page of plain words: every sentence is a number from the tables.

First whether the classifiers learned at all (final test accuracy per arm and per qubit count:
entanglement "during learning" means little where the test accuracy is that of the controls).
Then where entanglement rises, falls or is equivalent to zero (per configuration, BH q < alpha,
or TOST within the metric's margin; an inconclusive one states the effect it could have
detected), what the controls give, and whether Q tracks the loss beyond what the controls show.
"""

from __future__ import annotations

import math

import pandas as pd

from .figures import label
from .tables import AtlasTables, pool, poolable

KEY_METRICS = ("delta_meyer_wallach", "delta_half_cut_page_fraction", "delta_half_cut_renyi2")


def _num(x: float, digits: int = 3) -> str:
    return "n/a" if x is None or not math.isfinite(x) else f"{x:+#.{digits}g}"


def pooled_sentence(by_arm: pd.DataFrame, metric: str, arm: str) -> str:
    """``pooled +0.01 [95% CI ...], prediction interval [...], I2 = ..%, k = ..``."""
    row = by_arm[(by_arm["metric"] == metric) & (by_arm["arm"] == arm)]
    if row.empty:
        return f"{arm}: no configuration with a standard error above zero"
    r = row.iloc[0]
    i2 = "n/a" if not math.isfinite(r["i2"]) else f"{100 * r['i2']:.0f}%"
    return (
        f"{arm}: pooled {_num(r['pooled'])} [95% CI {_num(r['ci_low'])}, {_num(r['ci_high'])}], "
        f"a new configuration's effect in [{_num(r['pi_low'])}, {_num(r['pi_high'])}] "
        f"(prediction interval), I2 = {i2}, k = {int(r['k'])} configurations"
    )


def verdict_sentence(verdicts: pd.DataFrame, metric: str, arm: str, alpha: float) -> str:
    """How many configurations of *arm* rise, fall, are equivalent to zero or inconclusive."""
    part = verdicts[(verdicts["metric"] == metric) & (verdicts["arm"] == arm)]
    if part.empty:
        return f"{arm}: no configuration"
    counts = part["verdict"].value_counts()
    text = ", ".join(
        f"{int(counts.get(v, 0))} {v}"
        for v in ("rises", "falls", "equivalent to zero", "inconclusive")
    )
    open_ = part[part["verdict"] == "inconclusive"]["mde"]
    detectable = (
        f"; the inconclusive ones could have detected a change of {open_.median():.3g} "
        f"(median minimum detectable effect, 80% power)"
        if open_.notna().any()
        else ""
    )
    margin = part["margin"].iloc[0]
    return (
        f"{arm}, {len(part)} configurations: {text} (BH q < {alpha}; equivalence margin "
        f"+-{margin:g}){detectable}"
    )


def where_sentence(verdicts: pd.DataFrame, metric: str, factor_rows: pd.DataFrame) -> str:
    """Which qubit counts and topologies the trained configurations that rise or fall have."""
    part = verdicts[(verdicts["metric"] == metric) & (verdicts["arm"] == "trained")]
    part = part.merge(factor_rows, on="config")
    pieces = []
    for verdict in ("rises", "falls"):
        hit = part[part["verdict"] == verdict]
        if hit.empty:
            continue
        by_q = hit.groupby("qubits").size().to_dict()
        by_e = hit.groupby("entanglement").size().to_dict()
        pieces.append(f"it {verdict} in {len(hit)} (by qubits {by_q}; by topology {by_e})")
    return "; ".join(pieces) if pieces else "it neither rises nor falls in any configuration"


def tracking_sentence(tables: AtlasTables) -> str:
    """Q's co-movement with the loss in the trained arm against the controls, and the
    meta-regression's control terms."""
    metric = "q_loss_comovement"
    reg = tables.regression
    terms = reg[(reg["metric"] == metric) & reg["term"].astype(str).str.startswith("control=")]
    terms_text = "; ".join(f"{t['term']}: {_term(t)}" for _, t in terms.iterrows())
    return (
        "Does Q track the loss beyond the controls? Co-movement r of detrended steps: "
        + _every_arm(tables, metric)
        + (f". Meta-regression, control against trained: {terms_text}." if terms_text else ".")
    )


def learning_sentence(tables: AtlasTables) -> str:
    """Final test accuracy pooled per arm; in the trained arm, pooled per qubit count
    (DerSimonian-Laird over its configurations) and the meta-regression's slope per qubit."""
    metric = "final_test_accuracy"
    table = tables.per_config
    trained = poolable(table[(table["metric"] == metric) & (table["arm"] == "trained")])
    per_qubits = ", ".join(f"{q}: {pool(part).pooled:.3f}" for q, part in trained.groupby("qubits"))
    reg = tables.regression
    slope = reg[(reg["metric"] == metric) & (reg["term"] == "qubits (per unit)")]
    slope_text = "".join(f"; per qubit {_term(t)} (meta-regression)" for _, t in slope.iterrows())
    return (
        "Did the classifiers learn? Final test accuracy: "
        + _every_arm(tables, metric)
        + (f". Trained, by qubit count: {per_qubits}{slope_text}." if per_qubits else ".")
    )


def _term(row: pd.Series) -> str:
    """A meta-regression coefficient: ``+0.05 [+0.006, +0.1], p = 0.027``."""
    return (
        f"{_num(row['coef'])} [{_num(row['ci_low'])}, {_num(row['ci_high'])}], "
        f"p = {row['p_value']:.3g}"
    )


def _every_arm(tables: AtlasTables, metric: str) -> str:
    """:func:`pooled_sentence` of every arm pooled for *metric*, joined."""
    return "; ".join(pooled_sentence(tables.meta_by_arm, metric, a) for a in _arms(tables, metric))


def _arms(tables: AtlasTables, metric: str) -> list[str]:
    by_arm = tables.meta_by_arm
    return list(by_arm[by_arm["metric"] == metric]["arm"])


def page(tables: AtlasTables, factor_rows: pd.DataFrame, alpha: float) -> list[str]:
    """The paragraphs of the plain-words page."""
    paragraphs = [learning_sentence(tables)]
    for metric in KEY_METRICS:
        lines = [f"{label(metric)}."]
        for arm in _arms(tables, metric):
            lines.append(pooled_sentence(tables.meta_by_arm, metric, arm) + ".")
        lines.append(verdict_sentence(tables.verdicts, metric, "trained", alpha) + ";")
        lines.append(where_sentence(tables.verdicts, metric, factor_rows) + ".")
        paragraphs.append(" ".join(lines))
    paragraphs.append(tracking_sentence(tables))
    return paragraphs
