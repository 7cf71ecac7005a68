"""``reports/study/``: the write-up's claims tested on the runs of ``make study``.

Reads every FINISHED run of the study's MLflow experiment (``write-up-study``), sorts them into
variants by run name (``study-vqc-ad_hoc``, ...; the faithful ones are named in
``conf/study.yaml``), keeps per variant the runs of its newest configuration (every config key
except seeds equal) and one run per seed, only the design's seeds (``conf/study_design/``; the
deterministic toy is always used), then writes ``claims.csv``, ``variants.csv``,
``report.md``, a self-contained ``report.html`` and the figures, and records the folder as a
run of the MLflow experiment ``comparison``. A design with ``halves`` also tests the claims on
the first and the second half of its seeds and writes ``halves.csv``.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from mlflow.tracking import MlflowClient

from qml_entanglement.analysis.grouping import is_config_key
from qml_entanglement.analysis.histories import RunHistory, load_histories, no_progress_bars
from qml_entanglement.analysis.power import replicate_evidence
from qml_entanglement.analysis.selection import check_store_exists, seed_sort_key, select_runs
from qml_entanglement.analysis.statistics import mean_interval
from qml_entanglement.analysis.trends import change_from_start, final_value
from qml_entanglement.compare.publish import publish
from qml_entanglement.compare.settings import CompareSettings
from qml_entanglement.study import figures
from qml_entanglement.study.claims import (
    CLAIMS,
    EVALUATION_LOSS,
    VERDICTS,
    StudySettings,
    evaluate_claims,
)
from qml_entanglement.study.report import render_html, render_markdown
from qml_entanglement.tracking import resolve_tracking_uri
from qml_entanglement.tracking.uri import preflight, redact

FAITHFUL_DEFAULT = {
    "toy": "study-bell_toy",
    "adhoc": "study-vqc-ad_hoc",
    "blobs": "study-vqc-blobs",
}
EVALUATIONS_ARTIFACT = "function_evaluations.csv"


class StudyError(ValueError):
    """The study cannot be built (no runs, a faithful experiment missing, a bad setting)."""


@dataclass(frozen=True)
class StudyConfig:
    tracking_uri: str | None = None
    experiment: str = "write-up-study"
    faithful: Mapping[str, str] = field(default_factory=lambda: dict(FAITHFUL_DEFAULT))
    output_dir: Path = Path("reports/study")
    statistics: StudySettings = field(default_factory=StudySettings)
    log_to_mlflow: bool = True
    comparison_experiment: str = "comparison"
    dpi: int = 110
    seeds: tuple[int, int] | None = None  # [start, stop) analysed; None: every seed
    halves: bool = False  # also test the claims on each half of the seeds


@dataclass
class Variant:
    """The runs of one study experiment, one per seed, sorted by seed."""

    name: str
    histories: list[RunHistory]

    @property
    def frames(self) -> list[pd.DataFrame]:
        return [h.frame for h in self.histories]

    @property
    def seeds(self) -> list[str]:
        return [h.run.seed for h in self.histories]


@dataclass
class StudyResult:
    directory: Path
    claims: pd.DataFrame
    variants: pd.DataFrame
    comparison_run_id: str | None


def _signature(history: RunHistory) -> tuple:
    return tuple(sorted((k, v) for k, v in history.run.params.items() if is_config_key(k)))


def group_variants(histories: Sequence[RunHistory]) -> dict[str, Variant]:
    """Runs by configured name (the ``run_name`` param; the displayed MLflow name adds the
    overridden values, seeds included); per name the newest configuration, one run (the
    newest) per seed."""
    by_name: dict[str, list[RunHistory]] = {}
    for history in histories:
        name = history.run.params.get("run_name") or history.run.run_name
        by_name.setdefault(name, []).append(history)
    variants = {}
    for name, members in sorted(by_name.items()):
        members = sorted(members, key=lambda h: h.run.start_time, reverse=True)
        newest = _signature(members[0])
        per_seed: dict[str, RunHistory] = {}
        for history in members:
            if _signature(history) == newest:
                per_seed.setdefault(history.run.seed, history)
        ordered = sorted(per_seed.values(), key=lambda h: seed_sort_key(h.run.seed))
        variants[name] = Variant(name, ordered)
    return variants


def restrict_seeds(
    variants: Mapping[str, Variant], seeds: tuple[int, int] | None, keep: str
) -> dict[str, Variant]:
    """Only the runs whose seed is in ``[start, stop)`` (variant *keep*, the toy, untouched);
    variants left without runs are dropped."""
    if seeds is None:
        return dict(variants)
    start, stop = seeds
    out = {}
    for name, variant in variants.items():
        members = variant.histories
        if name != keep:
            members = [h for h in members if _in_range(h.run.seed, start, stop)]
        if members:
            out[name] = Variant(name, members)
    return out


def _in_range(seed: str, start: int, stop: int) -> bool:
    try:
        return start <= int(seed) < stop
    except ValueError:
        return False


def split_halves(variant: Variant) -> tuple[Variant, Variant]:
    """The first and second half of a variant's runs in seed order (disjoint seed sets)."""
    half = len(variant.histories) // 2
    return (
        Variant(variant.name, variant.histories[:half]),
        Variant(variant.name, variant.histories[half:]),
    )


