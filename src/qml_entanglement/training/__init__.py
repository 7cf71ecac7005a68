"""Training: classifier, losses, optimizers, loop and the tracked run."""

from .run import run_experiment

__all__ = ["run_experiment"]
