"""``reports/study/``: the write-up's claims tested on the runs of ``make study``.

Reads every FINISHED run of the study's MLflow experiment (``write-up-study``), sorts them into
variants by run name (``study-vqc-ad_hoc``, ...; the faithful ones are named in
``conf/study.yaml``), keeps per variant the runs of its newest configuration and one run per
seed, only the design's seeds (``conf/study_design/``; the deterministic toy is always used)
(:mod:`.variants`), evaluates the claims (:mod:`.claims`), draws the figures
(:mod:`.figure_set`) and publishes the report (:func:`qml_entanglement.report.publish`:
``claims.csv``, ``variants.csv``, ``report.md``, ``report.html``, the figures, as a folder
and as a run of the MLflow experiment ``comparison``). A design with ``halves`` also tests the
claims on the first and the second half of its seeds and writes ``halves.csv``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from qml_entanglement.analysis.histories import load_histories
from qml_entanglement.analysis.selection import check_store_exists, select_runs
from qml_entanglement.config.uris import redact
from qml_entanglement.report import RunRecord, publish
from qml_entanglement.study.claims import VERDICTS, evaluate_claims
from qml_entanglement.study.figure_set import study_figures
from qml_entanglement.study.report import study_report
from qml_entanglement.study.settings import StudySettings
from qml_entanglement.study.variants import (
    Variant,
    restrict_seeds,
    split_halves,
    variant_table,
    variants_of,
    with_evaluation_loss,
)
from qml_entanglement.tracking import resolve_tracking_uri
from qml_entanglement.tracking.reading import open_store, read_artifact

EVALUATIONS_ARTIFACT = "function_evaluations.csv"
FINISHED = "attributes.status = 'FINISHED'"


class StudyError(ValueError):
    """The study cannot be built (no runs, a faithful experiment missing)."""


@dataclass
class StudyResult:
    directory: Path
    claims: pd.DataFrame
    variants: pd.DataFrame
    comparison_run_id: str | None


@dataclass(frozen=True)
class StudyRuns:
    """The variants read, and the function evaluations of the faithful VQC runs."""

    variants: dict[str, Variant]
    evaluations: dict[str, pd.DataFrame | None]

    @property
    def run_ids(self) -> list[str]:
        """Every run used, variant by variant."""
        return [h.run.run_id for v in self.variants.values() for h in v.histories]


def _missing(variants: Mapping[str, Variant], settings: StudySettings, uri: str) -> str | None:
    """Why the faithful experiments are not all there, or None."""
    named = vars(settings.faithful).items()
    missing = [f"{k}={v}" for k, v in named if v not in variants]
    if not missing:
        return None
    seeds = settings.seeds
    return (
        f"no finished run named {', '.join(missing)} in experiment '{settings.source}' "
        f"of {uri} (it has: {', '.join(variants) or 'none'}); run `make study`, or fix "
        "faithful.* in conf/study.yaml"
        + (f" (seeds {seeds[0]}-{seeds[1] - 1} only)" if seeds else "")
    )


def read_study(settings: StudySettings, uri: str) -> StudyRuns:
    """The study's variants (the design's seeds) and the faithful VQC runs' evaluations.

    Raises :class:`StudyError` when there is no run, or a faithful experiment has none."""
    try:
        check_store_exists(uri, [settings.source], FINISHED)
        client = open_store(uri)
        runs, _, _ = select_runs(client, uri, [settings.source], FINISHED)
    except LookupError as error:
        raise StudyError(f"{error} Run `make study` first.") from error
    except ConnectionError as error:
        raise StudyError(str(error)) from error
    histories, _ = load_histories(client, runs, "loss")
    variants = restrict_seeds(variants_of(histories), settings.seeds, settings.faithful.toy)
    if (problem := _missing(variants, settings, uri)) is not None:
        raise StudyError(problem)
    faithful_vqc = (settings.faithful.adhoc, settings.faithful.blobs)
    evaluations = {
        h.run.run_id: read_artifact(client, h.run.run_id, EVALUATIONS_ARTIFACT, pd.read_csv)
        for name in faithful_vqc
        for h in variants[name].histories
    }
    return StudyRuns(variants, evaluations)


def claims_of(
    variants: Mapping[str, Variant],
    settings: StudySettings,
    evaluations: Mapping[str, pd.DataFrame | None],
) -> pd.DataFrame:
    """claims.csv from the faithful variants (the ad hoc runs with their evaluation losses)."""
    runs = {}
    for key, name in vars(settings.faithful).items():
        if name not in variants:
            continue
        runs[key] = [
            with_evaluation_loss(h.frame, evaluations.get(h.run.run_id))
            if key == "adhoc"
            else h.frame
            for h in variants[name].histories
        ]
    return evaluate_claims(runs, settings)


def _half(variants: Mapping[str, Variant], toy: str, index: int) -> dict[str, Variant]:
    return {n: (v if n == toy else split_halves(v)[index]) for n, v in variants.items()}


def halves_table(
    variants: Mapping[str, Variant],
    settings: StudySettings,
    evaluations: Mapping[str, pd.DataFrame | None],
    claims: pd.DataFrame,
) -> pd.DataFrame:
    """The claims on the first and the second half of the seeds, side by side, and whether
    the two verdicts agree (the toy, deterministic, is the same run in both)."""
    parts = []
    for index in (0, 1):
        half = _half(variants, settings.faithful.toy, index)
        parts.append(claims_of(half, settings, evaluations).set_index("claim"))
        seeds = [h.run.seed for h in half[settings.faithful.adhoc].histories]
        parts[-1]["seeds"] = f"{seeds[0]}-{seeds[-1]}" if seeds else ""
    verdict_all = claims.set_index("claim")["verdict"]
    rows = []
    for claim in claims["claim"]:
        first, second = parts[0].loc[claim], parts[1].loc[claim]
        rows.append(
            {
                "claim": claim,
                "verdict_all": verdict_all.loc[claim],
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


def run_record(settings: StudySettings, uri: str, claims: pd.DataFrame, n_runs: int) -> RunRecord:
    """The study's run of the experiment ``mlflow.experiment``: its settings and verdicts."""
    metrics = {f"claims_{v}": float((claims["verdict"] == v).sum()) for v in VERDICTS}
    metrics["n_runs"] = float(n_runs)
    params = {
        "source": settings.source,
        **{f"faithful.{k}": v for k, v in vars(settings.faithful).items()},
        **{k: str(getattr(settings, k)) for k in ("level", "published_change", "power", "n_sim")},
        "margin": str(settings.equivalence_margin),
        "period": ",".join(f"{p:g}" for p in settings.period),
        "seeds": "all" if settings.seeds is None else f"{settings.seeds[0]}-{settings.seeds[1]}",
    }
    tags = {"report_name": "study", "experiments": settings.source}
    return RunRecord(
        uri, "study", settings.mlflow.experiment, tags=tags, params=params, metrics=metrics
    )


def build_study(settings: StudySettings) -> StudyResult:
    """Select, test, draw, write and publish; see the module docstring."""
    uri = resolve_tracking_uri(settings.tracking_uri)
    study = read_study(settings, uri)
    variants, evaluations = study.variants, study.evaluations
    claims = claims_of(variants, settings, evaluations)
    table = variant_table(variants, settings)
    tables = {"claims.csv": claims, "variants.csv": table}
    halves = None
    if settings.study_design.halves:
        halves = halves_table(variants, settings, evaluations, claims)
        tables["halves.csv"] = halves
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    meta = f"Generated {generated} from `{redact(uri)}`, experiment `{settings.source}`."
    drawn = study_figures(variants, evaluations, settings)
    report = study_report(claims, table, drawn, meta, settings, tables, halves)
    record = run_record(settings, uri, claims, len(study.run_ids)) if settings.mlflow.log else None
    published = publish(report, settings.report_dir, study.run_ids, record)
    return StudyResult(published.directory, claims, table, published.run_id)
