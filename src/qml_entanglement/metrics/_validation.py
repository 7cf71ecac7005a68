"""Input checks shared by the metrics: shapes, qubit indices, normalisation, Hermiticity.

Every public metric converts its input here, so the error messages are the same everywhere.
The checks are vectorised and, for statevectors, fused into the chunked computation
(:func:`check_norms` takes the squared norms the computation produces anyway), so validating
costs no extra pass over the data.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Iterator

import numpy as np

#: Default absolute tolerance for normalisation, unit trace and Hermiticity checks.
DEFAULT_ATOL = 1e-8

#: Bytes of input processed per chunk.  Small enough for the working set of the per-qubit
#: passes (the chunk, its probabilities and their reordered copies) to stay in
#: cache (measured fastest at 2 MiB), large enough to amortise the Python
#: overhead; it also bounds the temporaries, so memory grows only with the output.
CHUNK_BYTES = 2 * 2**20


def _as_numeric_array(values, what: str) -> np.ndarray:
    arr = np.asarray(values)
    if arr.dtype.kind == "c":
        return arr.astype(np.complex128, copy=False)
    if arr.dtype.kind in "fiub":
        return arr.astype(np.float64, copy=False)
    try:
        return arr.astype(np.complex128)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what} must be numeric, got an array of dtype {arr.dtype}") from exc


def num_qubits_of(dim: int, what: str) -> int:
    """Return ``n`` with ``dim == 2**n`` (``n >= 1``) or raise a ``ValueError``."""
    if dim < 2 or dim & (dim - 1):
        raise ValueError(
            f"{what} is {dim}, which is not a power of two >= 2; a register of n qubits has "
            "dimension 2**n"
        )
    return dim.bit_length() - 1


def as_statevectors(states, what: str = "states") -> tuple[np.ndarray, int]:
    """Return ``(array, n_qubits)`` for a batch of statevectors of shape ``(..., 2**n)``.

    Shape and dtype only: normalisation is checked by :func:`check_norms` during the
    computation, from norms the computation produces anyway.
    """
    arr = _as_numeric_array(states, what)
    if arr.ndim == 0:
        raise ValueError(f"{what} must have shape (..., 2**n); got a scalar")
    return arr, num_qubits_of(arr.shape[-1], f"the length of the last axis of {what}")


def as_density_matrices(
    rho, *, atol: float = DEFAULT_ATOL, what: str = "rho"
) -> tuple[np.ndarray, int]:
    """Return ``(array, n_qubits)`` for a batch of density matrices ``(..., 2**n, 2**n)``.

    Checks, vectorised over the batch: finite entries, Hermiticity
    (``max |rho - rho^dagger| <= atol``) and unit trace (``|tr rho - 1| <= atol``).
    Positivity is not checked here (it needs an eigendecomposition).
    """
    check_atol(atol)
    arr = _as_numeric_array(rho, what)
    if arr.ndim < 2 or arr.shape[-1] != arr.shape[-2]:
        raise ValueError(
            f"{what} must have shape (..., 2**n, 2**n) (square matrices); got shape {arr.shape}"
        )
    n = num_qubits_of(arr.shape[-1], f"the matrix dimension of {what}")
    batch_shape = arr.shape[:-2]
    flat = arr.reshape((-1,) + arr.shape[-2:])
    dim = arr.shape[-1]
    for chunk in iter_chunks(flat.shape[0], dim * dim * arr.itemsize):
        block = flat[chunk]
        finite = np.isfinite(block).all(axis=(-2, -1))
        if not finite.all():
            index = _batch_index(chunk.start + int(np.argmin(finite)), batch_shape)
            raise ValueError(f"{what}{index} contains NaN or infinite entries")
        asym = np.abs(block - np.conj(np.swapaxes(block, -1, -2))).max(axis=(-2, -1))
        bad = asym > atol
        if bad.any():
            i = int(np.argmax(bad))
            raise ValueError(
                f"{what}{_batch_index(chunk.start + i, batch_shape)} is not Hermitian: "
                f"max |rho - rho^dagger| = {asym[i]:.3g} > atol={atol:g}"
            )
        trace = np.trace(block, axis1=-2, axis2=-1)
        off = np.abs(trace - 1.0)
        bad = off > atol
        if bad.any():
            i = int(np.argmax(bad))
            raise ValueError(
                f"{what}{_batch_index(chunk.start + i, batch_shape)} does not have unit trace: "
                f"tr rho = {trace[i].real:.12g} (|tr rho - 1| > atol={atol:g}); density "
                "matrices must be normalised"
            )
    return arr, n


def _batch_index(flat_index: int, batch_shape: tuple[int, ...]) -> str:
    """Render the batch position of flat item ``flat_index`` as ``[i, j]`` (empty if unbatched)."""
    if not batch_shape:
        return ""
    return str([int(i) for i in np.unravel_index(flat_index, batch_shape)])


def check_norms(
    norm2: np.ndarray,
    *,
    atol: float,
    start: int,
    batch_shape: tuple[int, ...],
    what: str = "states",
) -> None:
    """Raise if any squared norm is not finite or ``| ||psi|| - 1 | > atol``.

    ``norm2`` holds the squared norms of items ``start, start + 1, ...`` of the flattened
    batch; the message names the offending position in the caller's batch shape.
    """
    finite = np.isfinite(norm2)
    if not finite.all():
        index = _batch_index(start + int(np.argmin(finite)), batch_shape)
        raise ValueError(f"{what}{index} contains NaN or infinite amplitudes")
    off = np.abs(np.sqrt(norm2) - 1.0)
    bad = off > atol
    if bad.any():
        i = int(np.argmax(bad))
        raise ValueError(
            f"{what}{_batch_index(start + i, batch_shape)} is not normalised: "
            f"||psi|| = {math.sqrt(norm2[i]):.12g} (| ||psi|| - 1 | > atol={atol:g}); normalise "
            "the statevectors or pass a larger atol"
        )


def check_atol(atol: float) -> None:
    if not (isinstance(atol, numbers.Real) and atol >= 0 and math.isfinite(atol)):
        raise ValueError(f"atol must be a finite number >= 0, got {atol!r}")


def check_base(base: float) -> float:
    """Return ``ln(base)`` after checking that ``base`` is a valid logarithm base."""
    if not (isinstance(base, numbers.Real) and base > 0 and base != 1 and math.isfinite(base)):
        raise ValueError(f"base must be a finite number > 0 and != 1, got {base!r}")
    return math.log(base)


def qubit_indices(subsystem, n: int, what: str = "subsystem") -> tuple[int, ...]:
    """Return ``subsystem`` (an int or an iterable of ints) as a tuple of qubit indices.

    Raises ``ValueError`` if it is empty, has an index outside ``[0, n)`` or repeats one.
    The order is preserved (it matters for :func:`reduced_density_matrix`).
    """
    if isinstance(subsystem, numbers.Integral) and not isinstance(subsystem, bool):
        items = [subsystem]
    elif isinstance(subsystem, Iterable) and not isinstance(subsystem, str | bytes):
        items = list(subsystem)
    else:
        raise ValueError(
            f"{what} must be a qubit index or a sequence of qubit indices, got {subsystem!r}"
        )
    for q in items:
        if isinstance(q, bool) or not isinstance(q, numbers.Integral):
            raise ValueError(f"{what} must contain integer qubit indices, got {q!r}")
    qubits = tuple(int(q) for q in items)
    if not qubits:
        raise ValueError(f"{what} is empty; name at least one qubit in [0, {n})")
    bad = [q for q in qubits if not 0 <= q < n]
    if bad:
        raise ValueError(
            f"{what} {list(qubits)} has qubit indices {bad} out of range for {n} qubits "
            f"(allowed: 0..{n - 1})"
        )
    if len(set(qubits)) != len(qubits):
        repeated = sorted({q for q in qubits if qubits.count(q) > 1})
        raise ValueError(f"{what} {list(qubits)} repeats qubit indices {repeated}")
    return qubits


def iter_chunks(n_items: int, item_bytes: int, target_bytes: int | None = None) -> Iterator[slice]:
    """Yield slices covering ``range(n_items)`` with about ``target_bytes`` (default
    :data:`CHUNK_BYTES`) of input each."""
    size = max(1, (target_bytes or CHUNK_BYTES) // max(1, item_bytes))
    for start in range(0, n_items, size):
        yield slice(start, min(start + size, n_items))


def as_rng(seed) -> np.random.Generator:
    """``numpy.random.default_rng(seed)``: accepts ``None``, an int or a ``Generator``."""
    return np.random.default_rng(seed)
