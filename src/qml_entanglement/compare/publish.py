"""How a comparison report is recorded in the store: its settings as params, its numbers as
metrics (totals, and per group x metric x method x series the mean over seeds, its interval
and the share of runs significant after correction), its selection as tags."""

from __future__ import annotations

import math

import pandas as pd

from qml_entanglement.compare.settings import CompareSettings
from qml_entanglement.report import RunRecord, metric_key


def summary_metrics(summary: pd.DataFrame, totals: dict[str, float]) -> list[tuple[str, float]]:
    """Totals plus, per group x metric x method x series, the mean over seeds, its interval
    and the share of runs significant after correction."""
    values = list(totals.items())
    if summary.empty:
        return values
    for row in summary.to_dict("records"):
        tested = row.get("n_tested", 0) or 0
        share = row.get("n_significant", 0) / tested if tested else math.nan
        prefix = f"{row['method']}_{row['series']}"
        for what, value in (
            ("mean", row.get("mean")),
            ("ci_low", row.get("ci_low")),
            ("ci_high", row.get("ci_high")),
            ("sig_share", share),
        ):
            if isinstance(value, float) and math.isfinite(value):
                values.append((metric_key(row["group"], row["metric"], f"{prefix}_{what}"), value))
    return values


def group_by_text(settings: CompareSettings) -> str:
    """``auto`` or the keys, comma-separated."""
    keys = settings.group_keys
    return "auto" if keys is None else ",".join(keys)


def run_record(
    settings: CompareSettings, tracking_uri: str, summary: pd.DataFrame, totals: dict[str, float]
) -> RunRecord:
    """The comparison run of *settings* (experiment ``mlflow.experiment``)."""
    ci = settings.ci
    params = {
        "experiments": ",".join(settings.experiments),
        "filter": settings.filter,
        "group_by": group_by_text(settings),
        "loss_metric": settings.loss_metric,
        "methods": ",".join(settings.methods),
        "primary_method": settings.primary_method,
        "alpha": str(settings.alpha),
        **{f"ci.{k}": str(v) for k, v in vars(ci).items()},
        "seed": str(settings.seed),
    }
    tags = {
        "report_name": settings.name,
        "experiments": ",".join(settings.experiments),
        "group_by": group_by_text(settings),
    }
    return RunRecord(
        tracking_uri,
        settings.name,
        experiment=settings.mlflow.experiment,
        tags=tags,
        params=params,
        metrics=dict(summary_metrics(summary, totals)),
        link_run=settings.mlflow.link_run,
    )
