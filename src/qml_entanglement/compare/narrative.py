"""Plain-language prose: one headline for the report, a paragraph per group, caveats once.

Wording follows the intervals over seeds: "no evidence" when the confidence interval of the
mean correlation spans zero, a strength word (weak ... very strong) only when it does not.
Identities with the loss and redundant metrics are named as such, never as findings.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from qml_entanglement.analysis.grouping import Group
from qml_entanglement.analysis.redundancy import IDENTITY, REDUNDANT
from qml_entanglement.analysis.statistics import METHOD_SYMBOLS
from qml_entanglement.compare.settings import CompareSettings
from qml_entanglement.metrics.catalogue import label

FEW_SEEDS = 10


def strength(r: float) -> str:
    """Verbal size of a correlation coefficient (used only when its interval excludes zero).

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


def excludes_zero(low: float, high: float) -> bool:
    """Whether a finite interval lies wholly on one side of zero."""
    return math.isfinite(low) and math.isfinite(high) and (low > 0 or high < 0)


def _get(row: pd.Series | None, key: str) -> float:
    if row is None:
        return math.nan
    value = row.get(key, math.nan)
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _interval(row: pd.Series, level: float) -> str:
    mean, low, high = _get(row, "mean"), _get(row, "ci_low"), _get(row, "ci_high")
    if not math.isfinite(low):
        return f"{mean:+.2f} (no interval: {row['ci_method']})"
    return f"{mean:+.2f} ({level:.0%} CI {low:+.2f} to {high:+.2f}, {int(row['n_defined'])} seeds)"


def _verdict(row: pd.Series, what: str) -> str:
    mean, low, high = _get(row, "mean"), _get(row, "ci_low"), _get(row, "ci_high")
    if not (math.isfinite(low) and math.isfinite(high)):
        return f"no interval {what}, so no conclusion"
    if not excludes_zero(low, high):
        return f"no evidence of an association {what} (the interval includes zero)"
    direction = "falls" if mean > 0 else "rises"
    return (
        f"a {strength(mean)} {'positive' if mean > 0 else 'negative'} association {what} "
        f"(the metric {direction} as the loss falls)"
    )


def metric_sentences(rows: pd.DataFrame, settings: CompareSettings) -> str:
    """What one metric of one group shows, from its summary rows (primary method)."""
    primary = rows[rows["method"] == settings.primary_method]
    raw = _series_row(primary, "raw")
    diff = _series_row(primary, "diff")
    first = raw if raw is not None else diff
    name = label(str(first["metric"]))
    relation = str(first.get("relation", "") or "")
    if relation == IDENTITY:
        return (
            f"{name} is a monotone function of the {label(settings.loss_metric)} in these runs "
            "(e.g. the Bell toy's Meyer-Wallach = 1 - loss): its correlation of ±1 is an "
            "identity, not evidence, and it gets no p-value."
        )
    parts = []
    if relation == REDUNDANT:
        parts.append(
            f"{name} carries the same information as {label(str(first['related_to']))} here "
            "(see Data quality), so it is shown but not counted as a separate test."
        )
    level = settings.ci.level
    symbol = METHOD_SYMBOLS[settings.primary_method]
    if raw is None or not math.isfinite(_get(raw, "mean")):
        parts.append(
            f"{name}: the correlation with the loss is undefined in every run (the series is "
            "constant up to rounding, e.g. a circuit without entangling gates, or too short)."
        )
        return " ".join(parts)
    parts.append(
        f"{name}: mean {symbol} with the loss {_interval(raw, level)} on the raw curves, "
        f"{_verdict(raw, 'across seeds')}."
    )
    if diff is not None and math.isfinite(_get(diff, "mean")):
        parts.append(
            f"On epoch-to-epoch changes {_interval(diff, level)}: "
            f"{_verdict(diff, 'between the changes')}."
        )
    parts.append(_combined(raw, diff))
    parts.append(_precision(raw, settings))
    parts.append(_movement(raw, level))
    return " ".join(p for p in parts if p)


def _series_row(rows: pd.DataFrame, series: str) -> pd.Series | None:
    match = rows[rows["series"] == series]
    return None if match.empty else match.iloc[0]


