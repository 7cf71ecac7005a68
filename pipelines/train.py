"""Hydra entry point: train one experiment and track it in MLflow.

python pipelines/train.py experiment=vqc_adhoc seed=1 trainer.epochs=50
python pipelines/train.py -m seed=0,1,2 dataset.cluster_std=0.5,1.0 experiment=vqc_blobs
python pipelines/train.py -m sweep=study hydra/launcher=joblib hydra.launcher.n_jobs=2

Exit status 2: a config mistake, whether Hydra (unknown key or option, wrong type) or our checks
catch it; 3: the tracking store cannot be reached or written (both one line, before any run is
created); 130: Ctrl-C or SIGTERM (one line: what was kept, the run's id and link). Heavy
imports happen inside ``main``: the process that only
launches a sweep never pays them, and each worker pays them once for all the jobs it runs.
"""

from __future__ import annotations

import signal
import sys

INTERRUPTED = 130  # 128 + SIGINT, as a shell reports a Ctrl-C
NOTHING = "interrupted before the run was created: nothing was stored"

try:  # a Ctrl-C during the first imports ends in the same one line as any other
    import hydra
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode
    from omegaconf import DictConfig

    from qml_entanglement.config.mistakes import report_mistakes  # registers the config options
except KeyboardInterrupt:
    print(NOTHING, file=sys.stderr)
    sys.exit(INTERRUPTED)


def _interrupt(signum, frame):
    raise KeyboardInterrupt(f"received signal {signum}")


@hydra.main(version_base="1.3", config_path="../conf", config_name="train")
def main(cfg: DictConfig):
    hydra_cfg = HydraConfig.get()
    overrides = list(hydra_cfg.overrides.task)
    if hydra_cfg.mode == RunMode.MULTIRUN:  # a sweep job: record the outcome, never raise
        from qml_entanglement.sweeps import run_sweep_job

        return run_sweep_job(cfg, overrides)

    from qml_entanglement.config import ConfigError, validate

    try:
        validate(cfg)  # a mistake is one line on stderr, before anything else is said
    except ConfigError as exc:
        print(f"error: invalid config: {exc}", file=sys.stderr)
        sys.exit(2)
    print(f"{cfg.run_name}: starting (importing qiskit and MLflow)", flush=True)
    from qml_entanglement.tracking.writer import start_writer, wants_writer

    if wants_writer(str(cfg.tracking.get("writer", "auto")), in_sweep=False):
        start_writer()  # imports MLflow in its own process while this one imports the rest
    from qml_entanglement.tracking.uri import StoreUnavailable
    from qml_entanglement.training import run_experiment
    from qml_entanglement.training.run import RunInterrupted

    try:
        summary = run_experiment(cfg, overrides, progress=True)
    except KeyboardInterrupt as exc:  # RunInterrupted says what was kept
        print(str(exc) if isinstance(exc, RunInterrupted) else NOTHING, file=sys.stderr)
        sys.exit(INTERRUPTED)
    except ConfigError as exc:
        print(f"error: invalid config: {exc}", file=sys.stderr)
        sys.exit(2)
    except StoreUnavailable as exc:  # the environment, not the config: exit 3
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(3)
    return summary["loss"]


if __name__ == "__main__":
    # Ctrl-C and SIGTERM are never ignored (a shell starts background jobs with SIGINT
    # ignored) and end in one line; a run installs its own handlers while it is open, a sweep
    # its own (it prints its summary at exit)
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        report_mistakes(main)
    except KeyboardInterrupt:  # while composing or importing, before any run exists
        if not {"-m", "--multirun"} & set(sys.argv):
            print(NOTHING, file=sys.stderr)
        sys.exit(INTERRUPTED)
