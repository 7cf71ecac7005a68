"""Reduced density matrices of batches of pure states, and the chunked kernels behind them.

Conventions used throughout :mod:`qml_entanglement.metrics`:

* a batch of statevectors has shape ``(..., 2**n)``; every metric returns shape ``(...)``;
* qubit ``k`` is bit ``k`` of the basis index (qiskit's little-endian order: qubit 0 is the
  least significant bit), so ``|q_{n-1} ... q_1 q_0>`` is basis state ``sum_k q_k 2**k``;
* states are checked to be normalised (to ``atol``) and then renormalised, so every reduced
  state has unit trace exactly.

The batch is processed in chunks of a few MiB, so memory beyond the input and the output is
bounded whatever the batch size, and there is no Python loop over states (only over chunks and
qubits).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ._validation import (
    DEFAULT_ATOL,
    as_statevectors,
    check_atol,
    check_norms,
    iter_chunks,
    qubit_indices,
)

__all__ = ["reduced_density_matrix", "single_qubit_purities"]


def map_statevector_chunks(
    arr: np.ndarray,
    kernel: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]],
    tail: tuple[int, ...],
    dtype: np.dtype | type,
    *,
    atol: float,
) -> np.ndarray:
    """Apply ``kernel`` chunk by chunk over a validated batch ``arr`` of shape ``(..., 2**n)``.

    ``kernel(block)`` takes ``(b, 2**n)`` and returns ``(values, norm2)`` with ``values`` of
    shape ``(b, *tail)`` and ``norm2`` the squared norms of the ``b`` states, which are checked
    here (so validation costs no extra pass).  Returns shape ``(..., *tail)``.
    """
    check_atol(atol)
    batch_shape = arr.shape[:-1]
    flat = arr.reshape(-1, arr.shape[-1])
    out = np.empty((flat.shape[0], *tail), dtype=dtype)
    for chunk in iter_chunks(flat.shape[0], flat.shape[1] * flat.itemsize):
        with np.errstate(invalid="ignore", divide="ignore"):  # bad norms are reported below
            values, norm2 = kernel(flat[chunk])
        try:
            check_norms(norm2, atol=atol, start=chunk.start, batch_shape=batch_shape)
        except ValueError as exc:
            if arr.ndim >= 2 and arr.shape[-1] == arr.shape[-2]:
                raise ValueError(
                    f"{exc}. This function takes statevectors (..., 2**n); for density "
                    "matrices use purity, mixed_state_entropy, negativity or log_negativity"
                ) from None
            raise
        out[chunk] = values
    return out.reshape(batch_shape + tail)


def scalar_or_array(values: np.ndarray):
    """Return a NumPy scalar for a 0-d result (an unbatched input), else the array."""
    return values[()] if values.ndim == 0 else values


def _squared_moduli(block: np.ndarray) -> np.ndarray:
    if np.iscomplexobj(block):
        return block.real**2 + block.imag**2
    return block * block


# Tuning of the single-qubit kernel (measured on 2**2 .. 2**16 amplitudes per state):
_SWAP_FROM = 4  # from this many qubits on, read the low qubits from a reordered copy
_SWAP_BITS = 4  # how many low qubits that copy moves to the top
_MIN_RUN = 8  # below this stretch length, dot products run on contiguous copies
_MAX_RUN = 4096  # above it, dot products are split into pieces (long strided vecdots stall)


def single_qubit_blocks(
    block: np.ndarray, n: int, qubits: Sequence[int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unnormalised single-qubit reduced states of a chunk ``(b, 2**n)`` of statevectors.

    Returns ``(norm2, rho00, rho01)`` with shapes ``(b,)``, ``(b, len(qubits))``,
    ``(b, len(qubits))``: for qubit ``k``, ``rho_k = [[rho00, rho01], [conj(rho01),
    norm2 - rho00]]`` (divide by ``norm2`` to normalise).

    Viewing the state as ``(b, 2**(n-1-k), 2, 2**k)`` puts qubit ``k`` on axis 2, so
    ``rho00 = sum |psi[:, :, 0, :]|**2`` and ``rho01 = sum psi[:, :, 0, :] conj(psi[:, :, 1, :])``:
    one pass over the data per qubit, for all states of the chunk at once.  The sums run over
    contiguous stretches of ``2**k`` amplitudes, which are short for the low qubits; those are
    therefore read from a copy in which the lowest ``_SWAP_BITS`` qubits are moved to the top
    (qubit ``k`` at position ``k + n - _SWAP_BITS``).
    """
    b = block.shape[0]
    probs = _squared_moduli(block)
    norm2 = probs.sum(axis=1)
    half = min(n // 2, _SWAP_BITS) if n >= _SWAP_FROM else 0
    if any(k < half for k in qubits):

        def swap_halves(x):
            return x.reshape(b, 2 ** (n - half), 2**half).transpose(0, 2, 1).reshape(b, -1)

        swapped_block, swapped_probs = swap_halves(block), swap_halves(probs)
    rho00 = np.empty((b, len(qubits)))
    rho01 = np.empty((b, len(qubits)), dtype=block.dtype)
    for j, k in enumerate(qubits):
        amps, weights, pos = block, probs, k
        if k < half:
            amps, weights, pos = swapped_block, swapped_probs, k + n - half
        shape = (b, 2 ** (n - 1 - pos), 2, 2**pos)
        rho00[:, j] = weights.reshape(shape)[:, :, 0, :].sum(axis=(1, 2))
        upper, lower = amps.reshape(shape)[:, :, 0, :], amps.reshape(shape)[:, :, 1, :]
        if 2**pos < _MIN_RUN:  # short stretches: one long dot product of contiguous copies
            upper = np.ascontiguousarray(upper).reshape(b, -1)
            lower = np.ascontiguousarray(lower).reshape(b, -1)
            rho01[:, j] = np.vecdot(lower, upper)  # vecdot conjugates its first argument
        else:  # dot products over stretches of at most _MAX_RUN amplitudes
            run = min(2**pos, _MAX_RUN)
            pieces = (b, 2 ** (n - 1 - pos), -1, run)  # views: no copies
            dots = np.vecdot(lower.reshape(pieces), upper.reshape(pieces))
            rho01[:, j] = dots.sum(axis=(1, 2))
    return norm2, rho00, rho01


def single_qubit_purity_kernel(n: int, qubits: Sequence[int]):
    """Kernel for :func:`map_statevector_chunks`: ``Tr rho_k**2`` for each ``k`` in ``qubits``."""

    def kernel(block: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        norm2, rho00, rho01 = single_qubit_blocks(block, n, qubits)
        scale = norm2[:, None]
        p0 = rho00 / scale
        purities = p0**2 + (1.0 - p0) ** 2 + 2.0 * np.abs(rho01 / scale) ** 2
        return purities, norm2

    return kernel


def reduced_kernel(n: int, keep: Sequence[int]):
    """Kernel for :func:`map_statevector_chunks`: normalised reduced states on ``keep``."""
    keep_axes = [n - q for q in reversed(keep)]  # axis of qubit q in (b, 2, ..., 2) is n - q
    rest_axes = [ax for ax in range(1, n + 1) if ax not in keep_axes]
    perm = [0, *keep_axes, *rest_axes]
    dim_keep = 2 ** len(keep)

    def kernel(block: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        b = block.shape[0]
        mat = block.reshape((b,) + (2,) * n).transpose(perm).reshape(b, dim_keep, -1)
        rho = mat @ np.conj(mat).swapaxes(-1, -2)
        norm2 = np.trace(rho, axis1=-2, axis2=-1).real
        rho /= norm2[:, None, None]
        return rho, norm2

    return kernel


def reduced_density_matrix(states, keep, *, atol: float = DEFAULT_ATOL) -> np.ndarray:
    r"""Reduced density matrices of pure states on the qubits in ``keep``.

    Parameters
    ----------
    states : array_like, shape (..., 2**n)
        Batch of normalised statevectors (qiskit little-endian: qubit 0 is the least
        significant bit of the basis index).
    keep : int or sequence of int
        Qubits to keep, all others are traced out.  The order is the qubit order of the
        result: ``keep[0]`` becomes qubit 0 (least significant) of the reduced register,
        ``keep[1]`` qubit 1, and so on.  Sorted ``keep`` gives the same matrix as
        ``qiskit.quantum_info.partial_trace`` tracing out the complement.
    atol : float, optional
        Tolerance of the normalisation check, ``| ||psi|| - 1 | <= atol``.

    Returns
    -------
    numpy.ndarray, shape (..., 2**m, 2**m)
        :math:`\rho_K = \mathrm{Tr}_{\bar K} |\psi\rangle\langle\psi|` with ``m = len(keep)``,
        computed from the renormalised state (unit trace).

    Raises
    ------
    ValueError
        If the last axis is not a power of two, ``keep`` is empty, out of range or repeats a
        qubit, or a state is not normalised or contains NaN.

    Notes
    -----
    Writing the state as a matrix :math:`M_{k,r}` with row index :math:`k` over the kept qubits
    and column index :math:`r` over the traced ones, :math:`\rho_K = M M^\dagger`.  The batch is
    handled in chunks by one batched matrix product, with no loop over states.

    Examples
    --------
    >>> import numpy as np
    >>> bell = np.array([1, 0, 0, 1]) / np.sqrt(2)
    >>> reduced_density_matrix(bell, [0]).real
    array([[0.5, 0. ],
           [0. , 0.5]])
    >>> plus0 = np.array([1, 1, 0, 0]) / np.sqrt(2)  # qubit 0 in |+>, qubit 1 in |0>
    >>> reduced_density_matrix(plus0, [1]).real
    array([[1., 0.],
           [0., 0.]])
    """
    arr, n = as_statevectors(states)
    keep = qubit_indices(keep, n, "keep")
    dim = 2 ** len(keep)
    dtype = np.result_type(arr.dtype, np.float64)
    return map_statevector_chunks(arr, reduced_kernel(n, keep), (dim, dim), dtype, atol=atol)


def single_qubit_purities(states, *, atol: float = DEFAULT_ATOL) -> np.ndarray:
    r"""Purity :math:`\mathrm{Tr}\,\rho_k^2` of every single-qubit reduced state.

    Parameters
    ----------
    states : array_like, shape (..., 2**n)
        Batch of normalised statevectors (qiskit little-endian qubit order).
    atol : float, optional
        Tolerance of the normalisation check.

    Returns
    -------
    numpy.ndarray, shape (..., n)
        Entry ``[..., k]`` is the purity of qubit ``k``, in ``[1/2, 1]``: 1 for a qubit
        unentangled with the rest, 1/2 for a maximally entangled one.

    Notes
    -----
    With :math:`\rho_k = \begin{pmatrix} a & b \\ b^* & 1-a \end{pmatrix}`,
    :math:`\mathrm{Tr}\,\rho_k^2 = a^2 + (1-a)^2 + 2|b|^2`.  All ``n`` reduced states come from
    one chunked pass (see :func:`single_qubit_measures` for the metrics built on it).

    Examples
    --------
    >>> import numpy as np
    >>> ghz3 = np.zeros(8); ghz3[[0, 7]] = 1 / np.sqrt(2)
    >>> single_qubit_purities(ghz3)
    array([0.5, 0.5, 0.5])
    """
    arr, n = as_statevectors(states)
    kernel = single_qubit_purity_kernel(n, range(n))
    return map_statevector_chunks(arr, kernel, (n,), np.float64, atol=atol)
