"""The atlas stage (``pipelines/atlas.py``): read the atlas's finished runs, compute each run's
numbers, analyse them, publish ``reports/atlas/`` and log it as a run of ``comparison``.

Runs are those of the tracking experiment ``atlas`` (every atlas sweep writes there) matching
``filter``; a configuration run twice (``force=true``) counts once, its latest run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from qml_entanglement.analysis.histories import load_histories
from qml_entanglement.analysis.selection import SelectedRun, check_store_exists, select_runs
from qml_entanglement.report import Published, RunRecord, publish
from qml_entanglement.tracking.reading import open_store
from qml_entanglement.tracking.store import resolve_tracking_uri

from . import report
from .quantities import FACTORS, factors_of, run_quantities
from .tables import AtlasTables, analyse


@dataclass(frozen=True)
class AtlasSettings:
    """What the stage reads and how it decides (conf/atlas.yaml)."""

    tracking_uri: str | None = None
    experiment: str = "atlas"
    filter: str = "attributes.status = 'FINISHED'"
    output_dir: Path = Path("reports/atlas")
    margins: Mapping[str, float] = field(default_factory=dict)
    alpha: float = 0.05
    level: float = 0.95
    dpi: int = 90
    log_to_mlflow: bool = True


@dataclass(frozen=True)
class AtlasResult:
    """The published report, its tables and how many runs it read."""

    published: Published
    tables: AtlasTables
    n_runs: int
    n_configs: int


def latest_per_config(runs: Sequence[SelectedRun]) -> list[SelectedRun]:
    """One run per ``config_hash`` tag (the latest started); runs without it are kept."""
    chosen: dict[str, SelectedRun] = {}
    for run in sorted(runs, key=lambda r: r.start_time):
        chosen[run.tags.get("config_hash") or run.run_id] = run
    return list(chosen.values())


def per_run_table(runs: Sequence[SelectedRun], frames: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per run: id, seed, the design factors and the atlas numbers."""
    rows = []
    for run in runs:
        frame = frames.get(run.run_id)
        if frame is None:
            continue
        row = {"run_id": run.run_id, "seed": run.seed, **factors_of(run.params)}
        rows.append({**row, **run_quantities(frame, run.metrics)})
    return pd.DataFrame(rows)


def read_runs(settings: AtlasSettings) -> tuple[str, pd.DataFrame]:
    """The store's URI and the per-run table of the selected atlas runs."""
    uri = resolve_tracking_uri(settings.tracking_uri)
    check_store_exists(uri, [settings.experiment], settings.filter)
    client = open_store(uri)
    runs, _, _ = select_runs(client, uri, [settings.experiment], settings.filter)
    runs = latest_per_config(runs)
    histories, _ = load_histories(client, runs, "loss")
    frames = {h.run.run_id: h.frame for h in histories}
    return uri, per_run_table(runs, frames)


def publish_atlas(
    per_run: pd.DataFrame, settings: AtlasSettings, uri: str | None, source: str
) -> AtlasResult:
    """Analyse *per_run*, write the report, and (with a *uri*) log it to ``comparison``."""
    tables = analyse(per_run, settings.margins, settings.alpha, settings.level)
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    n_configs = int(tables.per_config["config"].nunique())
    meta_line = (
        f"Generated {when} from {len(per_run)} runs ({n_configs} configurations) of {source}."
    )
    built = report.build(tables, per_run, meta_line, settings.alpha, settings.dpi)
    record = None
    if uri is not None and settings.log_to_mlflow:
        record = RunRecord(
            uri,
            "atlas",
            tags={"report_name": "atlas"},
            params={"filter": settings.filter, "alpha": str(settings.alpha)},
            metrics=_headline_metrics(tables),
        )
    published = publish(built, settings.output_dir, list(per_run["run_id"]), record)
    return AtlasResult(published, tables, len(per_run), n_configs)


def _headline_metrics(tables: AtlasTables) -> dict[str, float]:
    out = {}
    for _, row in tables.meta.iterrows():
        out[f"{row['metric']}/pooled"] = float(row["pooled"])
        out[f"{row['metric']}/i2"] = float(row["i2"])
    return out


def run_atlas(settings: AtlasSettings) -> AtlasResult:
    """Read the runs and publish the atlas."""
    uri, per_run = read_runs(settings)
    if per_run.empty:
        raise LookupError(
            f"no atlas run with a usable history in experiment {settings.experiment!r}"
        )
    source = f"experiment {settings.experiment!r} in {uri}"
    return publish_atlas(per_run, settings, uri, source)


__all__ = ["FACTORS", "AtlasResult", "AtlasSettings", "publish_atlas", "run_atlas"]
