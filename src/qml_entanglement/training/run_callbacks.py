"""The callbacks of a tracked run, built from the ``callbacks`` config group
(``conf/callbacks/default.yaml``, as in lightning-hydra-template).

Each entry's ``_target_`` is one of the factories below (or any callable), called as
``factory(run, **the entry's other keys)`` with the run's :class:`RunContext`; it returns a
:class:`~qml_entanglement.training.callbacks.Callback`, or None to leave itself out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from omegaconf import DictConfig

from ..config.store import build_each
from .callbacks import Callback, History, HistoryFigures, ProgressBar


@dataclass(frozen=True)
class RunContext:
    """What a callback is built from: the run's ``config``, its ``tracking`` callback (built
    from ``tracking=...`` before anything else: its ``artifact_dir``, ``name`` and
    ``figure_formats``) and whether the run shows its ``progress`` (single runs)."""

    config: DictConfig
    tracking: Any
    progress: bool


def build_callbacks(entries: Any, run: RunContext) -> list[Callback]:
    """The callbacks of ``callbacks`` (in order; null entries left out)."""
    return [callback for _, callback in build_each(entries, "callbacks", run)]


def progress_bar(run: RunContext) -> ProgressBar | None:
    """A progress bar over the epochs, for a single run."""
    return ProgressBar() if run.progress else None


def history(run: RunContext) -> History:
    """``history.csv`` in the run's artifact folder."""
    return History(run.tracking.artifact_dir)


def history_figures(run: RunContext) -> HistoryFigures:
    """The run's figures, titled with its name (and seed), in the formats tracking keeps."""
    name, seed = run.tracking.name, run.config.seed
    return HistoryFigures(
        run.tracking.artifact_dir,
        title=name if "seed=" in name else f"{name} (seed {seed})",
        loss_name=str(run.config.loss.name),
        formats=run.tracking.figure_formats,
    )


def tracking(run: RunContext) -> Callback:
    """The run's tracking callback itself (last: it logs what the others wrote)."""
    return run.tracking
