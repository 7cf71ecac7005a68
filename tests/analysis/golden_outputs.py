"""Run the comparison and study reports on the fixed stores of :mod:`golden_store` and reduce
their folders to what must not change: the CSV tables (run ids, which differ per store, left
out), the figure file names and the study's verdicts.

``python tests/analysis/golden_outputs.py`` wrote ``tests/analysis/golden/`` with the code of
commit 0dedd46 (before the analysis stage was redrawn; this file then built the settings with
that commit's API: ``CompareSettings(tracking_uri=..., log_to_mlflow=False, plot_workers=1,
plot_dpi=40)`` and ``StudyConfig(..., statistics=StudySettings(n_sim=99))``, the same values
as below); ``test_golden.py`` compares today's outputs with them.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
GOLDEN = HERE / "golden"
sys.path.insert(0, str(HERE))
from golden_store import EXPERIMENT, STUDY_EXPERIMENT, compare_store, study_store  # noqa: E402

COMPARE_TABLES = (
    "correlations.csv",
    "summary.csv",
    "trends.csv",
    "controls.csv",
    "trainability.csv",
    "data_quality.csv",
)
STUDY_TABLES = ("claims.csv", "variants.csv", "halves.csv")
RUN_ID_COLUMNS = ("run_id",)


def _store(root: Path) -> str:
    from qml_entanglement.tracking import ensure_store

    uri = f"sqlite:///{root / 'mlflow.db'}"
    ensure_store(uri)
    return uri


def run_compare(root: Path) -> Path:
    """The comparison report of the fixed store (no MLflow run: the folder is the output)."""
    from qml_entanglement.analysis.intervals import CISettings
    from qml_entanglement.compare import CompareSettings, build_report
    from qml_entanglement.compare.settings import PlotSettings, PublishSettings

    uri = _store(root)
    compare_store(uri)
    settings = CompareSettings(
        tracking={"uri": uri},
        experiments=[EXPERIMENT],
        output_dir=str(root / "reports"),
        ci=CISettings(n_resamples=999),
        mlflow=PublishSettings(log=False),
        plots=PlotSettings(workers=1, dpi=40),
    )
    return build_report(settings.validate()).folder


def run_study(root: Path) -> Path:
    """The study report of the fixed store, with halves (n_sim small: only its value matters)."""
    from qml_entanglement.study import StudySettings, build_study
    from qml_entanglement.study.settings import StudyDesign, StudyPublish

    uri = _store(root)
    study_store(uri)
    settings = StudySettings(
        tracking={"uri": uri},
        source=STUDY_EXPERIMENT,
        output_dir=str(root / "study"),
        n_sim=99,
        mlflow=StudyPublish(log=False),
        dpi=40,
        study_design=StudyDesign(halves=True),
    )
    return build_study(settings.validate()).directory


def tables(folder: Path, names: tuple[str, ...]) -> dict[str, pd.DataFrame]:
    """The named CSVs of a report folder, without run-id columns."""
    out = {}
    for name in names:
        frame = pd.read_csv(folder / name, keep_default_na=True)
        out[name] = frame.drop(columns=[c for c in RUN_ID_COLUMNS if c in frame.columns])
    return out


def figure_names(folder: Path) -> list[str]:
    """Every file under ``figures/``, sorted."""
    return sorted(p.name for p in (folder / "figures").iterdir())


def record() -> None:
    """Write the golden files (run once, at commit 0dedd46)."""
    GOLDEN.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        compare = run_compare(Path(tmp) / "c")
        study = run_study(Path(tmp) / "s")
        for kind, folder, names in (
            ("compare", compare, COMPARE_TABLES),
            ("study", study, STUDY_TABLES),
        ):
            for name, frame in tables(folder, names).items():
                frame.to_csv(GOLDEN / f"{kind}_{name}", index=False)
            (GOLDEN / f"{kind}_figures.json").write_text(
                json.dumps(figure_names(folder), indent=0) + "\n"
            )
        claims = pd.read_csv(study / "claims.csv")
        verdicts = dict(zip(claims["claim"], claims["verdict"], strict=True))
        (GOLDEN / "study_verdicts.json").write_text(json.dumps(verdicts, indent=1) + "\n")


if __name__ == "__main__":
    record()
