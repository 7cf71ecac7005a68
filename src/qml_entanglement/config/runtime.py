"""Simulator (``simulator=<name>``), metrics, and tracking (``tracking=<name>``) options."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from omegaconf import SI, OmegaConf

from ..figure_output import FORMATS
from ..project_root import default_store_uri
from .fields import ConfigError, setting
from .store import option
from .uris import uri_problem

MAX_EXPERIMENT_NAME = 256  # MLflow's column width for experiment names
MAX_SCRAMBLING_QUBITS = 6  # metrics.scrambling: the Choi state of n qubits has 2n
# ``${qml.default_store:}``: sqlite:///<project root>/mlruns/mlflow.db
OmegaConf.register_new_resolver("qml.default_store", default_store_uri, replace=True)


# -------------------------------------------------------------------------------- simulators
@option("simulator", "statevector")
@dataclass
class Statevector:
    """Exact batched statevector engine with adjoint gradients
    (:class:`qml_entanglement.engine.StatevectorSimulator`)."""

    _target_: str = "qml_entanglement.engine.StatevectorSimulator"
    _partial_: bool = True
    name: str = "statevector"
    # unitary while 2**n < batch size (< 2x batch for real blocks)
    mode: str = setting("auto", choices=("auto", "gate", "unitary"))


@dataclass
class Noise:
    depolarizing: float = setting(0.0, ge=0.0, le=1.0)  # per gate (2-qubit gates: same value)
    readout_error: float = setting(0.0, ge=0.0, le=0.5)  # symmetric bit flip at measurement


@option("simulator", "aer")
@dataclass
class Aer:
    """qiskit-aer: exact (``shots: null``) or sampled probabilities, optional noise
    (:class:`qml_entanglement.engine.aer.AerSimulatorEngine`)."""

    _target_: str = "qml_entanglement.engine.aer.AerSimulatorEngine"
    _partial_: bool = True
    name: str = "aer"
    shots: int | None = setting(None, gt=0)
    noise: Noise = setting(factory=Noise)
    seed: int | None = SI("${seed}")


# ----------------------------------------------------------------------------------- metrics
@option("metrics", "default")
@dataclass
class Metrics:
    """What is measured per step: ``measures`` lists the measures (each ``_target_`` a factory,
    :mod:`qml_entanglement.training.measures`; conf/metrics/default.yaml lists the built-in
    ones), the other fields are the settings the built-in measures read."""

    measures: dict[str, Any] = setting(factory=dict)

    probe_size: int | None = setting(None, ge=1)  # null = every training sample
    entangling_power_samples: int | None = setting(None, ge=1)  # also the block's power
    # true: also the write-up's own quantities as published_* metrics (artefacts, not evidence)
    as_published: bool = False
    # the half-cut entropy (an eigendecomposition per state) on this many of the measured
    # states, the same seeded ones every epoch; null = all of them
    half_cut_samples: int | None = setting(100, ge=1)
    # randomized: also Meyer-Wallach and half-cut Renyi-2 estimated from simulated randomized
    # measurements (unitaries x shots per state), with standard errors, next to the exact values
    estimator: str = setting("exact", choices=("exact", "randomized"))
    unitaries: int = setting(50, ge=2)  # random local unitaries per state (randomized)
    shots: int = setting(100, ge=2)  # shots per unitary (randomized)
    # true: the tripartite information I3 of the trained block and of the model (n <= 6)
    scrambling: bool = False
    scrambling_points: int = setting(4, ge=1)  # data points the model's I3 is averaged over
    # N: once per run, the variance of each partial derivative over N random initialisations
    barren_plateau_samples: int | None = setting(None, ge=3)

    def check(self, cfg) -> None:
        if self.scrambling and cfg.model.num_qubits > MAX_SCRAMBLING_QUBITS:
            raise ConfigError(
                f"metrics.scrambling=true needs model.num_qubits <= {MAX_SCRAMBLING_QUBITS} (the "
                f"Choi state of an n-qubit circuit has 2n qubits), got {cfg.model.num_qubits}"
            )
        if not self.as_published:
            return
        if cfg.simulator.name != "statevector":
            raise ConfigError(
                f"metrics.as_published=true needs simulator=statevector (the write-up's exact "
                f"states), got simulator={cfg.simulator.name!r}"
            )
        if cfg.model.num_qubits != 2:
            raise ConfigError(
                f"metrics.as_published=true needs model.num_qubits=2 (the write-up's point "
                f"x = [0.5, 0.9]), got {cfg.model.num_qubits}"
            )
        if cfg.dataset.num_features and cfg.optimizer.name not in ("adam", "fd_adam"):
            raise ConfigError(
                f"metrics.as_published=true needs optimizer adam or fd_adam (the write-up "
                f"evaluates ADAM's first moment), got optimizer={cfg.optimizer.name!r}"
            )


# ---------------------------------------------------------------------------------- tracking
@option("tracking", "local")
@dataclass
class Tracking:
    """Where and how a run is tracked: the embedded sqlite store unless MLFLOW_TRACKING_URI.

    Builds the run's tracking callback
    (:class:`qml_entanglement.tracking.mlflow_tracking.MLflowTracking`).
    """

    _target_: str = "qml_entanglement.tracking.mlflow_tracking.MLflowTracking"
    _partial_: bool = True
    # the project's store whatever the current directory (project_root.py)
    uri: str = SI("${oc.env:MLFLOW_TRACKING_URI,${qml.default_store:}}")
    experiment: str = "qml-entanglement"
    flush_seconds: float = setting(5.0, ge=0.0)  # how often buffered metrics are stored
    # process: a background writer process; inline: this process; auto: process for a single
    # run, inline in sweeps
    writer: str = setting("auto", choices=("auto", "process", "inline"))
    artifacts: bool = True
    # per-run figures: null = png, svg and pdf for a single run, png alone in a sweep (about
    # 1 s less per run; the sweep's comparison report has every format)
    figure_formats: list[str] | None = None
    # the circuit drawn with qiskit's matplotlib drawer as circuit.svg (single runs; sweeps too
    # when true; null = single runs only)
    circuit_image: bool | None = None

    def check(self, cfg) -> None:
        for fmt in self.figure_formats or ():
            if fmt not in FORMATS:
                raise ConfigError(
                    f"tracking.figure_formats={list(self.figure_formats)} is not allowed; "
                    f"choose from: {', '.join(FORMATS)}"
                )
        problem = uri_problem(str(self.uri)) if self.uri else None
        if problem:
            raise ConfigError(f"tracking.uri: {problem}")
        name = self.experiment
        if not name.strip() or len(name) > MAX_EXPERIMENT_NAME:
            shown = name if len(name) <= 40 else f"{name[:40]}... ({len(name)} characters)"
            raise ConfigError(
                f"tracking.experiment={shown!r} is not allowed; give a name of 1 to "
                f"{MAX_EXPERIMENT_NAME} characters"
            )


@option("tracking", "server")
@dataclass
class TrackingServer(Tracking):
    """A shared MLflow tracking server: $MLFLOW_TRACKING_URI, else http://127.0.0.1:5000."""

    uri: str = SI("${oc.env:MLFLOW_TRACKING_URI,http://127.0.0.1:5000}")