def _combined(raw: pd.Series, diff: pd.Series | None) -> str:
    if int(_get(raw, "n_defined") or 0) < 2:
        return "With a single run there is no spread across seeds: treat it as anecdotal."
    raw_clear = excludes_zero(_get(raw, "ci_low"), _get(raw, "ci_high"))
    diff_clear = excludes_zero(_get(diff, "ci_low"), _get(diff, "ci_high"))
    same_sign = (_get(raw, "mean") > 0) == (_get(diff, "mean") > 0)
    if raw_clear and diff_clear and same_sign:
        return "The changes are related the same way, which a shared trend alone would not produce."
    if raw_clear and diff_clear:
        return (
            "The changes are related the opposite way: the raw association follows the "
            "long-run trend, while from one update to the next the metric moves against it."
        )
    if raw_clear:
        return (
            "The changes are not clearly related, so the raw association may be the common "
            "trend of two series that both drift during training."
        )
    if diff_clear:
        return (
            "The raw curves are not clearly related across seeds, but the changes are: the "
            "metric reacts to each update without a matching long-run trend."
        )
    return ""


def _precision(raw: pd.Series, settings: CompareSettings) -> str:
    half, need = _get(raw, "ci_half_width"), _get(raw, "seeds_for_target")
    if not math.isfinite(half):
        return ""
    target = settings.ci.target_half_width
    text = f"The interval is ±{half:.2f} wide"
    if math.isfinite(need) and need > _get(raw, "n_defined"):
        text += f"; about {need:.0f} seeds would narrow it to ±{target:g}"
    return text + "."


def _movement(row: pd.Series, level: float) -> str:
    start = _get(row, "start_mean")
    if not math.isfinite(start):
        return ""
    text = f"It goes from {start:#.3g} to {_get(row, 'end_mean'):#.3g} on average (change "
    text += f"{_get(row, 'change_mean'):+#.3g}"
    low, high = _get(row, "change_ci_low"), _get(row, "change_ci_high")
    if math.isfinite(low):
        text += f", {level:.0%} CI {low:+#.3g} to {high:+#.3g}"
    text += ")"
    added = _get(row, "change_from_feature_map_mean")
    if math.isfinite(added):
        text += (
            f"; the feature map alone gives {_get(row, 'feature_map_baseline_mean'):#.3g}, so "
            f"the trained block ends {added:+#.3g} above it"
        )
        low, high = (
            _get(row, "change_from_feature_map_ci_low"),
            _get(row, "change_from_feature_map_ci_high"),
        )
        if math.isfinite(low):
            text += f" ({level:.0%} CI {low:+#.3g} to {high:+#.3g})"
    share = _get(row, "rises_then_falls_share")
    n = int(_get(row, "n_runs"))
    if math.isfinite(share) and share > 0:
        text += (
            f"; it rises then falls in {round(share * n)} of {n} runs, peaking near epoch "
            f"{_get(row, 'epoch_of_max_mean'):.0f} on average"
        )
    elif not math.isfinite(share):
        text += "; constant up to rounding, so no shape verdict"
    return text + "."


@dataclass(frozen=True)
class GroupProse:
    """The account of one group: an opening and one item per metric."""

    intro: str
    items: tuple[str, ...]

    @property
    def text(self) -> str:
        """Everything as one paragraph."""
        return " ".join([self.intro, *self.items])


def group_paragraph(
    group: Group, rows: pd.DataFrame, loss_trend: pd.DataFrame, settings: CompareSettings
) -> GroupProse:
    """Runs, seeds, how the loss moved, what is pooled, then one item per metric."""
    seeds = group.seeds
    k = len(seeds)
    intro = f"{k} run{'s' if k != 1 else ''} (seed{'s' if k != 1 else ''} {', '.join(seeds)})"
    if len(loss_trend):
        intro += (
            f"; the {label(settings.loss_metric)} goes from {loss_trend['start'].mean():#.3g} "
            f"to {loss_trend['end'].mean():#.3g} on average."
        )
    else:
        intro += "."
    if group.pooled:
        intro += (
            f" Warning: group_by pools different configurations here ({group.pooled_text}), so "
            "these runs are not replicates and the interval mixes configurations."
        )
    items = (
        [
            metric_sentences(rows[rows["metric"] == metric], settings)
            for metric in dict.fromkeys(rows["metric"])
        ]
        if not rows.empty
        else []
    )
    if not items:
        items.append("No entanglement metric was logged, so there is nothing to correlate.")
    return GroupProse(intro, tuple(items))