def _faithful_first(variant: Variant, seed: str = "137") -> list[pd.DataFrame]:
    """The variant's frames with the write-up's own seed first (drawn bold)."""
    order = sorted(variant.histories, key=lambda h: (h.run.seed != seed, seed_sort_key(h.run.seed)))
    return [h.frame for h in order]


def _mean(values) -> float:
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    return float(values.mean()) if values.size else math.nan


def variant_table(
    variants: Mapping[str, Variant], settings: StudySettings, metrics: Mapping
) -> pd.DataFrame:
    """One row per variant: runs, final loss and accuracy, entanglement and its change; for Q
    (and the published Q, where logged) also the MDE, the power at the write-up's change,
    the seeds it needs, and the TOST against the margin."""
    level = settings.level
    rows = []
    for name, variant in variants.items():
        frames = variant.frames
        row: dict[str, object] = {
            "variant": name,
            "runs": len(frames),
            "seeds": ",".join(variant.seeds),
            "epochs": int(np.median([len(f) - 1 for f in frames])) if frames else 0,
            "final_loss": _mean([final_value(f, "loss") for f in frames]),
            "final_train_accuracy": _mean([final_value(f, "train_accuracy") for f in frames]),
        }
        for column in ("meyer_wallach", "von_neumann_entropy"):
            mean, low, high = mean_interval([change_from_start(f, column) for f in frames], level)
            row[f"{column}_start"] = _mean([f[column].iloc[0] for f in frames if column in f])
            row[f"{column}_change"] = mean
            row[f"{column}_change_ci_low"] = low
            row[f"{column}_change_ci_high"] = high
        for column in ("meyer_wallach", "published_meyer_wallach"):
            row.update(_power_columns(frames, column, settings))
        baseline = [
            float((f["meyer_wallach"] - f["meyer_wallach_change"]).iloc[0])
            for f in frames
            if "meyer_wallach_change" in f
        ]
        row["feature_map_meyer_wallach"] = _mean(baseline)
        separations = [
            metrics.get(h.run.run_id, {}).get("class_separation") for h in variant.histories
        ]
        row["class_separation_std"] = _mean([s for s in separations if s is not None])
        rows.append(row)
    return pd.DataFrame(rows)


def _power_columns(
    frames: Sequence[pd.DataFrame], column: str, settings: StudySettings
) -> dict[str, float]:
    """``{column}_change`` with its interval, spread, MDE, power at the write-up's change,
    seeds needed and TOST p (empty when no run logs *column*)."""
    changes = []
    for frame in frames:
        if column in frame:
            values = frame[column].to_numpy(dtype=float)
            values = values[np.isfinite(values)]
            if values.size:
                changes.append(values[-1] - values[0])
    if not changes:
        return {}
    e = replicate_evidence(
        changes,
        settings.published_change,
        settings.equivalence_margin,
        settings.level,
        settings.power,
    )
    return {
        f"{column}_change": e.effect,
        f"{column}_change_ci_low": e.ci_low,
        f"{column}_change_ci_high": e.ci_high,
        f"{column}_change_sd": e.spread,
        f"{column}_change_mde": e.mde,
        f"{column}_change_power_at_published": e.power_at_reference,
        f"{column}_change_seeds_needed": e.seeds_needed,
        f"{column}_change_tost_p": e.equivalence.p_value,
        f"{column}_change_equivalent": e.equivalence.equivalent,
    }


def with_evaluation_loss(frame: pd.DataFrame, evaluations: pd.DataFrame | None) -> pd.DataFrame:
    """*frame* with ``evaluation_loss``: the loss of function evaluation ``t - 1`` at row t
    (the write-up plotted its Q at ADAM iteration t against its t-th loss evaluation)."""
    if evaluations is None or "loss" not in evaluations:
        return frame
    out = frame.copy()
    losses = evaluations["loss"].to_numpy(dtype=float)
    column = np.full(len(out), np.nan)
    count = min(len(out) - 1, len(losses))
    column[1 : count + 1] = losses[:count]
    out[EVALUATION_LOSS] = column
    return out


