"""How much memory a run needs, checked before anything large is allocated.

The exact engine holds every sample's state, ``2**n`` complex128 amplitudes (16 bytes each),
several times over: the feature-map encodings of the training and test sets, the output states,
and the adjoint gradient's working copies. Measured peak resident memory above the interpreter's
baseline (ZZ reps 1 + RealAmplitudes reps 1, full batch): 14 copies of all samples' states at
n = 14 (275 MB for 80 samples) and 15 at n = 16 (1.19 GB); the estimate uses 16. Noisy
simulation (``simulator=aer`` with noise) holds density matrices, ``4**n`` entries per sample.
"""

from __future__ import annotations

import psutil

COPIES = 16
GIB = 1024**3


def estimate_bytes(num_qubits: int, num_samples: int, mixed: bool = False) -> int:
    """Peak bytes for *num_samples* states (training + test) of *num_qubits* qubits."""
    per_state = 16 * (4**num_qubits if mixed else 2**num_qubits)
    return COPIES * per_state * max(num_samples, 1)


def memory_problem(num_qubits: int, num_samples: int, mixed: bool = False) -> str | None:
    """Why a run of this size cannot fit in the memory available now, or None."""
    need = estimate_bytes(num_qubits, num_samples, mixed)
    available = psutil.virtual_memory().available
    if need <= 0.9 * available:
        return None
    kind = f"density matrices of 4^{num_qubits}" if mixed else f"states of 2^{num_qubits}"
    return (
        f"{num_qubits} qubits x {num_samples} samples needs about {need / GIB:.1f} GiB "
        f"({COPIES} copies of {num_samples} {kind} complex numbers x 16 bytes) "
        f"but {available / GIB:.1f} GiB is available: use fewer qubits "
        "(dataset.num_features) or fewer samples (dataset.training_size / n_samples / "
        "test_size)"
    )
