"""Comparison entry point: build the entanglement-vs-loss report from tracked training runs.

    python pipelines/compare.py                                   # every finished run
    python pipelines/compare.py name=moons "filter=tags.dataset = 'moons'" group_by=[ansatz]
    make compare FILTER="tags.dataset = 'moons'"

Exit status 0 on success, 2 when no run matches or a setting is invalid, 3 when the tracking
store cannot be reached (nothing is written).
"""

from __future__ import annotations

import logging
import sys

import hydra
from omegaconf import DictConfig

from qml_entanglement.compare import NoRunsMatchError, build_report, compare_settings
from qml_entanglement.compare.settings import quote_filter
from qml_entanglement.config import ConfigError
from qml_entanglement.config.mistakes import report_mistakes

log = logging.getLogger("compare")


@hydra.main(version_base="1.3", config_path="../conf", config_name="compare")
def main(cfg: DictConfig) -> None:
    """Validate the config, build the report, say where it is."""
    try:
        settings = compare_settings(cfg)  # settings first: nothing is read if one is bad
        result = build_report(settings)
    except (NoRunsMatchError, ConfigError) as error:
        print(f"compare: {error}", file=sys.stderr)
        sys.exit(2)
    except ConnectionError as error:  # the tracking store cannot be reached: exit 3
        print(f"compare: {error}", file=sys.stderr)
        sys.exit(3)
    log.info(
        "Report: %s (%d runs in %d group%s; %d of %d tests significant after BH)%s\n"
        "  %s now points at %s; earlier reports are kept beside it",
        result.directory / "report.html",
        result.n_used,
        result.n_groups,
        "" if result.n_groups == 1 else "s",
        result.n_significant,
        result.n_tests,
        f"; MLflow run {result.comparison_run_id}" if result.comparison_run_id else "",
        result.directory,
        result.folder.name,
    )


if __name__ == "__main__":
    sys.argv[1:] = quote_filter(sys.argv[1:])  # filter=tags.x = 'y' as a user types it
    report_mistakes(main)
