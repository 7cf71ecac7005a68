"""Callbacks of :func:`~qml_entanglement.training.loop.train`: everything around the loop.

The loop calls ``on_train_start(experiment)`` once, ``on_epoch_end(step, metrics)`` after each
step (steps ``0..epochs``) and ``on_train_end(result, error)`` once at the end, also when
training raised (``error`` is then the exception, and the loop re-raises it afterwards), so a
callback can keep what was measured. Tracking (MLflow:
:class:`qml_entanglement.tracking.callback.MLflowTracking`), the history file, its figures and
the progress bar are callbacks; the loop itself knows none of them.
"""

from __future__ import annotations

import contextlib
import math
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from ..figure_output import FORMATS

if TYPE_CHECKING:
    from .experiment import Experiment
    from .loop import TrainResult


class Callback:
    """Base class: every hook does nothing."""

    def on_train_start(self, experiment: Experiment) -> None:
        """Before step 0."""

    def on_epoch_end(self, step: int, metrics: dict[str, float]) -> None:
        """After step ``step`` was evaluated (and, except for the last, updated)."""

    def reporting(self) -> contextlib.AbstractContextManager:
        """A context the loop holds while it records a step and calls every ``on_epoch_end``
        (e.g. tracking defers Ctrl-C there, so that a step is recorded everywhere or nowhere)."""
        return contextlib.nullcontext()

    def on_train_end(self, result: TrainResult, error: BaseException | None) -> None:
        """After the last step, or after training raised ``error``."""


class EpochHook(Callback):
    """A callback from a function: ``on_epoch(step, metrics)`` after each step."""

    def __init__(self, on_epoch):
        self.on_epoch = on_epoch

    def on_epoch_end(self, step: int, metrics: dict[str, float]) -> None:
        self.on_epoch(step, metrics)


class History(Callback):
    """Writes every step's record to ``<directory>/history.csv`` at the end (also on failure)."""

    def __init__(self, directory: Path):
        self.path = Path(directory) / "history.csv"

    def on_train_end(self, result: TrainResult, error: BaseException | None) -> None:
        if result.history:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            pd.DataFrame(result.history).to_csv(self.path, index=False)


class HistoryFigures(Callback):
    """Draws the loss and entanglement curves into ``<directory>/plots/`` at the end (PNG, SVG,
    PDF), titled ``title`` (the run), the loss axis naming ``loss_name``."""

    def __init__(
        self,
        directory: Path,
        title: str = "",
        loss_name: str | None = None,
        formats: tuple[str, ...] = FORMATS,
    ):
        self.directory = Path(directory) / "plots"
        self.title, self.loss_name, self.formats = title, loss_name, formats
        self.metrics: tuple[str, ...] = ()
        self.seconds = 0.0  # spent drawing

    def on_train_start(self, experiment: Experiment) -> None:
        self.metrics = experiment.entanglement_metrics

    def on_train_end(self, result: TrainResult, error: BaseException | None) -> None:
        if result.history:
            from ..history_figures import plot_history

            tic = time.perf_counter()
            plot_history(
                pd.DataFrame(result.history),
                self.metrics,
                self.directory,
                title=self.title,
                loss_name=self.loss_name,
                formats=self.formats,
            )
            self.seconds += time.perf_counter() - tic


class ProgressBar(Callback):
    """A tqdm bar over the steps with the current loss and Meyer-Wallach Q."""

    def __init__(self) -> None:
        self.bar = None

    def on_train_start(self, experiment: Experiment) -> None:
        from tqdm import tqdm

        self.bar = tqdm(  # disable=None: no bar when stderr is not a terminal
            total=experiment.epochs + 1, desc="epochs", unit="ep", leave=False, disable=None
        )

    def on_epoch_end(self, step: int, metrics: dict[str, float]) -> None:
        self.bar.update(1)
        self.bar.set_postfix(
            loss=f"{metrics['loss']:.4f}", mw=f"{metrics.get('meyer_wallach', math.nan):.3f}"
        )

    def on_train_end(self, result: TrainResult, error: BaseException | None) -> None:
        if self.bar is not None:
            self.bar.close()
