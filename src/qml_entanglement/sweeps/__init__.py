"""Sweeps: many runs of one study, in parallel, resumable, grouped under a parent run.

``python pipelines/train.py -m sweep=study hydra/launcher=joblib`` (or ``make sweep``). The
pieces: :class:`SweepCallback` (store, parent run, summary, exit status),
:func:`run_sweep_job` (one job that records its outcome and never takes the sweep down) and
``outcomes`` (the per-job records and the summary). Which sweep a run belongs to, and skipping
configs a sweep already finished, is tracking's business
(:mod:`qml_entanglement.tracking.membership`); sweeps depend on training, never the reverse.

This package is imported by every Hydra process for its callback, so it imports nothing heavy.
"""

from .hydra_callback import SweepCallback

__all__ = ["SweepCallback", "run_sweep_job"]


def run_sweep_job(cfg, overrides):
    """See :func:`qml_entanglement.sweeps.job.run_sweep_job`."""
    from .job import run_sweep_job as run

    return run(cfg, overrides)