def _evaluations(client, history: RunHistory | None) -> pd.DataFrame | None:
    if history is None:
        return None
    try:
        with no_progress_bars(), tempfile.TemporaryDirectory() as tmp:
            path = client.download_artifacts(history.run.run_id, EVALUATIONS_ARTIFACT, tmp)
            return pd.read_csv(path)
    except Exception:  # an older run without the artifact: the panel stays empty
        return None


def _interval(frames: Sequence[pd.DataFrame], column: str, level: float):
    return mean_interval([change_from_start(f, column) for f in frames], level)


def _change_figure(
    variants: Mapping[str, Variant], faithful: Variant, title: str, config: StudyConfig
):
    """The MW claim's change of Q: ours, the write-up's design (``<name>-fixed_init``), and the
    published Q, each with its interval, against the margin."""
    stats = config.statistics
    rows = {}
    for variant, column, label in (
        (faithful, "meyer_wallach", "Q, ours (data and init vary)"),
        (
            variants.get(f"{faithful.name}-fixed_init"),
            "meyer_wallach",
            "Q, write-up's design (init 137)",
        ),
        (faithful, "published_meyer_wallach", "published Q at m_t, ours"),
    ):
        if variant is None:
            continue
        changes = [change_from_start(f, column) for f in variant.frames]
        if any(np.isfinite(changes)):
            rows[f"{label} ({len(variant.frames)} seeds)"] = changes
    intervals = {name: mean_interval(c, stats.level) for name, c in rows.items()}
    return figures.change_interval(
        rows,
        intervals,
        stats.equivalence_margin,
        stats.published_change,
        title,
        config.dpi,
        stats.level,
    )


def _figures(client, variants: Mapping[str, Variant], config: StudyConfig):
    faithful, dpi, stats = config.faithful, config.dpi, config.statistics
    margin = stats.equivalence_margin
    out = []
    toy = variants.get(faithful["toy"])
    if toy is not None:
        out += [
            figures.toy_loss(toy.frames, dpi),
            figures.toy_entropy(toy.frames, dpi),
            figures.toy_entropy_vs_loss(toy.frames, dpi),
        ]
    for key, title in (("adhoc", "VQC on ad hoc data"), ("blobs", "VQC on blobs")):
        variant = variants.get(faithful[key])
        if variant is None:
            continue
        frames = _faithful_first(variant)
        own = next((h for h in variant.histories if h.run.seed == "137"), variant.histories[0])
        out.append(figures.vqc_loss(frames, _evaluations(client, own), title, dpi))
        out.append(
            figures.vqc_metric(
                frames,
                "published_meyer_wallach",
                "meyer_wallach",
                title,
                dpi,
                change=_interval(frames, "meyer_wallach", stats.level),
                margin=margin,
                level=stats.level,
            )
        )
        out.append(_change_figure(variants, variant, title, config))
        if key == "adhoc":
            out.append(
                figures.vqc_metric(
                    frames, "published_von_neumann_entropy", "von_neumann_entropy", title, dpi
                )
            )
            for published, correct in (
                ("published_meyer_wallach", "meyer_wallach"),
                ("published_von_neumann_entropy", "von_neumann_entropy"),
            ):
                out.append(figures.vqc_metric_vs_loss(frames, published, correct, title, dpi))
    vqc = {name: v for name, v in variants.items() if name != faithful["toy"]}
    for metric in ("meyer_wallach", "von_neumann_entropy"):
        changes = {
            name: [change_from_start(f, metric) for f in v.frames] for name, v in vqc.items()
        }
        if changes:
            meyer = metric == "meyer_wallach"
            intervals = {n: _interval(v.frames, metric, stats.level) for n, v in vqc.items()}
            out.append(
                figures.controls(
                    changes,
                    metric,
                    dpi,
                    intervals=intervals,
                    margin=margin if meyer else None,
                    level=stats.level,
                )
            )
    return out


def _claims(
    variants: Mapping[str, Variant],
    config: StudyConfig,
    evaluations: Mapping[str, pd.DataFrame | None],
) -> pd.DataFrame:
    """claims.csv from the faithful variants (the ad hoc runs with their evaluation losses)."""
    runs = {}
    for key, name in config.faithful.items():
        if name not in variants:
            continue
        histories = variants[name].histories
        runs[key] = [
            with_evaluation_loss(h.frame, evaluations.get(h.run.run_id))
            if key == "adhoc"
            else h.frame
            for h in histories
        ]
    return evaluate_claims(runs, config.statistics)


