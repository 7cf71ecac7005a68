"""Atlas entry point: the design-space report from the atlas's tracked runs (docs/atlas.md).

    python pipelines/atlas.py                      # every finished run of experiment `atlas`
    make atlas ATLAS=quick                         # the quick subset's runs, then this

Exit status 0 on success, 2 when no run matches or a setting is invalid, 3 when the tracking
store cannot be reached (nothing is written).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import hydra
from omegaconf import DictConfig, OmegaConf

from qml_entanglement.analysis.selection import NoRunsMatchError
from qml_entanglement.atlas.stage import AtlasSettings, run_atlas
from qml_entanglement.config.mistakes import report_mistakes

log = logging.getLogger("atlas")


def settings_of(cfg: DictConfig) -> AtlasSettings:
    """The stage's settings; a bad value is one line and exit 2."""
    alpha, level = float(cfg.alpha), float(cfg.level)
    for key, value in (("alpha", alpha), ("level", level)):
        if not 0.0 < value < 1.0:
            print(f"atlas: {key}={value} is not allowed; give a number in (0, 1)", file=sys.stderr)
            sys.exit(2)
    margins = OmegaConf.to_container(cfg.margins, resolve=True) or {}
    return AtlasSettings(
        tracking_uri=cfg.tracking.uri,
        experiment=str(cfg.experiment),
        filter=str(cfg.filter),
        output_dir=Path(str(cfg.output_dir)),
        margins={k: float(v) for k, v in margins.items()},
        alpha=alpha,
        level=level,
        dpi=int(cfg.dpi),
    )


@hydra.main(version_base="1.3", config_path="../conf", config_name="atlas")
def main(cfg: DictConfig) -> None:
    """Read, analyse, publish; say where the report is."""
    settings = settings_of(cfg)
    try:
        result = run_atlas(settings)
    except (NoRunsMatchError, LookupError) as error:
        print(f"atlas: {error}", file=sys.stderr)
        sys.exit(2)
    except ConnectionError as error:
        print(f"atlas: {error}", file=sys.stderr)
        sys.exit(3)
    published = result.published
    log.info(
        "Atlas: %s (%d runs, %d configurations)%s\n  %s now points at %s",
        published.folder / "report.html",
        result.n_runs,
        result.n_configs,
        f"; MLflow run {published.run_id}" if published.run_id else "",
        published.directory,
        published.folder.name,
    )


if __name__ == "__main__":
    report_mistakes(main)
