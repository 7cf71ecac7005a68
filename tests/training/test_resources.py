"""Absurd sizes are refused before anything large is allocated (issue 12, case 10)."""

from __future__ import annotations

import resource
import subprocess
import sys

import psutil
import pytest
from mlflow.tracking import MlflowClient

from qml_entanglement.training.resources import COPIES, estimate_bytes, memory_problem
from tests.conftest import run_train


def test_estimate_counts_states_of_two_to_the_n_amplitudes_and_density_matrices():
    assert estimate_bytes(10, 7) == COPIES * 7 * 16 * 2**10
    assert estimate_bytes(3, 5, mixed=True) == COPIES * 5 * 16 * 4**3


def test_small_runs_fit_and_huge_ones_name_the_estimate_and_the_knobs():
    assert memory_problem(2, 200) is None
    problem = memory_problem(34, 100)
    need = estimate_bytes(34, 100) / 1024**3
    assert need > psutil.virtual_memory().total / 1024**3
    assert problem is not None and f"about {need:.1f} GiB" in problem
    assert "GiB is available" in problem and "dataset.num_features" in problem


@pytest.mark.parametrize("qubits", [24, 30])
def test_a_run_too_large_for_memory_exits_2_before_any_run_exists(qubits, store_uri):
    proc = run_train(
        "dataset=blobs",
        f"dataset.num_features={qubits}",
        "dataset.n_samples=400",
        f"tracking.uri={store_uri}",
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr[-2000:]
    lines = [x for x in proc.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and "GiB is available" in lines[0], proc.stderr
    client = MlflowClient(store_uri)
    experiment = client.get_experiment_by_name("qml-entanglement")
    assert experiment is None or not client.search_runs([experiment.experiment_id])


# ----------------------------------------------------------- generating ad hoc data (issue 27.1)
_TRACED = """
import sys, tracemalloc
from qml_entanglement.data.datasets import load_ad_hoc
kw = dict(gap=0.0, seed=0, sampling_method="hypercube", divisions=10)
load_ad_hoc(num_features=2, training_size=2, test_size=1, **kw)  # imports outside the trace
tracemalloc.start()
load_ad_hoc(num_features=int(sys.argv[1]), training_size=int(sys.argv[2]), test_size=1, **kw)
print(tracemalloc.get_traced_memory()[1])
"""


def test_ad_hoc_estimate_bounds_the_generators_traced_peak():
    """Oracle: tracemalloc's peak of qiskit's generator itself (numpy reports its buffers)."""
    from qml_entanglement.config.memory import ad_hoc_bytes

    proc = subprocess.run(
        [sys.executable, "-c", _TRACED, "6", "19"], capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    peak, estimate = int(proc.stdout.split()[-1]), ad_hoc_bytes(6, 20)
    assert 0.8 * estimate <= peak <= estimate, (peak, estimate)


def test_ad_hoc_at_eight_features_allocates_the_32_gib_hadamard_the_estimate_names():
    """Oracle: numpy's own refusal under an 8 GiB address-space limit names the array."""
    from qml_entanglement.config.memory import GIB, ad_hoc_bytes

    limit = 8 * GIB

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    proc = subprocess.run(
        [sys.executable, "-c", _TRACED, "8", "1"],
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=limited,
    )
    assert proc.returncode != 0 and "Unable to allocate 32.0 GiB" in proc.stderr, proc.stderr
    assert 32 * GIB <= ad_hoc_bytes(8, 2) < 32.1 * GIB


def test_ad_hoc_too_large_to_generate_exits_2_in_one_line_with_nothing_created(tmp_path):
    store = tmp_path / "store" / "mlflow.db"
    proc = run_train(
        "dataset=ad_hoc",
        "dataset.num_features=30",
        "dataset.sampling_method=hypercube",
        "trainer.epochs=2",
        f"tracking.uri=sqlite:///{store}",
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr[-2000:]
    lines = [x for x in proc.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and "generating the ad hoc data needs about" in lines[0], proc.stderr
    assert "use dataset.num_features <= " in lines[0]
    assert not store.parent.exists()
    assert "starting" not in proc.stdout  # refused while validating, before any import


# ------------------------------------------------ the compiled real-block path (issue 28.3)
def _program_bytes(program) -> int:
    arrays = ("phases", "perm", "matrix")
    return sum(
        getattr(op, a).nbytes for op in program.ops for a in arrays if getattr(op, a) is not None
    )


@pytest.mark.parametrize("n", [6, 9])
def test_feature_map_estimate_bounds_the_compiled_feature_maps_arrays(n):
    """Oracle: the arrays of the feature map the engine actually compiled."""
    from qml_entanglement.engine import StatevectorSimulator
    from qml_entanglement.models import build_ansatz, build_feature_map
    from qml_entanglement.training.resources import feature_map_bytes

    feature_map = build_feature_map("zz", n, reps=2)
    compiled = _program_bytes(
        StatevectorSimulator(feature_map, build_ansatz("real_amplitudes", n)).encoder
    )
    assert 0.9 * feature_map_bytes(feature_map) <= compiled <= feature_map_bytes(feature_map)


@pytest.mark.parametrize(
    ("ansatz", "mode"),
    [("real_amplitudes", "auto"), ("efficient_su2", "auto"), ("real_amplitudes", "gate")],
)
def test_the_estimate_takes_the_compiled_path_exactly_when_the_engine_does(ansatz, mode):
    """Oracle: the simulator's own choice of path."""
    from qml_entanglement.engine import StatevectorSimulator
    from qml_entanglement.engine.real_block import NAME, PHASE_NAME
    from qml_entanglement.models import build_ansatz, build_feature_map
    from qml_entanglement.training.resources import lowers_to_real_block

    circuit = build_ansatz(ansatz, 4, reps=2)
    simulator = StatevectorSimulator(build_feature_map("zz", 4), circuit, mode=mode)
    config = {"name": "statevector", "mode": mode}
    assert lowers_to_real_block(config, circuit) == (simulator.path in (NAME, PHASE_NAME))


def test_twenty_qubits_with_500_samples_fit_in_24_gib_on_the_compiled_path_only():
    from qml_entanglement.models import build_feature_map
    from qml_entanglement.training.resources import feature_map_bytes

    program = feature_map_bytes(build_feature_map("zz", 20, reps=2))
    compiled = estimate_bytes(20, 500, compiled=True, held=16, program_bytes=program)
    assert compiled < 24 * 1024**3 < estimate_bytes(20, 500)
    # the encodings of every state dominate, beside one 1 GiB slice of output states (64 of
    # 16 MiB) and the held ones: 16 bytes x 2**20 x (500 + 64 + 16)
    assert compiled - program == 16 * 2**20 * 580


@pytest.mark.parametrize(
    ("probe", "half_cut", "published", "held"),
    [(8, 100, False, 16), (None, 100, False, 500), (None, None, False, 800), (8, 4, True, 412)],
)
def test_the_states_held_for_the_measures_are_counted(
    compose_cfg, probe, half_cut, published, held
):
    """Oracle: what the loop keeps (states of the probe, of every training sample without one),
    the half-cut subset's copy of them, and the published metrics' pass over every training
    sample: 400 training samples of 800 here."""
    from qml_entanglement.config import build
    from qml_entanglement.training.experiment import _compiled_path

    cfg = compose_cfg(
        "dataset=blobs",
        "dataset.n_samples=800",
        "dataset.test_size=0.5",
        f"metrics.probe_size={'null' if probe is None else probe}",
        f"metrics.half_cut_samples={'null' if half_cut is None else half_cut}",
        f"metrics.as_published={str(published).lower()}",
        "loss=cross_entropy",
    )
    dataset, model = build(cfg.dataset), build(cfg.model)
    assert len(dataset.y_train) == 400
    assert _compiled_path(cfg, model, dataset)["held"] == held
