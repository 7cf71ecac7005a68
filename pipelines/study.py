"""The write-up study's report: test its claims on the runs of ``make study``.

    python pipelines/study.py                       # reports/study/ from experiment write-up-study
    python pipelines/study.py n_sim=199 mlflow.log=false

Exit status 0 on success, 2 when there is nothing to test or a setting is invalid.
"""

from __future__ import annotations

import logging
import sys

import hydra
from omegaconf import DictConfig

from qml_entanglement.config import ConfigError
from qml_entanglement.config.mistakes import report_mistakes
from qml_entanglement.study import StudyError, build_study, study_settings

log = logging.getLogger("study")


@hydra.main(version_base="1.3", config_path="../conf", config_name="study")
def main(cfg: DictConfig) -> None:
    try:
        settings = study_settings(cfg)  # settings first: nothing is read or written if one is bad
        result = build_study(settings)
    except (StudyError, ConfigError) as error:
        print(f"study: {error}", file=sys.stderr)
        sys.exit(2)
    for row in result.claims.itertuples():
        log.info("%-24s %s", row.claim, row.verdict)
    log.info(
        "Report: %s%s",
        result.directory / "report.html",
        f"; MLflow run {result.comparison_run_id}" if result.comparison_run_id else "",
    )


if __name__ == "__main__":
    report_mistakes(main)
