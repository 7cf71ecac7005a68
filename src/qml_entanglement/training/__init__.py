"""Training: classifier, losses, optimizers, loop and the tracked run.

``run_experiment`` is imported lazily: the engine-facing modules (classifier, losses, loop) do
not pull in MLflow, Hydra and plotting.
"""

from typing import Any

__all__ = ["run_experiment"]


def __getattr__(name: str) -> Any:
    if name == "run_experiment":
        from .run import run_experiment

        return run_experiment
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
