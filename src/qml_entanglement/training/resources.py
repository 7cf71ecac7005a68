"""How much memory a run needs, checked before anything large is allocated.

The NumPy engine holds every sample's state, ``2**n`` complex128 amplitudes (16 bytes each),
several times over: the feature-map encodings of the training and test sets, the output states,
and the adjoint gradient's working copies. Measured peak resident memory above the interpreter's
baseline (ZZ reps 1 + RealAmplitudes reps 1, full batch): 14 copies of all samples' states at
n = 14 (275 MB for 80 samples) and 15 at n = 16 (1.19 GB); the estimate uses 16 (:data:`COPIES`).

The compiled real-block path (:mod:`qml_entanglement.engine.real_block`, chosen when the
statevector engine runs in ``auto`` mode and the ansatz lowers to RY + fixed permutations)
works on cache-sized chunks and holds the encodings of all samples once and the output states of
one slice of an evaluated set (the whole set while its states fit in 1 GiB,
:func:`~qml_entanglement.engine.real_block.slice_width`); beside them, the states kept out of
the batch for the measures (``held``: the probed samples', every training sample's when
``metrics.probe_size`` is null, a copy of the half-cut subset, every training sample's again
for ``metrics.as_published``) and the compiled feature map, whose fused diagonal runs keep one
``2**n`` float64 generator per parametric gate (:func:`feature_map_bytes`). Noisy
simulation (``simulator=aer`` with noise) holds density matrices, ``4**n`` entries per sample.
"""

from __future__ import annotations

import psutil
from qiskit.circuit import QuantumCircuit

from ..engine.real_block import slice_width

COPIES = 16
GIB = 1024**3
# RY, fixed real gates and permutations: what the real-block lowering accepts (by name); RZ and
# P only with a parameter (a fixed one is a complex diagonal, which the lowering refuses)
LOWERED_GATES = frozenset({"ry", "cx", "cz", "swap", "x", "z", "h", "barrier"})
LOWERED_PHASES = frozenset({"rz", "p"})


def lowers_to_real_block(simulator_cfg, ansatz: QuantumCircuit) -> bool:
    """Whether the run will take the compiled real-block path: the statevector engine in
    ``auto`` mode and an ansatz of :data:`LOWERED_GATES` alone (judged by gate names, without
    compiling: a composite gate counts as not lowered, so the estimate errs high)."""
    if simulator_cfg.get("name") != "statevector" or simulator_cfg.get("mode") != "auto":
        return False
    return all(_lowered(item.operation) for item in ansatz.data)


def _lowered(operation) -> bool:
    name = operation.name
    return name in LOWERED_GATES or (name in LOWERED_PHASES and operation.is_parameterized())


def feature_map_bytes(feature_map: QuantumCircuit) -> int:
    """Bytes of the compiled feature map: a ``2**n`` float64 generator for each parametric
    gate (fused diagonal runs keep them all) and three ``2**n`` vectors per gate otherwise
    (at most: a permutation and its phases), for the gates as the circuit lists them."""
    size = 2**feature_map.num_qubits
    parametric = sum(1 for item in feature_map.data if item.operation.is_parameterized())
    return 8 * size * parametric + 3 * 16 * size


def estimate_bytes(
    num_qubits: int,
    num_samples: int,
    mixed: bool = False,
    *,
    compiled: bool = False,
    held: int = 0,
    program_bytes: int = 0,
) -> int:
    """Peak bytes for *num_samples* states (training + test) of *num_qubits* qubits: the
    NumPy engine's :data:`COPIES` of them, or on the compiled path one copy of them, one
    slice of output states (at most all of them), the *held* states kept for the measures
    and the compiled feature map's *program_bytes*."""
    per_state = 16 * (4**num_qubits if mixed else 2**num_qubits)
    samples = max(num_samples, 1)
    if not compiled:
        return COPIES * per_state * samples
    states = samples + slice_width(samples, num_qubits) + held
    return per_state * states + program_bytes


def memory_problem(
    num_qubits: int, num_samples: int, mixed: bool = False, **compiled_path
) -> str | None:
    """Why a run of this size cannot fit in the memory available now, or None;
    *compiled_path* as :func:`estimate_bytes`'s keywords."""
    need = estimate_bytes(num_qubits, num_samples, mixed, **compiled_path)
    available = psutil.virtual_memory().available
    if need <= 0.9 * available:
        return None
    kind = f"density matrices of 4^{num_qubits}" if mixed else f"states of 2^{num_qubits}"
    if compiled_path.get("compiled"):
        what = (
            f"the compiled path's encodings of {num_samples} {kind} complex numbers, a slice "
            f"of output states, the measured subset and the compiled feature map"
        )
    else:
        what = f"{COPIES} copies of {num_samples} {kind} complex numbers x 16 bytes"
    return (
        f"{num_qubits} qubits x {num_samples} samples needs about {need / GIB:.1f} GiB "
        f"({what}) but {available / GIB:.1f} GiB is available: use fewer qubits "
        "(dataset.num_features) or fewer samples (dataset.training_size / n_samples / "
        "test_size)"
    )