def headline(summary: pd.DataFrame, settings: CompareSettings) -> str:
    """One paragraph answering the report's question over all groups (primary method)."""
    if summary.empty:
        return "No entanglement metric could be correlated with the loss in the selected runs."
    rows = summary[(summary["method"] == settings.primary_method) & (summary["relation"] == "")]
    symbol = METHOD_SYMBOLS[settings.primary_method]
    level = f"{settings.ci.level:.0%}"
    sentences = []
    for metric, frame in rows.groupby("metric", sort=False):
        raw = frame[frame["series"] == "raw"]
        diff = frame[frame["series"] == "diff"]
        with_ci = raw[np.isfinite(raw["ci_low"].astype(float))] if "ci_low" in raw else raw[:0]
        if with_ci.empty:
            continue
        n = len(with_ci)
        clear_raw = _clear(raw)
        clear_diff = _clear(diff)
        text = (
            f"{label(str(metric))}: its {symbol} with the loss is clearly "
            f"{_signs(clear_raw)} in {len(clear_raw)} of {n} configuration(s) on the raw "
            f"curves, and in {len(clear_diff)} of {n} on epoch-to-epoch changes "
            f"({level} intervals over seeds that exclude zero)"
        )
        rest = n - len(clear_raw)
        text += f"; no evidence either way in the other {rest}." if rest else "."
        sentences.append(text)
    identities = summary[summary["relation"] == IDENTITY][["group", "metric"]].drop_duplicates()
    if len(identities):
        sentences.append(
            f"{len(identities)} group x metric pair(s) are identities with the loss and are "
            "not counted as evidence."
        )
    if not sentences:
        return (
            "No configuration has two or more seeds with a defined correlation, so there is no "
            "interval to answer the question; add seeds."
        )
    return "Answer: " + " ".join(sentences)


def _clear(rows: pd.DataFrame) -> pd.DataFrame:
    if rows.empty or "ci_low" not in rows:
        return rows[:0]
    low = rows["ci_low"].astype(float).to_numpy()
    high = rows["ci_high"].astype(float).to_numpy()
    keep = [excludes_zero(a, b) for a, b in zip(low, high, strict=True)]
    return rows[keep]


def _signs(rows: pd.DataFrame) -> str:
    if rows.empty:
        return "non-zero"
    positive = int((rows["mean"].astype(float) > 0).sum())
    negative = len(rows) - positive
    if negative == 0:
        return "positive (metric falls with the loss)"
    if positive == 0:
        return "negative (metric rises as the loss falls)"
    return f"non-zero ({positive} positive, {negative} negative)"


def caveats(
    correlations: pd.DataFrame, summary: pd.DataFrame, groups: Sequence[Group]
) -> list[str]:
    """The report's caveats, once, with this data's numbers."""
    out = []
    tested = correlations[np.isfinite(correlations["n_eff"].to_numpy(dtype=float))]
    for series, what in (("raw", "raw curves"), ("diff", "epoch-to-epoch changes")):
        part = tested[tested["series"] == series]
        if len(part):
            out.append(
                f"Consecutive epochs are not independent: for the {what}, runs of "
                f"{int(part['n_epochs'].median())} epochs carry a median of "
                f"{part['n_eff'].median():.1f} effective independent points (n_eff; range "
                f"{part['n_eff'].min():.1f}-{part['n_eff'].max():.1f}). Per-run p-values use "
                "n_eff; p_value_naive, which treats epochs as independent, is kept only for "
                "comparison."
            )
    seeds = [g.n_runs for g in groups]
    if seeds:
        few = sum(1 for k in seeds if k < FEW_SEEDS)
        out.append(
            f"Groups have {min(seeds)}-{max(seeds)} seeds (median {np.median(seeds):.0f}); "
            + (
                f"{few} group(s) have fewer than {FEW_SEEDS}, so their intervals are wide. "
                if few
                else ""
            )
            + "Seeds are the replicates: runs of different configurations are never pooled "
            "unless group_by says so, and then the group says what it mixes."
        )
    if not summary.empty and summary["ci_method"].astype(str).str.startswith("bootstrap").any():
        out.append(
            "Groups with short runs or correlations of exactly ±1 use a bootstrap over seeds, "
            "whose intervals are too narrow with few seeds."
        )
    out.append("A correlation, however strong, does not show that one causes the other.")
    return out
