"""A step is recorded everywhere or nowhere: an interrupt while callbacks run cannot leave a
step in the history that the tracking callback never saw (issue 12, case 1)."""

from __future__ import annotations

import os
import signal
import threading

import pytest

from qml_entanglement.config import validate
from qml_entanglement.tracking.writer import signals_deferred
from qml_entanglement.training.callbacks import Callback
from qml_entanglement.training.experiment import build_experiment
from qml_entanglement.training.loop import train


class Interrupter(Callback):
    """Sends SIGINT (Python's handler: KeyboardInterrupt) at one step: to this process, as a
    terminal does (the kernel may hand it to any thread that does not block it), or to the main
    thread alone (then it is handled before the next callback, deterministically)."""

    def __init__(self, at: int, to_main_thread: bool = False):
        self.at, self.to_main_thread = at, to_main_thread

    def on_epoch_end(self, step, metrics):
        if step == self.at and self.to_main_thread:
            signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)
        elif step == self.at:
            os.kill(os.getpid(), signal.SIGINT)


class Recorder(Callback):
    """Like the tracking callback: holds signals while a step is recorded."""

    def __init__(self, defer: bool):
        self.defer, self.steps, self.history = defer, [], None

    def reporting(self):
        return signals_deferred() if self.defer else super().reporting()

    def on_epoch_end(self, step, metrics):
        self.steps.append(step)

    def on_train_end(self, result, error):
        self.history = [record["epoch"] for record in result.history]


@pytest.mark.parametrize("defer", [True, False])
def test_an_interrupt_between_callbacks(compose_cfg, defer):
    cfg = compose_cfg("experiment=bell_toy", "trainer.epochs=6")
    validate(cfg)
    experiment = build_experiment(cfg)
    recorder = Recorder(defer)
    with pytest.raises(KeyboardInterrupt):
        train(experiment, [Interrupter(at=2, to_main_thread=not defer), recorder])
    # was, in about 2 of 5 runs: the signal, taken by another thread and handled just after
    # the handlers were back, interrupted the restore of the mask, leaving SIGINT blocked
    assert not {signal.SIGINT, signal.SIGTERM} & signal.pthread_sigmask(signal.SIG_BLOCK, [])
    if defer:  # the signal waits until every callback has the step
        assert recorder.steps == recorder.history == [0, 1, 2]
    else:  # the failure the hook prevents: step 2 in the history, never seen by the recorder
        assert recorder.history == [0, 1, 2] and recorder.steps == [0, 1]
