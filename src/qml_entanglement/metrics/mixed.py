"""Measures of density matrices: mixedness (purity, entropy) and entanglement (negativity).

For noisy simulations, where states are density matrices of shape ``(..., 2**n, 2**n)``.
Inputs are checked to be Hermitian with unit trace (to ``atol``); qubit order is qiskit's
little-endian one (qubit 0 is the least significant bit of the basis index).
"""

from __future__ import annotations

import numpy as np

from ._validation import (
    DEFAULT_ATOL,
    as_density_matrices,
    check_base,
    iter_chunks,
    qubit_indices,
)
from .entropy import entropy_of_spectrum
from .reduced_states import scalar_or_array

__all__ = ["log_negativity", "mixed_state_entropy", "negativity", "partial_transpose", "purity"]


def _map_density_chunks(rho: np.ndarray, func) -> np.ndarray:
    """Apply ``func`` to chunks ``(b, d, d)`` of a validated batch; ``func`` returns ``(b,)``."""
    flat = rho.reshape((-1,) + rho.shape[-2:])
    out = np.empty(flat.shape[0])
    item_bytes = flat.shape[-1] ** 2 * flat.itemsize
    for chunk in iter_chunks(flat.shape[0], item_bytes):
        out[chunk] = func(flat[chunk])
    return scalar_or_array(out.reshape(rho.shape[:-2]))


def _normalised(block: np.ndarray) -> np.ndarray:
    return block / np.trace(block, axis1=-2, axis2=-1).real[:, None, None]


def purity(rho, *, atol: float = DEFAULT_ATOL):
    r"""Purity :math:`\mathrm{Tr}\,\rho^2` of density matrices.

    Parameters
    ----------
    rho : array_like, shape (..., 2**n, 2**n)
        Batch of density matrices (Hermitian, unit trace).
    atol : float, optional
        Tolerance of the Hermiticity and unit-trace checks.

    Returns
    -------
    numpy.ndarray or numpy.float64, shape (...)
        In ``[2**-n, 1]``: 1 for pure states, ``2**-n`` for the maximally mixed state.

    Notes
    -----
    .. math:: \gamma(\rho) = \mathrm{Tr}\,\rho^2 = \sum_{ij} |\rho_{ij}|^2
              \quad (\rho = \rho^\dagger) .

    Examples
    --------
    >>> import numpy as np
    >>> float(purity(np.eye(4) / 4))
    0.25
    """
    arr, _ = as_density_matrices(rho, atol=atol)
    return _map_density_chunks(arr, lambda b: (np.abs(_normalised(b)) ** 2).sum(axis=(-2, -1)))


def mixed_state_entropy(rho, base: float = 2, *, atol: float = DEFAULT_ATOL):
    r"""Von Neumann entropy :math:`S(\rho) = -\mathrm{Tr}\,\rho \log_b \rho` of density matrices.

    The measure of mixedness of the whole register (0 for pure states), e.g. how much a noisy
    simulation has decohered.

    Parameters
    ----------
    rho : array_like, shape (..., 2**n, 2**n)
        Batch of density matrices (Hermitian, unit trace).
    base : float, optional
        Logarithm base; 2 (bits) by default, so the value lies in ``[0, n]``.
    atol : float, optional
        Tolerance of the Hermiticity and unit-trace checks, and of positivity: an eigenvalue
        below ``-atol`` raises ``ValueError``.

    Returns
    -------
    numpy.ndarray or numpy.float64, shape (...)

    Notes
    -----
    .. math:: S(\rho) = -\sum_i \lambda_i \log_b \lambda_i

    over the eigenvalues of :math:`\rho` (round-off negatives counted as 0).  Agrees with
    ``qiskit.quantum_info.entropy``.

    References
    ----------
    .. [1] J. von Neumann, *Mathematische Grundlagen der Quantenmechanik*, Springer (1932);
           M. A. Nielsen and I. L. Chuang, *Quantum Computation and Quantum Information*,
           section 11.3.

    Examples
    --------
    >>> import numpy as np
    >>> float(mixed_state_entropy(np.eye(8) / 8))
    3.0
    """
    ln_base = check_base(base)
    arr, _ = as_density_matrices(rho, atol=atol)

    def chunk_entropy(block):
        eigenvalues = np.linalg.eigvalsh(_normalised(block))
        lowest = eigenvalues[:, 0]
        if (lowest < -atol).any():
            i = int(np.argmin(lowest))
            raise ValueError(
                f"rho is not positive semidefinite: eigenvalue {lowest[i]:.3g} < -atol={atol:g}"
            )
        return entropy_of_spectrum(eigenvalues, ln_base)

    return _map_density_chunks(arr, chunk_entropy)


def partial_transpose(rho, subsystem, *, atol: float = DEFAULT_ATOL) -> np.ndarray:
    r"""Partial transpose :math:`\rho^{T_A}` of density matrices on the qubits ``subsystem``.

    Parameters
    ----------
    rho : array_like, shape (..., 2**n, 2**n)
        Batch of density matrices (Hermitian, unit trace; qiskit little-endian qubit order).
    subsystem : int or sequence of int
        Qubits :math:`A` whose row and column indices are exchanged.
    atol : float, optional
        Tolerance of the Hermiticity and unit-trace checks.

    Returns
    -------
    numpy.ndarray, shape (..., 2**n, 2**n)
        :math:`\langle i_A i_B|\rho^{T_A}|j_A j_B\rangle
        = \langle j_A i_B|\rho|i_A j_B\rangle`.

    Examples
    --------
    >>> import numpy as np
    >>> bell = np.array([1, 0, 0, 1]) / np.sqrt(2)
    >>> np.linalg.eigvalsh(partial_transpose(np.outer(bell, bell), [0]))
    array([-0.5,  0.5,  0.5,  0.5])
    """
    arr, n = as_density_matrices(rho, atol=atol)
    return _partial_transpose(arr, n, qubit_indices(subsystem, n))


