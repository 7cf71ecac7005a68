"""Hydra entry point: train one experiment and track it in MLflow.

python pipelines/train.py experiment=vqc_adhoc seed=1 trainer.epochs=50
python pipelines/train.py -m seed=0,1,2 dataset.cluster_std=0.5,1.0 experiment=vqc_blobs
"""

from __future__ import annotations

import sys

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from qml_entanglement.config import ConfigError
from qml_entanglement.training import run_experiment


@hydra.main(version_base="1.3", config_path="../conf", config_name="train")
def main(cfg: DictConfig) -> float:
    hydra_cfg = HydraConfig.get()
    multirun = hydra_cfg.mode == RunMode.MULTIRUN
    try:
        summary = run_experiment(cfg, list(hydra_cfg.overrides.task), progress=not multirun)
    except ConfigError as exc:
        print(f"error: invalid config: {exc}", file=sys.stderr)
        if multirun:
            raise
        sys.exit(2)
    return summary["loss"]


if __name__ == "__main__":
    main()