def halves_table(
    variants: Mapping[str, Variant],
    config: StudyConfig,
    evaluations: Mapping[str, pd.DataFrame | None],
    claims: pd.DataFrame,
) -> pd.DataFrame:
    """The claims on the first and the second half of the seeds, side by side, and whether
    the two verdicts agree (the toy, deterministic, is the same run in both)."""
    toy = config.faithful["toy"]
    parts = []
    for index in (0, 1):
        half = {
            name: (variant if name == toy else split_halves(variant)[index])
            for name, variant in variants.items()
        }
        parts.append(_claims(half, config, evaluations).set_index("claim"))
        seeds = [h.run.seed for h in half[config.faithful["adhoc"]].histories]
        parts[-1]["seeds"] = f"{seeds[0]}-{seeds[-1]}" if seeds else ""
    rows = []
    for claim in claims["claim"]:
        first, second = parts[0].loc[claim], parts[1].loc[claim]
        rows.append(
            {
                "claim": claim,
                "verdict_all": claims.set_index("claim").loc[claim, "verdict"],
                "verdict_first": first["verdict"],
                "verdict_second": second["verdict"],
                "agree": first["verdict"] == second["verdict"],
                "seeds_first": first["seeds"],
                "seeds_second": second["seeds"],
                **{f"{k}_first": first[k] for k in ("effect", "ci_low", "ci_high")},
                **{f"{k}_second": second[k] for k in ("effect", "ci_low", "ci_high")},
            }
        )
    return pd.DataFrame(rows)


def build_study(config: StudyConfig) -> StudyResult:
    """Select, test, draw, write and publish; see the module docstring."""
    uri = resolve_tracking_uri(config.tracking_uri)
    finished = "attributes.status = 'FINISHED'"
    try:
        check_store_exists(uri, [config.experiment], finished)
        preflight(uri)
        client = MlflowClient(tracking_uri=uri)
        runs, _, _ = select_runs(client, uri, [config.experiment], finished)
    except LookupError as error:
        raise StudyError(f"{error} Run `make study` first.") from error
    except ConnectionError as error:
        raise StudyError(str(error)) from error
    histories, _ = load_histories(client, runs, "loss")
    variants = restrict_seeds(group_variants(histories), config.seeds, config.faithful["toy"])
    histories = [h for v in variants.values() for h in v.histories]
    missing = [f"{k}={v}" for k, v in config.faithful.items() if v not in variants]
    if missing:
        raise StudyError(
            f"no finished run named {', '.join(missing)} in experiment '{config.experiment}' "
            f"of {uri} (it has: {', '.join(variants) or 'none'}); run `make study`, or fix "
            "faithful.* in conf/study.yaml"
            + (f" (seeds {config.seeds[0]}-{config.seeds[1] - 1} only)" if config.seeds else "")
        )
    adhoc = config.faithful["adhoc"]
    evaluations = {h.run.run_id: _evaluations(client, h) for h in variants[adhoc].histories}
    claims = _claims(variants, config, evaluations)
    metrics = {h.run.run_id: client.get_run(h.run.run_id).data.metrics for h in histories}
    table = variant_table(variants, config.statistics, metrics)
    drawn = _figures(client, variants, config)
    out = config.output_dir
    (out / "figures").mkdir(parents=True, exist_ok=True)
    for figure in drawn:
        figure.rendered.write(out / "figures" / figure.name)  # PNG, SVG and PDF
    claims.to_csv(out / "claims.csv", index=False)
    table.to_csv(out / "variants.csv", index=False)
    halves = None
    if config.halves:
        halves = halves_table(variants, config, evaluations, claims)
        halves.to_csv(out / "halves.csv", index=False)
    used = [h.run.run_id for v in variants.values() for h in v.histories]
    (out / "run_ids.txt").write_text("\n".join(used) + "\n")
    context = {
        "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "tracking_uri": redact(uri),
        "experiment": config.experiment,
        "faithful": dict(config.faithful),
        "statistics": config.statistics,
        "claim_text": CLAIMS,
        "halves": halves,
        "seeds": config.seeds,
    }
    (out / "report.md").write_text(render_markdown(claims, table, drawn, context))
    (out / "report.html").write_text(render_html(claims, table, drawn, context))
    run_id = None
    if config.log_to_mlflow:
        settings = CompareSettings(
            tracking_uri=uri,
            experiments=(config.experiment,),
            name="study",
            output_dir=out.parent,
            comparison_experiment=config.comparison_experiment,
        )
        totals = {f"claims_{v}": float((claims["verdict"] == v).sum()) for v in VERDICTS}
        totals["n_runs"] = float(len(used))
        run_id = publish(client, uri, settings, out, pd.DataFrame(), used, totals)
    return StudyResult(out, claims, table, run_id)
