"""The write-up study: its claims tested on our runs (``make study``, ``reports/study/``)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from qml_entanglement.study.claims import CLAIMS, VERDICTS, StudySettings, evaluate_claims
from qml_entanglement.study.stage import StudyConfig, StudyError, build_study


def study_config(cfg: Mapping[str, Any]) -> StudyConfig:
    """A :class:`StudyConfig` from the composed ``conf/study.yaml``; bad values raise
    :class:`StudyError` naming the key."""
    if hasattr(cfg, "_metadata"):
        from omegaconf import OmegaConf

        cfg = OmegaConf.to_container(cfg, resolve=True)
    level = cfg.get("level", 0.95)
    if not (isinstance(level, float) and 0.5 <= level < 1.0):
        raise StudyError(f"level={level!r} must be a number in [0.5, 1)")
    period = cfg.get("period", [8.0, 12.0])
    if not (len(period) == 2 and 2.0 <= float(period[0]) <= float(period[1])):
        raise StudyError(f"period={period!r} must be [low, high] epochs with 2 <= low <= high")
    n_sim = cfg.get("n_sim", 999)
    if not (isinstance(n_sim, int) and n_sim >= 19):
        raise StudyError(f"n_sim={n_sim!r} must be an integer >= 19")
    published_change = cfg.get("published_change", -0.0027)
    if not (isinstance(published_change, float) and published_change != 0.0):
        raise StudyError(
            f"published_change={published_change!r} must be a non-zero number (the write-up's "
            "own change of its plotted Q)"
        )
    margin = cfg.get("margin")
    if margin is not None and not (isinstance(margin, float) and margin > 0):
        raise StudyError(
            f"margin={margin!r} must be a positive number, or null for |published_change|"
        )
    power = cfg.get("power", 0.8)
    if not (isinstance(power, float) and 0.5 <= power < 1.0):
        raise StudyError(f"power={power!r} must be a number in [0.5, 1)")
    design = cfg.get("study_design") or {}
    seeds = design.get("seeds")
    if seeds is not None and not (
        len(seeds) == 2 and all(isinstance(s, int) for s in seeds) and 0 <= seeds[0] < seeds[1]
    ):
        raise StudyError(
            f"study_design.seeds={seeds!r} must be [start, stop) integers with start < stop, "
            "or null for every seed"
        )
    faithful = dict(cfg.get("faithful") or {})
    if set(faithful) != {"toy", "adhoc", "blobs"}:
        raise StudyError(f"faithful={faithful!r} must name run names for: toy, adhoc, blobs")
    mlflow_cfg = cfg.get("mlflow") or {}
    return StudyConfig(
        tracking_uri=(cfg.get("tracking") or {}).get("uri"),
        experiment=str(cfg.get("source", "write-up-study")),
        faithful=faithful,
        output_dir=Path(str(cfg.get("output_dir") or design.get("output_dir", "reports/study"))),
        statistics=StudySettings(
            level=float(level),
            period=(float(period[0]), float(period[1])),
            n_sim=n_sim,
            seed=int(cfg.get("seed", 0)),
            published_change=published_change,
            margin=margin,
            power=power,
        ),
        seeds=None if seeds is None else (int(seeds[0]), int(seeds[1])),
        halves=bool(design.get("halves", False)),
        log_to_mlflow=bool(mlflow_cfg.get("log", True)),
        comparison_experiment=str(mlflow_cfg.get("experiment", "comparison")),
        dpi=int(cfg.get("dpi", 110)),
    )


__all__ = [
    "CLAIMS",
    "VERDICTS",
    "StudyConfig",
    "StudyError",
    "StudySettings",
    "build_study",
    "evaluate_claims",
    "study_config",
]
