"""Typed settings of the write-up study (``conf/study.yaml`` and ``conf/study_design/``).

:class:`StudySettings` is the schema of ``conf/study.yaml`` (``base_study``) and
:class:`StudyDesign` that of a ``study_design`` option (``base_design``); the YAML files hold
only what differs. :func:`study_settings` checks the constraints and the rules across fields
before anything is read, raising :class:`~qml_entanglement.config.ConfigError` naming the key,
the bad value and what is allowed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from omegaconf import OmegaConf

from qml_entanglement.analysis.intervals import LEVEL
from qml_entanglement.config.fields import ConfigError, setting
from qml_entanglement.config.store import option
from qml_entanglement.config.validation import check_node


@dataclass
class Faithful:
    """Run names of the faithful experiments (conf/experiment/study_*.yaml)."""

    toy: str = "study-bell_toy"
    adhoc: str = "study-vqc-ad_hoc"
    blobs: str = "study-vqc-blobs"


@option("study_design", "design")
@dataclass
class StudyDesign:
    """Which seeds are analysed (``[start, stop)``; null: every seed; the deterministic toy is
    always used), whether each half of them is analysed on its own, and where the report goes."""

    seeds: list[int] | None = None
    halves: bool = False
    output_dir: str = "reports/study"


@dataclass
class StudyPublish:
    log: bool = True  # also record the report as a run of `experiment`
    experiment: str = "comparison"


@option(None, "study")
@dataclass
class StudySettings:
    """Everything ``make study`` needs.

    ``published_change``: the write-up's plotted change of its Q (t = 1 -> 48, rebuilt from
    m_t in its repository's adam_params.csv; tests/study/test_claims.py recomputes it with
    qiskit): power and seeds needed are at this size. ``margin``: the equivalence margin (TOST)
    for changes of Q (null: ``|published_change|``). ``period``: the band (epochs) of the
    "peaks about every 10 epochs" claim; ``n_sim``: red-noise series per run in its test.
    """

    source: str = "write-up-study"  # the MLflow experiment `make study` trains into
    faithful: Faithful = setting(factory=Faithful)
    output_dir: str | None = None  # null: the design's
    level: float = setting(LEVEL, ge=0.5, lt=1.0)  # confidence level; tests at 1 - level
    published_change: float = -0.0027
    margin: float | None = setting(None, gt=0.0)
    power: float = setting(0.8, ge=0.5, lt=1.0)  # target power of the MDE and seeds_needed
    period: list[float] = setting(factory=lambda: [8.0, 12.0])
    n_sim: int = setting(999, ge=19)
    seed: int = 0  # bootstrap and red-noise simulation
    dpi: int = setting(110, ge=30)
    mlflow: StudyPublish = setting(factory=StudyPublish)
    study_design: StudyDesign = setting(factory=StudyDesign)
    tracking: Any = None

    @property
    def tracking_uri(self) -> str | None:
        """``tracking.uri`` (None: the default store)."""
        tracking = self.tracking
        uri = tracking.get("uri") if isinstance(tracking, dict) else getattr(tracking, "uri", None)
        return uri or None

    @property
    def report_dir(self) -> Path:
        """``output_dir``, else the design's."""
        return Path(self.output_dir or self.study_design.output_dir)

    @property
    def seeds(self) -> tuple[int, int] | None:
        """The design's ``[start, stop)`` of analysed seeds, or None for every seed."""
        seeds = self.study_design.seeds
        return None if seeds is None else (int(seeds[0]), int(seeds[1]))

    @property
    def equivalence_margin(self) -> float:
        """``margin``, else the size of the write-up's own change."""
        return abs(self.published_change) if self.margin is None else self.margin

    @property
    def alpha(self) -> float:
        """The significance level of every test, ``1 - level``."""
        return 1.0 - self.level

    def check(self) -> None:
        """The rules across fields; raise :class:`ConfigError` naming the key."""
        low_high = list(self.period)
        if not (len(low_high) == 2 and 2.0 <= low_high[0] <= low_high[1]):
            raise ConfigError(
                f"period={low_high!r} must be [low, high] epochs with 2 <= low <= high"
            )
        if self.published_change == 0.0:
            raise ConfigError(
                f"published_change={self.published_change!r} must be a non-zero number (the "
                "write-up's own change of its plotted Q)"
            )
        seeds = self.study_design.seeds
        if seeds is not None and not (len(seeds) == 2 and 0 <= seeds[0] < seeds[1]):
            raise ConfigError(
                f"study_design.seeds={list(seeds)!r} must be [start, stop) integers with "
                "start < stop, or null for every seed"
            )

    def validate(self) -> StudySettings:
        """Check every field's constraints and the rules across fields; return self."""
        check_node(OmegaConf.structured(self), "")
        self.check()
        return self


def study_settings(cfg: Any) -> StudySettings:
    """The checked :class:`StudySettings` of a composed ``conf/study.yaml``."""
    settings = check_node(cfg, "")
    settings.check()
    return settings
