"""Entanglement entropies of batches of pure states.

For a pure state every entropy of a subsystem :math:`A` is a function of the spectrum of the
reduced state :math:`\\rho_A`, which equals the spectrum of :math:`\\rho_{\\bar A}` (Schmidt
decomposition), so the smaller side is always the one diagonalised.  Single-qubit spectra come
in closed form from the purity, without an eigendecomposition.

Qubit order is qiskit's little-endian one (qubit 0 is the least significant bit); entropies are
in bits unless ``base`` says otherwise.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import numpy as np
from scipy.special import entr

from ._validation import DEFAULT_ATOL, as_statevectors, check_base, qubit_indices
from .reduced_states import (
    map_statevector_chunks,
    reduced_kernel,
    scalar_or_array,
    single_qubit_purity_kernel,
)

__all__ = [
    "bipartite_entropy",
    "entanglement_entropy",
    "linear_entropy",
    "renyi_entropy",
    "single_qubit_entropies",
    "von_neumann_entropy",
]


def entropy_of_spectrum(eigenvalues: np.ndarray, ln_base: float) -> np.ndarray:
    """``-sum p log p`` over the last axis; tiny negative round-off eigenvalues count as 0."""
    return entr(np.clip(eigenvalues, 0.0, None)).sum(axis=-1) / ln_base


def qubit_spectrum_from_purity(purity: np.ndarray) -> np.ndarray:
    r"""Eigenvalues ``(..., 2)`` of a qubit density matrix with the given purity.

    :math:`\lambda_\pm = (1 \pm r)/2` with :math:`r = \sqrt{2P - 1}` the Bloch-vector length;
    :math:`\lambda_- = (1 - P)/(1 + r)` is used for accuracy near pure states.
    """
    low = _low_eigenvalue(purity)
    return np.stack([1.0 - low, low], axis=-1)


def _low_eigenvalue(purity: np.ndarray) -> np.ndarray:
    r""":math:`\lambda_- = (1 - P)/(1 + r)`, :math:`r = \sqrt{2P - 1}`, within ``[0, 1/2]``."""
    r = np.sqrt(np.clip(2.0 * purity - 1.0, 0.0, 1.0))
    return np.clip((1.0 - purity) / (1.0 + r), 0.0, 0.5)


def qubit_entropy_from_purity(purity: np.ndarray, ln_base: float) -> np.ndarray:
    """Von Neumann entropy of a qubit density matrix with the given purity: ``(entr(1 -
    low) + entr(low)) / ln(base)`` for the eigenvalues of :func:`qubit_spectrum_from_purity`
    (without stacking them: this runs every epoch)."""
    low = _low_eigenvalue(purity)
    return (entr(1.0 - low) + entr(low)) / ln_base


def _smaller_side(n: int, subsystem: Sequence[int]) -> tuple[int, ...]:
    """The side of the cut with fewer qubits (same spectrum for a pure state)."""
    complement = tuple(q for q in range(n) if q not in subsystem)
    return tuple(subsystem) if len(subsystem) <= len(complement) else complement


def _spectrum_kernel(n: int, side: Sequence[int]):
    """Kernel for ``map_statevector_chunks``: the spectrum ``(b, 2**len(side))``."""
    if not side:  # the whole register: a pure state has spectrum (1,)

        def kernel(block):
            norm2 = single_qubit_purity_kernel(n, [])(block)[1]
            return np.ones((block.shape[0], 1)), norm2

        return kernel
    if len(side) == 1:
        purity_kernel = single_qubit_purity_kernel(n, side)

        def kernel(block):
            purity, norm2 = purity_kernel(block)
            return qubit_spectrum_from_purity(purity[:, 0]), norm2

        return kernel
    rdm = reduced_kernel(n, side)

    def kernel(block):
        rho, norm2 = rdm(block)
        return np.linalg.eigvalsh(rho), norm2

    return kernel


def _purity_kernel(n: int, side: Sequence[int]):
    """Kernel for ``map_statevector_chunks``: ``Tr rho_side**2``, shape ``(b,)``."""
    if len(side) <= 1:
        qubit_kernel = single_qubit_purity_kernel(n, side)

        def kernel(block):
            purity, norm2 = qubit_kernel(block)
            return (purity[:, 0] if side else np.ones(block.shape[0])), norm2

        return kernel
    rdm = reduced_kernel(n, side)

    def kernel(block):
        rho, norm2 = rdm(block)
        return (np.abs(rho) ** 2).sum(axis=(-2, -1)), norm2

    return kernel


def _subsystem_spectrum(states, subsystem, atol: float) -> np.ndarray:
    arr, n = as_statevectors(states)
    side = _smaller_side(n, qubit_indices(subsystem, n))
    kernel = _spectrum_kernel(n, side)
    return map_statevector_chunks(arr, kernel, (2 ** len(side),), np.float64, atol=atol)


def _subsystem_purity(states, subsystem, atol: float) -> np.ndarray:
    arr, n = as_statevectors(states)
    side = _smaller_side(n, qubit_indices(subsystem, n))
    return map_statevector_chunks(arr, _purity_kernel(n, side), (), np.float64, atol=atol)


def von_neumann_entropy(states, subsystem, base: float = 2, *, atol: float = DEFAULT_ATOL):
    r"""Von Neumann entropy of the reduced state of ``subsystem``.

    Parameters
    ----------
    states : array_like, shape (..., 2**n)
        Batch of normalised statevectors (qiskit little-endian: qubit 0 is the least
        significant bit of the basis index).
    subsystem : int or sequence of int
        Qubits of subsystem :math:`A` (order irrelevant).
    base : float, optional
        Logarithm base; 2 (bits) by default.
    atol : float, optional
        Tolerance of the normalisation check, ``| ||psi|| - 1 | <= atol``.

    Returns
    -------
    numpy.ndarray or numpy.float64, shape (...)
        :math:`S(\rho_A)` in ``[0, min(|A|, n - |A|)]`` bits.

    Notes
    -----
    .. math:: S(\rho_A) = -\mathrm{Tr}\,\rho_A \log_b \rho_A = -\sum_i \lambda_i \log_b \lambda_i,
              \qquad \rho_A = \mathrm{Tr}_{\bar A} |\psi\rangle\langle\psi| .

    The spectrum is taken from the smaller of :math:`\rho_A` and :math:`\rho_{\bar A}`, which
    share their non-zero eigenvalues for a pure state; a single qubit uses the closed form
    :math:`\lambda_\pm = (1 \pm \sqrt{2\,\mathrm{Tr}\rho^2 - 1})/2`.

    References
    ----------
    .. [1] M. A. Nielsen and I. L. Chuang, *Quantum Computation and Quantum Information*,
           Cambridge University Press (2000), section 11.3.

    Examples
    --------
    >>> import numpy as np
    >>> bell = np.array([1, 0, 0, 1]) / np.sqrt(2)
    >>> float(von_neumann_entropy(bell, [0]))
    1.0
    >>> float(von_neumann_entropy(bell, [0], base=np.e))  # in nats: ln 2
    0.6931471805599453
    """
    ln_base = check_base(base)
    return scalar_or_array(
        entropy_of_spectrum(_subsystem_spectrum(states, subsystem, atol), ln_base)
    )


def single_qubit_entropies(states, base: float = 2, *, atol: float = DEFAULT_ATOL) -> np.ndarray:
    r"""Von Neumann entropy of every single-qubit reduced state.

    Parameters
    ----------
    states : array_like, shape (..., 2**n)
        Batch of normalised statevectors (qiskit little-endian qubit order).
    base : float, optional
        Logarithm base; 2 (bits) by default, so each entry lies in ``[0, 1]``.
    atol : float, optional
        Tolerance of the normalisation check.

    Returns
    -------
    numpy.ndarray, shape (..., n)
        Entry ``[..., k]`` is :math:`S(\rho_k)`, the entanglement of qubit ``k`` with the rest.

    Notes
    -----
    :math:`S(\rho_k) = h(\lambda_-)` with :math:`\lambda_- = (1 - \sqrt{2\,\mathrm{Tr}\rho_k^2
    - 1})/2` and :math:`h` the binary entropy, so all ``n`` values come from the single pass of
    :func:`single_qubit_purities`.

    Examples
    --------
    >>> import numpy as np
    >>> w3 = np.zeros(8); w3[[1, 2, 4]] = 1 / np.sqrt(3)
    >>> single_qubit_entropies(w3).round(4)  # h(1/3) for each qubit
    array([0.9183, 0.9183, 0.9183])
    """
    ln_base = check_base(base)
    arr, n = as_statevectors(states)
    kernel = single_qubit_purity_kernel(n, range(n))
    purities = map_statevector_chunks(arr, kernel, (n,), np.float64, atol=atol)
    return qubit_entropy_from_purity(purities, ln_base)


def entanglement_entropy(states, base: float = 2, *, atol: float = DEFAULT_ATOL):
    r"""Mean single-qubit entanglement entropy :math:`\frac1n \sum_k S(\rho_k)`.

    Parameters
    ----------
    states : array_like, shape (..., 2**n)
        Batch of normalised statevectors (qiskit little-endian qubit order).  Pure states
        only: for a mixed state the single-qubit entropies also count classical mixing, so use
        :func:`negativity` there.
    base : float, optional
        Logarithm base; 2 (bits) by default, so the value lies in ``[0, 1]``.
    atol : float, optional
        Tolerance of the normalisation check.

    Returns
    -------
    numpy.ndarray or numpy.float64, shape (...)
        0 for product states, 1 bit when every qubit is maximally entangled with the rest
        (GHZ, Bell).

    Notes
    -----
    .. math:: \bar S = \frac{1}{n} \sum_{k=0}^{n-1} S(\rho_k),
              \qquad S(\rho_k) = -\mathrm{Tr}\,\rho_k \log_b \rho_k .

    For Haar-random states its mean is Page's value for a qubit against :math:`2^{n-1}`
    levels, :math:`(\sum_{j=2^{n-1}+1}^{2^n} 1/j - 2^{-n}) / \ln b` [1]_.

    References
    ----------
    .. [1] D. N. Page, "Average entropy of a subsystem", Phys. Rev. Lett. 71, 1291 (1993).

    Examples
    --------
    >>> import numpy as np
    >>> ghz4 = np.zeros(16); ghz4[[0, 15]] = 1 / np.sqrt(2)
    >>> float(entanglement_entropy(ghz4))
    1.0
    """
    return scalar_or_array(single_qubit_entropies(states, base, atol=atol).mean(axis=-1))


def bipartite_entropy(
    states, cut: int | None = None, base: float = 2, *, atol: float = DEFAULT_ATOL
):
    r"""Entanglement entropy across the cut between qubits ``[0, cut)`` and ``[cut, n)``.

    Parameters
    ----------
    states : array_like, shape (..., 2**n)
        Batch of normalised statevectors (qiskit little-endian qubit order).
    cut : int, optional
        Number of qubits on the first side, ``1 <= cut <= n - 1``; ``n // 2`` (the half cut)
        by default.
    base : float, optional
        Logarithm base; 2 (bits) by default.
    atol : float, optional
        Tolerance of the normalisation check.

    Returns
    -------
    numpy.ndarray or numpy.float64, shape (...)
        :math:`S(\rho_{0..cut-1})`, at most ``min(cut, n - cut)`` bits.

    Notes
    -----
    Equal to ``von_neumann_entropy(states, range(cut), base)``.  For Haar-random states with
    :math:`m \le k` the dimensions of the two sides its mean is Page's
    :math:`\sum_{j=k+1}^{mk} 1/j - (m-1)/(2k)` nats [1]_.

    References
    ----------
    .. [1] D. N. Page, "Average entropy of a subsystem", Phys. Rev. Lett. 71, 1291 (1993).

    Examples
    --------
    >>> import numpy as np
    >>> bell_pair = np.kron([1, 0, 0, 1], [1, 0, 0, 1]) / 2  # Bell pairs on (0, 1), (2, 3)
    >>> float(bipartite_entropy(bell_pair))  # the half cut separates the pairs
    0.0
    >>> float(bipartite_entropy(bell_pair, cut=1))
    1.0
    """
    arr, n = as_statevectors(states)
    if cut is None:
        if n < 2:
            raise ValueError("bipartite_entropy needs at least 2 qubits; got 1")
        cut = n // 2
    if isinstance(cut, bool) or not isinstance(cut, numbers.Integral) or not 1 <= cut <= n - 1:
        raise ValueError(f"cut must be an integer in [1, {n - 1}] for {n} qubits, got {cut!r}")
    return von_neumann_entropy(arr, range(int(cut)), base, atol=atol)


def renyi_entropy(
    states, subsystem, alpha: float = 2, base: float = 2, *, atol: float = DEFAULT_ATOL
):
    r"""Rényi entropy of order ``alpha`` of the reduced state of ``subsystem``.

    Parameters
    ----------
    states : array_like, shape (..., 2**n)
        Batch of normalised statevectors (qiskit little-endian qubit order).
    subsystem : int or sequence of int
        Qubits of subsystem :math:`A`.
    alpha : float, optional
        Order, ``alpha > 0``; ``1`` gives the von Neumann entropy, ``numpy.inf`` the
        min-entropy.  Default 2 (collision entropy, computed from the purity without an
        eigendecomposition).
    base : float, optional
        Logarithm base; 2 (bits) by default.
    atol : float, optional
        Tolerance of the normalisation check.

    Returns
    -------
    numpy.ndarray or numpy.float64, shape (...)

    Notes
    -----
    .. math:: S_\alpha(\rho_A) = \frac{1}{1-\alpha} \log_b \mathrm{Tr}\,\rho_A^\alpha,
              \qquad S_2 = -\log_b \mathrm{Tr}\,\rho_A^2,
              \qquad S_\infty = -\log_b \lambda_{\max} .

    Non-increasing in ``alpha``; all orders agree on states with a flat spectrum.

    References
    ----------
    .. [1] A. Rényi, "On measures of entropy and information", Proc. Fourth Berkeley Symp.
           Math. Stat. Prob. 1, 547 (1961).

    Examples
    --------
    >>> import numpy as np
    >>> state = np.array([np.sqrt(0.9), 0, 0, np.sqrt(0.1)])
    >>> float(renyi_entropy(state, [0], alpha=2).round(6))  # -log2(0.81 + 0.01)
    0.286304
    """
    ln_base = check_base(base)
    if (
        isinstance(alpha, bool)
        or not isinstance(alpha, numbers.Real)
        or math.isnan(alpha)
        or alpha <= 0
    ):
        raise ValueError(f"alpha must be a number > 0 (numpy.inf allowed), got {alpha!r}")
    if alpha == 1:
        return von_neumann_entropy(states, subsystem, base, atol=atol)
    if alpha == 2:
        return scalar_or_array(-np.log(_subsystem_purity(states, subsystem, atol)) / ln_base)
    spectrum = np.clip(_subsystem_spectrum(states, subsystem, atol), 0.0, None)
    if math.isinf(alpha):
        values = -np.log(spectrum.max(axis=-1)) / ln_base
    else:
        values = np.log((spectrum**alpha).sum(axis=-1)) / ((1.0 - alpha) * ln_base)
    return scalar_or_array(values)


def linear_entropy(states, subsystem, *, atol: float = DEFAULT_ATOL):
    r"""Linear entropy :math:`1 - \mathrm{Tr}\,\rho_A^2` of the reduced state of ``subsystem``.

    Parameters
    ----------
    states : array_like, shape (..., 2**n)
        Batch of normalised statevectors (qiskit little-endian qubit order).
    subsystem : int or sequence of int
        Qubits of subsystem :math:`A`.
    atol : float, optional
        Tolerance of the normalisation check.

    Returns
    -------
    numpy.ndarray or numpy.float64, shape (...)
        In ``[0, 1 - 1/d]`` with ``d = 2**min(|A|, n - |A|)``; not rescaled (the convention of
        Zanardi's entangling power).  No logarithm, so no base.

    Notes
    -----
    .. math:: S_L(\rho_A) = 1 - \mathrm{Tr}\,\rho_A^2 = 1 - \sum_{ij} |(\rho_A)_{ij}|^2 .

    The Meyer-Wallach measure is twice the mean single-qubit linear entropy.

    References
    ----------
    .. [1] P. Zanardi, C. Zalka and L. Faoro, "Entangling power of quantum evolutions",
           Phys. Rev. A 62, 030301 (2000).

    Examples
    --------
    >>> import numpy as np
    >>> bell = np.array([1, 0, 0, 1]) / np.sqrt(2)
    >>> float(linear_entropy(bell, 1))
    0.5
    """
    return scalar_or_array(1.0 - _subsystem_purity(states, subsystem, atol))
