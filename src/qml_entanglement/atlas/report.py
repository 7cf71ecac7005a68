"""The atlas report as data (:class:`qml_entanglement.report.Report`): the page of plain words,
the pooled effects per arm, the meta-regression, the verdicts, forest plots, and the CSV files
(``per_config.csv`` and ``meta.csv`` with exactly the issue's columns)."""

from __future__ import annotations

import math

import pandas as pd

from qml_entanglement.report import Bullets, Figure, Report, Section, Table, Text

from . import figures
from .quantities import FACTORS
from .tables import CHANGES, META_COLUMNS, AtlasTables
from .words import KEY_METRICS, page

FOREST_METRICS = (*KEY_METRICS, "delta_half_cut_renyi2_fraction", "q_loss_comovement")
PER_CONFIG_COLUMNS = ["config", "metric", "effect", "se", "n_seeds", *FACTORS]


def _cell(value: object) -> str:
    if isinstance(value, float):
        return "n/a" if not math.isfinite(value) else f"{value:.4g}"
    return str(value)


def _table(frame: pd.DataFrame, columns: list[str]) -> Table:
    return Table.from_frame(frame, [(c, c) for c in columns], lambda r, k: _cell(r[k]))


def files(tables: AtlasTables, per_run: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The CSV files of the report."""
    return {
        "per_config.csv": tables.per_config[PER_CONFIG_COLUMNS],
        "meta.csv": tables.meta[META_COLUMNS],
        "meta_by_arm.csv": tables.meta_by_arm,
        "meta_regression.csv": tables.regression,
        "verdicts.csv": tables.verdicts,
        "per_run.csv": per_run,
    }


def _figures(tables: AtlasTables, dpi: int) -> list[Figure]:
    out = []
    for metric in FOREST_METRICS:
        if (tables.per_config["metric"] == metric).any():
            rendered = figures.forest(metric, tables.per_config, tables.meta_by_arm, dpi)
            out.append(Figure(f"forest_{metric}", figures.label(metric), rendered))
    reg = tables.regression
    for metric in (*KEY_METRICS[:1], "q_loss_comovement"):
        if "coef" in reg and reg[(reg["metric"] == metric)]["coef"].notna().any():
            rendered = figures.coefficients(reg, metric, dpi)
            out.append(Figure(f"regression_{metric}", figures.label(metric), rendered))
    return out


def build(
    tables: AtlasTables, per_run: pd.DataFrame, meta_line: str, alpha: float, dpi: int = 90
) -> Report:
    """The whole atlas report."""
    factor_rows = tables.per_config[["config", *FACTORS]].drop_duplicates()
    words = page(tables, factor_rows, alpha)
    reg = tables.regression
    key_reg = reg[reg["metric"].isin((*KEY_METRICS, "q_loss_comovement"))]
    verdicts = tables.verdicts
    counts = (
        verdicts.groupby(["metric", "arm", "verdict"]).size().unstack(fill_value=0).reset_index()
        if not verdicts.empty
        else pd.DataFrame()
    )
    blocks = [
        Text(meta_line, "meta"),
        Section("In plain words", [Text(p) for p in words], anchor="words"),
        Section(
            "Pooled effects (DerSimonian-Laird), per arm",
            [_table(tables.meta_by_arm, ["metric", "arm", *META_COLUMNS[1:]])],
            anchor="meta",
        ),
        Section("Verdicts per configuration (counts)", [_table(counts, list(counts.columns))])
        if not counts.empty
        else Text("No change metric was measured."),
        Section(
            "Meta-regression (Knapp-Hartung), key metrics",
            [_table(key_reg, [c for c in key_reg.columns if c in _REG_SHOWN])],
            anchor="regression",
        ),
        Section("Forest plots", list(_figures(tables, dpi)), anchor="forest"),
        Section("Method", [Bullets(_method(tables))], anchor="method"),
    ]
    report = Report("Design-space atlas: does entanglement track learning?", blocks)
    return Report(report.title, blocks, files(tables, per_run))


_REG_SHOWN = ("metric", "term", "coef", "se", "p_value", "ci_low", "ci_high", "tau2", "note")


def _method(tables: AtlasTables) -> list[str]:
    zero = {k: v for k, v in tables.zero_se.items() if v}
    items = [
        "Effect per configuration: mean over seeds; se = sd / sqrt(n_seeds); t test of zero, "
        "BH q-values per metric across configurations; TOST against the metric's margin; "
        "the minimum detectable effect at 80% power for every inconclusive one.",
        "Pooling: DerSimonian-Laird random effects per metric and arm (trained = entangling "
        "ansatz on true labels; feature map only = entanglement none; shuffled labels; "
        "untrained = lr 0); prediction interval with t(k-2).",
        "Meta-regression: effect ~ qubits + reps + topology + ansatz + data set + control, "
        "method-of-moments tau2, Knapp-Hartung standard errors.",
        f"Change metrics tested: {', '.join(CHANGES)}.",
    ]
    if zero:
        items.append(
            "Left out of pooling (every seed gave the same value, se = 0): "
            + "; ".join(f"{k}: {v}" for k, v in zero.items())
        )
    return items
