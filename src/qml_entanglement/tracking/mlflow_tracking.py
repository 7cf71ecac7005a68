"""The training callback that tracks a run in MLflow: params, tags, per-epoch metrics,
artifacts, and the run's final status (FAILED, with what was logged kept, when training fails).

Built from the ``tracking`` config option (:class:`qml_entanglement.config.runtime.Tracking`);
the training loop only sees a :class:`~qml_entanglement.training.callbacks.Callback`.
"""

from __future__ import annotations

import contextlib
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from omegaconf import DictConfig, OmegaConf

from ..figure_output import FORMATS
from ..training.callbacks import Callback
from . import membership
from .run_identity import (
    config_hash,
    experiment_differences,
    reference_configs,
    run_name,
    run_params,
    run_tags,
)
from .store import ensure_experiment, ensure_store, resolve_tracking_uri
from .ui_links import run_link, view_hint
from .uri import StoreUnavailable, error_summary, preflight, redact
from .writer import signals_deferred, start_writer, wants_writer

if TYPE_CHECKING:
    from ..training.experiment import Experiment
    from ..training.loop import TrainResult
    from .run_logger import RunLogger

SHOWN = ("loss", "train_accuracy", "test_accuracy", "meyer_wallach", "von_neumann_entropy")


class MLflowTracking(Callback):
    """Track one training run of ``config`` in the MLflow store at ``uri``.

    Creating it checks the store (:class:`~qml_entanglement.tracking.uri.StoreUnavailable`
    within seconds, before anything is built). Files that other callbacks write into
    :attr:`artifact_dir` during ``on_train_end`` (``history.csv``, ``plots/``) are logged as
    artifacts, also for a failed run; ``config.yaml``, ``final_parameters.csv``, ``circuit.txt``
    and ``function_evaluations.csv`` only for a finished one. :attr:`summary` holds the run's id,
    status, final metrics and the seconds spent tracking and writing artifacts.
    """

    def __init__(
        self,
        *,
        config: DictConfig,
        overrides: list[str],
        uri: str,
        experiment: str,
        flush_seconds: float,
        writer: str,
        artifacts: bool,
        figure_formats: list[str] | None = None,
        circuit_image: bool | None = None,
    ):
        self.config, self.overrides = config, overrides
        references = reference_configs(config, overrides)
        implied = experiment_differences(config, *references) if references else []
        keys = run_params(config)  # the MLflow run's name:
        self.name = run_name(str(config.run_name), overrides, keys, implied)
        single = membership.sweep_id_of(config) is None
        self.figure_formats = tuple(figure_formats or (FORMATS if single else ("png",)))
        self.circuit_image = single if circuit_image is None else circuit_image
        self.uri = resolve_tracking_uri(uri)
        self.experiment_name, self.flush_seconds = experiment, flush_seconds
        self.writer_mode, self.artifacts = writer, artifacts
        preflight(self.uri)  # an unusable store fails here, in seconds
        self._tmp = tempfile.TemporaryDirectory(prefix="qml-run-")
        self.artifact_dir = Path(self._tmp.name)
        self.run: RunLogger | None = None
        self._closed: RunLogger | None = None  # the run once closed (or failed to set up)
        self._steps: int | None = None  # steps recorded when it closed
        self.experiment: Experiment | None = None
        self.summary: dict[str, Any] = {}
        self.timings = {"tracking": 0.0, "artifacts": 0.0}

    # ------------------------------------------------------------------------------ resume
    def finished_twin(self) -> dict[str, Any] | None:
        """For a sweep job (unless ``force=true``): the summary of an identical FINISHED run
        in the experiment, now also counted in this sweep (status ``SKIPPED``); else None."""
        if not membership.wants_skip_check(self.config):
            return None
        client = ensure_store(self.uri)
        experiment_id = ensure_experiment(client, self.uri, self.experiment_name)
        digest = config_hash(self.config)
        done = membership.find_finished(client, experiment_id, digest)
        if done is None:
            return None
        membership.join_sweep(client, done, membership.sweep_id_of(self.config))
        print(
            f"run {done.info.run_id} already FINISHED with config_hash {digest}: skipped "
            "(force=true trains it again)",
            flush=True,
        )
        return membership.skipped_summary(done, self.uri)

    # --------------------------------------------------------------------------- callbacks
    def on_train_start(self, experiment: Experiment) -> None:
        tic = time.perf_counter()
        self.experiment = experiment
        cfg = self.config
        in_sweep = membership.sweep_id_of(cfg) is not None
        writer = start_writer() if wants_writer(self.writer_mode, in_sweep) else None
        tags = run_tags(
            cfg, self.overrides, experiment.model.tags(), experiment.entanglement_metrics
        )
        params = run_params(cfg)
        path = getattr(experiment.classifier.simulator, "path", None)
        if path is not None:  # which engine path evaluated the ansatz (chosen automatically)
            params["engine_path"] = path
        once = {**experiment.dataset.facts, **experiment.once}
        try:
            self._open_run(tags, params, writer, once)
        finally:
            self.timings["tracking"] += time.perf_counter() - tic

    def _open_run(
        self, tags: dict[str, str], params: dict[str, Any], writer, once: dict[str, float]
    ) -> None:
        """Create the run and log its params: a store that fails meanwhile (a server killed,
        a corrupted database) is :class:`StoreUnavailable` in one line, and a run already
        created is closed (FAILED, or ``interrupted`` by a second Ctrl-C) before it goes on."""
        from .run_logger import RunLogger

        run = None
        try:
            run = RunLogger(
                self.uri,
                self.experiment_name,
                self.name,
                tags,
                flush_seconds=self.flush_seconds,
                writer=writer,
            )
            self.run = run.__enter__()
            self.run.log_params(params)
            if once:
                self.run.log_final(once)
        except BaseException as error:
            self.run, self._closed = None, run
            if run is not None and run.status == "RUNNING":
                with contextlib.suppress(BaseException):
                    run.__exit__(type(error), error, error.__traceback__)
            if isinstance(error, StoreUnavailable) or not isinstance(error, Exception):
                raise
            which = f"run {run.run_id}" if run is not None and run.run_id else "the run"
            raise StoreUnavailable(
                f"tracking store {redact(self.uri)} failed while {which} was being set up "
                f"({error_summary(error)})"
            ) from None

    def on_epoch_end(self, step: int, metrics: dict[str, float]) -> None:
        self.run.log_epoch(step, metrics)

    def reporting(self):
        """Ctrl-C and SIGTERM wait while a step is recorded: in ``history.csv`` and the store
        alike, or in neither (a second Ctrl-C arrives right after)."""
        return signals_deferred()

    def on_train_end(self, result: TrainResult, error: BaseException | None) -> None:
        if self.run is None:
            return
        try:
            tic = time.perf_counter()
            self.run.flush()  # a writer process stores the rest while artifacts are logged
            self.timings["tracking"] += time.perf_counter() - tic
            tic = time.perf_counter()
            if self.artifacts:
                self._log_artifacts(result, finished=error is None)
            self.timings["artifacts"] += time.perf_counter() - tic
        except BaseException as exc:
            error = error or exc
            raise
        finally:
            tic = time.perf_counter()
            info = (type(error), error, error.__traceback__) if error else (None, None, None)
            self._closed, self._steps = self.run, len(result.history)
            try:
                self.run.__exit__(*info)  # final flush and the run's status
            finally:
                self.timings["tracking"] += time.perf_counter() - tic
                self._tmp.cleanup()
        self.summary = {
            "run_id": self.run.run_id,
            "run_name": self.run.run_name,
            "experiment_id": self.run.experiment_id,
            "status": "FINISHED",
            "tracking_uri": self.uri,
            **(result.history[-1] if result.history else {}),
        }

    def interrupt_note(self) -> str:
        """What a Ctrl-C or SIGTERM left: nothing, or the run's id, status, what it kept and
        its link (one line)."""
        run = self._closed or self.run
        if run is None or run.run_id is None:
            return "interrupted before the run was created: nothing was stored"
        link = run_link(self.uri, run.experiment_id, run.run_id)
        if run.status == "FINISHED":  # every step and artifact was stored before the signal
            kept = "FINISHED before the signal, all of it stored"
        else:
            steps = f"its {self._steps} steps" if self._steps is not None else "its params"
            reason = "" if run.offline else " (failure_reason=interrupted)"
            kept = f"{run.status}{reason}, {steps} and artifacts kept"
        return f"interrupted: run {run.run_id} {kept}; view it: {view_hint(self.uri)} {link}"

    # ----------------------------------------------------------------------------- helpers
    def _log_artifacts(self, result: TrainResult, finished: bool) -> None:
        run = self.run
        history = self.artifact_dir / "history.csv"
        if history.exists():
            run.log_artifact(history)
        for plot in sorted((self.artifact_dir / "plots").glob("*")):
            run.log_artifact(plot, "plots")
        if not finished:
            return
        experiment = self.experiment
        run.log_text(redact(OmegaConf.to_yaml(self.config, resolve=True)), "config.yaml")
        names = [p.name for p in experiment.model.ansatz.parameters]
        rows = "".join(f"{n},{float(v)!r}\n" for n, v in zip(names, result.theta, strict=True))
        run.log_text("parameter,value\n" + rows, "final_parameters.csv")
        circuit = experiment.model.feature_map.compose(experiment.model.ansatz)
        run.log_text(str(circuit.draw(output="text", fold=-1)), "circuit.txt")
        if self.circuit_image:
            run.log_artifact(_circuit_svg(circuit, self.artifact_dir / "circuit.svg"))
        evaluations = getattr(experiment.optimizer, "evaluations", None)
        if evaluations:  # every loss evaluation of an optimizer that keeps them
            text = "".join(f"{i},{v!r}\n" for i, v in enumerate(evaluations))
            run.log_text("evaluation,loss\n" + text, "function_evaluations.csv")

    def print_summary(self) -> None:
        """One line with the final metrics and where to see the run (stdout, with the status
        lines: ``> log`` keeps the run's id; errors alone go to stderr)."""
        s = self.summary
        numbers = ", ".join(f"{k}={s[k]:.4f}" for k in (*SHOWN, "negativity") if k in s)
        link = run_link(self.uri, s["experiment_id"], s["run_id"])
        print(
            f"run {s['run_id']} FINISHED: {numbers}\n  view it: {view_hint(self.uri)} {link}",
            flush=True,
        )


def _circuit_svg(circuit, path: Path) -> Path:
    """The circuit drawn by qiskit's matplotlib drawer, as SVG (text as text)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    figure = circuit.draw(output="mpl", fold=-1)
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        figure.savefig(path, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(figure)
    return path
