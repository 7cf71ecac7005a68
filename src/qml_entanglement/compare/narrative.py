"""Plain-language paragraph per group: what the numbers show, and how far to trust them."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from qml_entanglement.compare.names import METHOD_SYMBOLS, display_name
from qml_entanglement.compare.settings import CompareSettings
from qml_entanglement.compare.summary import column

FEW_SEEDS = 10


def strength(r: float) -> str:
    """Verbal size of a correlation coefficient.

    >>> [strength(v) for v in (0.05, -0.2, 0.4, -0.6, 0.9)]
    ['negligible', 'weak', 'moderate', 'strong', 'very strong']
    """
    size = abs(r)
    if size < 0.1:
        return "negligible"
    if size < 0.3:
        return "weak"
    if size < 0.5:
        return "moderate"
    if size < 0.7:
        return "strong"
    return "very strong"


def _excludes_zero(low: float, high: float) -> bool:
    return math.isfinite(low) and math.isfinite(high) and (low > 0 or high < 0)


def _interval(row: pd.Series, method: str, series: str, level: float) -> str:
    mean = row[column(method, series, "mean")]
    low = row[column(method, series, "ci_low")]
    high = row[column(method, series, "ci_high")]
    if not math.isfinite(low):
        return f"{mean:+.2f} (no interval: {row[column(method, series, 'ci_method')]})"
    how = row[column(method, series, "ci_method")]
    return f"{mean:+.2f} ({level:.0%} CI {low:+.2f} to {high:+.2f}, {how})"


def metric_sentences(row: pd.Series, settings: CompareSettings) -> str:
    """What the summary row of one metric in one group says, in a few sentences."""
    method = settings.primary_method
    symbol = METHOD_SYMBOLS[method]
    name = display_name(row["metric"])
    raw_mean = row[column(method, "raw", "mean")]
    if not math.isfinite(raw_mean):
        return (
            f"{name}: the correlation with the loss is undefined in every run "
            "(the series is constant, e.g. a circuit without entangling gates, or too short)."
        )
    raw_low, raw_high = row[column(method, "raw", "ci_low")], row[column(method, "raw", "ci_high")]
    diff_mean = row[column(method, "diff", "mean")]
    diff_low = row[column(method, "diff", "ci_low")]
    diff_high = row[column(method, "diff", "ci_high")]
    direction = "fall" if raw_mean > 0 else "rise"
    parts = [
        f"{name}: mean {symbol} with the loss is "
        f"{_interval(row, method, 'raw', settings.ci.level)} on the raw series, a "
        f"{strength(raw_mean)} association (the metric tends to {direction} as the loss "
        "falls)."
    ]
    if math.isfinite(diff_mean):
        parts.append(
            f"On epoch-to-epoch changes it is {_interval(row, method, 'diff', settings.ci.level)}."
        )
    raw_clear = _excludes_zero(raw_low, raw_high)
    diff_clear = _excludes_zero(diff_low, diff_high)
    if row["n_runs"] < 2:
        parts.append("With a single run there is no spread across seeds: treat it as anecdotal.")
    elif raw_clear and diff_clear and (raw_mean > 0) == (diff_mean > 0):
        parts.append(
            "The epoch-to-epoch changes are related the same way, which a shared trend alone "
            "would not produce."
        )
    elif raw_clear and diff_clear:
        parts.append(
            "The epoch-to-epoch changes are related the opposite way: the raw association "
            "follows the long-run trend, while from one update to the next the metric moves "
            "against it."
        )
    elif raw_clear:
        parts.append(
            "The changes are not clearly related, so much of the raw correlation may be the "
            "common trend of two series that both drift during training."
        )
    elif diff_clear:
        parts.append(
            "The raw series are not clearly related across seeds, but the changes are: the "
            "metric reacts to each update without a matching long-run trend."
        )
    else:
        parts.append("Neither interval excludes zero: no consistent relation across seeds.")
    parts.append(
        f"Significant after Benjamini-Hochberg (q < {settings.alpha:g}): "
        f"{_count(row, method, 'raw')} runs on the raw series, "
        f"{_count(row, method, 'diff')} on changes."
    )
    if "start_mean" in row and math.isfinite(row["start_mean"]):
        shape = (
            f"It goes from {row['start_mean']:#.3g} to {row['end_mean']:#.3g} on average"
            f" (change {row['change_mean']:+#.3g})"
        )
        share = row["rises_then_falls_share"]
        if share > 0:
            shape += (
                f"; it rises then falls in {round(share * row['n_runs'])} of "
                f"{int(row['n_runs'])} runs, peaking near epoch "
                f"{row['epoch_of_max_mean']:.0f} on average"
            )
        parts.append(shape + ".")
    return " ".join(parts)


def _count(row: pd.Series, method: str, series: str) -> str:
    """Significant runs, e.g. ``3 of 4 (2 positive, 1 negative)`` when their signs differ."""
    n = row[column(method, series, "n")]
    if not math.isfinite(n) or n == 0:
        return "none"
    k = int(row[column(method, series, "n_significant")])
    positive = int(row.get(column(method, series, "n_significant_positive"), k))
    text = f"{k} of {int(n)}"
    if 0 < positive < k:
        text += f" ({positive} positive, {k - positive} negative)"
    return text


@dataclass(frozen=True)
class GroupProse:
    """The plain-language account of one group: an opening, one item per metric, caveats."""

    intro: str
    items: tuple[str, ...]
    caveats: str

    @property
    def text(self) -> str:
        """Everything as one paragraph."""
        return " ".join([self.intro, *self.items, self.caveats])


def group_paragraph(
    label: str,
    rows: pd.DataFrame,
    loss_trend: pd.DataFrame,
    seeds: Sequence[str],
    settings: CompareSettings,
) -> GroupProse:
    """What one group's numbers show: runs, loss change, each metric, then the caveats."""
    k = len(seeds)
    intro = f"{k} run{'s' if k != 1 else ''} (seed{'s' if k != 1 else ''} {', '.join(seeds)})" + (
        f"; the {display_name(settings.loss_metric)} goes from "
        f"{loss_trend['start'].mean():#.3g} to {loss_trend['end'].mean():#.3g} on average."
        if len(loss_trend)
        else "."
    )
    items = [metric_sentences(row, settings) for _, row in rows.iterrows()]
    if not items:
        items.append("No entanglement metric was logged, so there is nothing to correlate.")
    caveats = []
    if k < 2:
        caveats.append("one run gives no confidence interval")
    elif k < FEW_SEEDS:
        caveats.append(f"{k} seeds is few, so the intervals are wide and rough")
    uses_bootstrap = any(
        str(v).startswith("bootstrap")
        for v in rows.get(column(settings.primary_method, "raw", "ci_method"), [])
    )
    if uses_bootstrap and k < FEW_SEEDS:
        caveats.append("bootstrap intervals over so few seeds tend to be too narrow")
    caveats.append(
        "p-values treat epochs as independent, which consecutive epochs are not, so raw-series "
        "p-values are optimistic (the differenced series are less affected)"
    )
    caveats.append("a correlation, however strong, does not show that one causes the other")
    return GroupProse(intro, tuple(items), "Caveats: " + "; ".join(caveats) + ".")