def _partial_transpose(rho: np.ndarray, n: int, qubits) -> np.ndarray:
    batch = rho.shape[:-2]
    nb = len(batch)
    tensor = rho.reshape(batch + (2,) * (2 * n))
    axes = list(range(tensor.ndim))
    for q in qubits:
        row, col = nb + (n - 1 - q), nb + n + (n - 1 - q)
        axes[row], axes[col] = axes[col], axes[row]
    return tensor.transpose(axes).reshape(rho.shape)


def _half_cut(subsystem, n: int) -> tuple[int, ...]:
    if subsystem is not None:
        return qubit_indices(subsystem, n)
    if n < 2:
        raise ValueError("negativity needs at least 2 qubits for the default half cut; got 1")
    return tuple(range(n // 2))


def _trace_norm_excess(rho: np.ndarray, n: int, qubits) -> np.ndarray:
    """``(||rho^T_A||_1 - 1) / 2 = -sum of the negative eigenvalues of rho^T_A``."""

    def chunk_negativity(block):
        eigenvalues = np.linalg.eigvalsh(_partial_transpose(_normalised(block), n, qubits))
        return np.clip(-eigenvalues, 0.0, None).sum(axis=-1)

    return _map_density_chunks(rho, chunk_negativity)


def negativity(rho, subsystem=None, *, atol: float = DEFAULT_ATOL):
    r"""Negativity of density matrices across the cut ``subsystem`` | rest.

    Parameters
    ----------
    rho : array_like, shape (..., 2**n, 2**n)
        Batch of density matrices (Hermitian, unit trace; qiskit little-endian qubit order).
        A pure state ``psi`` can be passed as ``np.einsum('...i,...j->...ij', psi,
        psi.conj())``.
    subsystem : int or sequence of int, optional
        Qubits :math:`A` on one side of the cut.  Default: qubits ``0 .. n//2 - 1`` (the half
        cut, as in :func:`bipartite_entropy`).
    atol : float, optional
        Tolerance of the Hermiticity and unit-trace checks.

    Returns
    -------
    numpy.ndarray or numpy.float64, shape (...)
        :math:`\mathcal N \ge 0`; positive only for entangled states (0 for all separable
        states, and for PPT-entangled ones).  A Bell pair has :math:`\mathcal N = 1/2`.  No
        logarithm is involved.

    Notes
    -----
    .. math:: \mathcal N(\rho) = \frac{\|\rho^{T_A}\|_1 - 1}{2}
              = \sum_{\lambda_i < 0} |\lambda_i(\rho^{T_A})| ,

    with :math:`\rho^{T_A}` the partial transpose on :math:`A` (see
    :func:`partial_transpose`).  Symmetric under exchanging :math:`A` and its complement.
    For the two-qubit Werner state :math:`p|\Phi^+\rangle\langle\Phi^+| + (1-p) I/4`,
    :math:`\mathcal N = \max(0, (3p-1)/4)`.

    References
    ----------
    .. [1] G. Vidal and R. F. Werner, "Computable measure of entanglement",
           Phys. Rev. A 65, 032314 (2002).

    Examples
    --------
    >>> import numpy as np
    >>> bell = np.array([1, 0, 0, 1]) / np.sqrt(2)
    >>> float(negativity(np.outer(bell, bell)))
    0.5
    >>> float(negativity(np.eye(4) / 4))
    0.0
    """
    arr, n = as_density_matrices(rho, atol=atol)
    return _trace_norm_excess(arr, n, _half_cut(subsystem, n))


def log_negativity(rho, subsystem=None, base: float = 2, *, atol: float = DEFAULT_ATOL):
    r"""Logarithmic negativity :math:`E_N = \log_b \|\rho^{T_A}\|_1 = \log_b(2\mathcal N + 1)`.

    Parameters
    ----------
    rho : array_like, shape (..., 2**n, 2**n)
        Batch of density matrices (Hermitian, unit trace; qiskit little-endian qubit order).
    subsystem : int or sequence of int, optional
        Qubits on one side of the cut; the half cut ``0 .. n//2 - 1`` by default.
    base : float, optional
        Logarithm base; 2 (ebits) by default.
    atol : float, optional
        Tolerance of the Hermiticity and unit-trace checks.

    Returns
    -------
    numpy.ndarray or numpy.float64, shape (...)
        :math:`E_N \ge 0`; 1 for a Bell pair, equal to the Rényi-1/2 entanglement entropy for
        pure states.

    References
    ----------
    .. [1] G. Vidal and R. F. Werner, "Computable measure of entanglement",
           Phys. Rev. A 65, 032314 (2002).

    Examples
    --------
    >>> import numpy as np
    >>> ghz = np.zeros(8); ghz[[0, 7]] = 1 / np.sqrt(2)
    >>> float(log_negativity(np.outer(ghz, ghz), subsystem=[0]))
    1.0
    """
    ln_base = check_base(base)
    arr, n = as_density_matrices(rho, atol=atol)
    excess = _trace_norm_excess(arr, n, _half_cut(subsystem, n))
    return scalar_or_array(np.log1p(2.0 * np.asarray(excess)) / ln_base)
