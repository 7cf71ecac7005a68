"""Descriptors of circuits rather than states: entangling capability, expressibility, power.

:func:`entangling_capability` and :func:`expressibility` follow Sim, Johnson and Aspuru-Guzik
(2019): sample parameter vectors uniformly from :math:`[0, 2\\pi)`, simulate the circuit on
:math:`|0\\ldots0\\rangle` for all of them in one batch, and summarise the output states.
:func:`entangling_power` (Zanardi, Zalka and Faoro 2000) describes a fixed unitary, e.g. the
trained block of a classifier, by the entanglement it creates from product inputs.
"""

from __future__ import annotations

import math
import numbers

import numpy as np
from qiskit.circuit import QuantumCircuit
from qiskit.quantum_info import Operator

from ._simulation import simulate_statevectors
from ._validation import as_rng, check_atol, check_base, iter_chunks, num_qubits_of
from .entanglement import meyer_wallach
from .entropy import linear_entropy
from .reduced_states import single_qubit_purities

__all__ = ["entangling_capability", "entangling_power", "expressibility"]

#: Bytes of simulated states held at once by the circuit metrics.
_SAMPLE_CHUNK_BYTES = 64 * 2**20


def _check_circuit(circuit) -> QuantumCircuit:
    if not isinstance(circuit, QuantumCircuit):
        raise ValueError(f"circuit must be a qiskit QuantumCircuit, got {type(circuit).__name__}")
    if circuit.num_qubits < 1:
        raise ValueError("circuit has no qubits")
    return circuit


def _check_samples(n_samples, minimum: int = 1) -> int:
    if (
        isinstance(n_samples, bool)
        or not isinstance(n_samples, numbers.Integral)
        or n_samples < minimum
    ):
        raise ValueError(f"n_samples must be an integer >= {minimum}, got {n_samples!r}")
    return int(n_samples)


def _uniform_angles(rng: np.random.Generator, n_samples: int, circuit: QuantumCircuit):
    return rng.uniform(0.0, 2.0 * np.pi, size=(n_samples, circuit.num_parameters))


def entangling_capability(circuit, n_samples: int = 2000, seed=None) -> float:
    r"""Entangling capability: mean Meyer-Wallach measure of a parameterised circuit's outputs.

    Parameters
    ----------
    circuit : qiskit.QuantumCircuit
        Unitary circuit on ``n >= 2`` qubits (no measurements), with free parameters.
    n_samples : int, optional
        Number of parameter vectors drawn; the standard error of the result is about
        ``std(Q) / sqrt(n_samples)`` (``std(Q)`` is 0.1-0.3 for typical ansätze).
    seed : None, int or numpy.random.Generator, optional
        Source of the parameter samples (``numpy.random.default_rng(seed)``).

    Returns
    -------
    float
        :math:`\mathrm{Ent} \in [0, 1]`.

    Notes
    -----
    .. math:: \mathrm{Ent} = \frac{1}{|S|} \sum_{\theta \in S} Q(|\psi_\theta\rangle), \qquad
              \theta_j \sim U[0, 2\pi) ,

    with :math:`Q` the Meyer-Wallach measure (see :func:`meyer_wallach`, qubit order
    irrelevant, no logarithm).  Limits: 0 for a circuit without entangling gates; the Haar
    value :math:`(2^n-2)/(2^n+1)` for a deep random circuit; :math:`(2^n-2)/(2^n+2)` for a
    deep circuit of real gates (RY + CNOT), whose outputs are Haar-random real states.  The
    entangling-capability figures published in [1]_ do not reproduce with this standard
    measure (other implementations see the same gap), while its expressibility figures do.

    References
    ----------
    .. [1] S. Sim, P. D. Johnson and A. Aspuru-Guzik, "Expressibility and entangling
           capability of parameterized quantum circuits for hybrid quantum-classical
           algorithms", Adv. Quantum Technol. 2, 1900070 (2019).

    Examples
    --------
    >>> from qiskit.circuit import QuantumCircuit, Parameter
    >>> qc = QuantumCircuit(2)
    >>> _ = qc.ry(Parameter("a"), 0); _ = qc.cx(0, 1)
    >>> round(entangling_capability(qc, n_samples=4000, seed=1), 2)  # E[sin^2 a] = 1/2
    0.5
    """
    circuit = _check_circuit(circuit)
    n_samples = _check_samples(n_samples)
    if circuit.num_qubits < 2:
        raise ValueError("entangling capability needs a circuit on at least 2 qubits")
    angles = _uniform_angles(as_rng(seed), n_samples, circuit)
    total = 0.0
    for chunk in iter_chunks(n_samples, 16 * 2**circuit.num_qubits, _SAMPLE_CHUNK_BYTES):
        total += float(np.sum(meyer_wallach(simulate_statevectors(circuit, angles[chunk]))))
    return total / n_samples


def _log_haar_bin_probabilities(edges: np.ndarray, dim: int) -> np.ndarray:
    r"""``log`` of the Haar probability of each fidelity bin ``[a, b)``.

    :math:`\int_a^b (N-1)(1-F)^{N-2} dF = (1-a)^{N-1} - (1-b)^{N-1}`, evaluated in log space
    so that high-fidelity bins of large registers do not underflow.
    """
    a, b = edges[:-1], edges[1:]
    with np.errstate(divide="ignore"):
        log_upper = (dim - 1) * np.log1p(-a)
        ratio = np.exp((dim - 1) * (np.log1p(-b) - np.log1p(-a)))
    return log_upper + np.log1p(-ratio)


def expressibility(
    circuit, n_samples: int = 5000, bins: int = 75, seed=None, base: float = math.e
) -> float:
    r"""Expressibility: KL divergence of the circuit's fidelity distribution from Haar's.

    Parameters
    ----------
    circuit : qiskit.QuantumCircuit
        Unitary circuit (no measurements) on ``n`` qubits, with free parameters.
    n_samples : int, optional
        Number of parameter pairs :math:`(\theta, \phi)`; 5000 as in [1]_.  The histogram
        estimate is biased upwards by about ``(bins - 1) / (2 n_samples)``.
    bins : int, optional
        Number of equal-width fidelity bins on ``[0, 1]``; 75 as in [1]_.
    seed : None, int or numpy.random.Generator, optional
        Source of the parameter samples.
    base : float, optional
        Logarithm base of the divergence; natural log (nats) by default, as in [1]_.

    Returns
    -------
    float
        :math:`D_{KL} \ge 0`; smaller is more expressive.  A circuit whose output never
        changes (e.g. an idle qubit) gives the maximum, :math:`(N-1) \ln(\mathrm{bins})` nats
        (:math:`\ln 75 \approx 4.32` for one qubit).

    Notes
    -----
    .. math:: \mathrm{Expr} = D_{KL}\left(\hat P_{\mathrm{PQC}}(F) \,\|\,
              P_{\mathrm{Haar}}(F)\right), \qquad
              P_{\mathrm{Haar}}(F) = (N-1)(1-F)^{N-2}, \quad N = 2^n ,

    with :math:`F = |\langle\psi_\theta|\psi_\phi\rangle|^2` for independent
    :math:`\theta, \phi \sim U[0, 2\pi)^{P}`, both distributions discretised on the same bins
    (the Haar bin probabilities are integrated exactly).  Qubit order is irrelevant.

    References
    ----------
    .. [1] S. Sim, P. D. Johnson and A. Aspuru-Guzik, "Expressibility and entangling
           capability of parameterized quantum circuits for hybrid quantum-classical
           algorithms", Adv. Quantum Technol. 2, 1900070 (2019).

    Examples
    --------
    >>> from qiskit.circuit import QuantumCircuit
    >>> round(expressibility(QuantumCircuit(1)), 4)  # idle qubit: ln 75
    4.3175
    """
    circuit = _check_circuit(circuit)
    n_samples = _check_samples(n_samples)
    ln_base = check_base(base)
    if isinstance(bins, bool) or not isinstance(bins, numbers.Integral) or bins < 2:
        raise ValueError(f"bins must be an integer >= 2, got {bins!r}")
    rng = as_rng(seed)
    dim = 2**circuit.num_qubits
    fidelities = np.empty(n_samples)
    for chunk in iter_chunks(n_samples, 32 * dim, _SAMPLE_CHUNK_BYTES):
        size = chunk.stop - chunk.start
        left = simulate_statevectors(circuit, _uniform_angles(rng, size, circuit))
        right = simulate_statevectors(circuit, _uniform_angles(rng, size, circuit))
        overlaps = np.vecdot(left, right)
        norms = np.vecdot(left, left).real * np.vecdot(right, right).real
        fidelities[chunk] = np.clip(np.abs(overlaps) ** 2 / norms, 0.0, 1.0)
    edges = np.linspace(0.0, 1.0, int(bins) + 1)
    counts, _ = np.histogram(fidelities, bins=edges)
    observed = counts / n_samples
    present = observed > 0
    log_haar = _log_haar_bin_probabilities(edges, dim)[present]
    kl = np.sum(observed[present] * (np.log(observed[present]) - log_haar))
    return float(kl / ln_base)


def _as_unitary(operator, atol: float) -> np.ndarray:
    if isinstance(operator, QuantumCircuit) and operator.parameters:
        names = ", ".join(p.name for p in operator.parameters)
        raise ValueError(
            f"entangling_power needs a circuit with all parameters bound; free: {names} "
            "(use circuit.assign_parameters(values))"
        )
    if isinstance(operator, np.ndarray | list | tuple):
        matrix = np.asarray(operator, dtype=complex)
    else:
        matrix = np.asarray(Operator(operator).data, dtype=complex)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"the unitary must be a square matrix; got shape {matrix.shape}")
    deviation = np.abs(matrix @ matrix.conj().T - np.eye(matrix.shape[0])).max()
    if not deviation <= atol:
        raise ValueError(
            f"the operator is not unitary: max |U U^dagger - I| = {deviation:.3g} > atol={atol:g}"
        )
    return matrix


def _random_product_states(rng: np.random.Generator, n_samples: int, n: int) -> np.ndarray:
    """Products of independent Haar-random single-qubit states, qubit 0 least significant."""
    qubits = rng.standard_normal((n, n_samples, 2)) + 1j * rng.standard_normal((n, n_samples, 2))
    qubits /= np.linalg.norm(qubits, axis=-1, keepdims=True)
    state = qubits[0]
    for k in range(1, n):
        state = (qubits[k][:, :, None] * state[:, None, :]).reshape(n_samples, -1)
    return state


def entangling_power(
    operator, n_samples: int = 2000, seed=None, subsystem=None, *, atol: float = 1e-8
) -> float:
    r"""Entangling power: mean linear entropy a unitary creates from random product states.

    Parameters
    ----------
    operator : qiskit.QuantumCircuit, qiskit Gate/Operator or array_like
        A circuit with every parameter bound, or a unitary matrix ``(2**n, 2**n)``
        (qiskit little-endian qubit order), ``n >= 2``.
    n_samples : int, optional
        Number of random product input states; the standard error is a few
        ``0.1 / sqrt(n_samples)``.
    seed : None, int or numpy.random.Generator, optional
        Source of the random inputs.
    subsystem : int or sequence of int, optional
        If given, the linear entropy of this subsystem is averaged (Zanardi's bipartite
        definition).  By default the mean single-qubit linear entropy is averaged, which for
        two qubits is Zanardi's definition and for ``n`` qubits is half the mean
        Meyer-Wallach measure of the outputs.
    atol : float, optional
        Tolerance of the unitarity check ``max |U U^dagger - I| <= atol``.

    Returns
    -------
    float
        :math:`e_p(U) \ge 0`; 0 for products of single-qubit gates and for SWAP, 2/9 for
        CNOT (the two-qubit maximum).  No logarithm is involved.

    Notes
    -----
    .. math:: e_p(U) = \mathbb{E}_{|\psi_0\rangle \otimes \cdots \otimes |\psi_{n-1}\rangle}
              \left[ \frac1n \sum_k S_L\!\left(\rho_k(U|\psi_0 \ldots \psi_{n-1}\rangle)
              \right) \right], \qquad S_L(\rho) = 1 - \mathrm{Tr}\,\rho^2 ,

    with each :math:`|\psi_k\rangle` Haar-random, estimated by Monte Carlo.  It describes the
    unitary itself, independent of any data.  For two qubits with canonical parameters
    :math:`U \sim e^{i(c_1 XX + c_2 YY + c_3 ZZ)}`,
    :math:`e_p = [3 - \cos 4c_1 \cos 4c_2 - \cos 4c_2 \cos 4c_3 - \cos 4c_3 \cos 4c_1]/18`.

    References
    ----------
    .. [1] P. Zanardi, C. Zalka and L. Faoro, "Entangling power of quantum evolutions",
           Phys. Rev. A 62, 030301 (2000).

    Examples
    --------
    >>> from qiskit.circuit import QuantumCircuit
    >>> cnot = QuantumCircuit(2); _ = cnot.cx(0, 1)
    >>> round(entangling_power(cnot, n_samples=20000, seed=0), 2)  # 2/9
    0.22
    """
    check_atol(atol)
    unitary = _as_unitary(operator, atol)
    n = num_qubits_of(unitary.shape[0], "the dimension of the unitary")
    if n < 2:
        raise ValueError("entangling power needs a unitary on at least 2 qubits")
    n_samples = _check_samples(n_samples)
    rng = as_rng(seed)
    total = 0.0
    for chunk in iter_chunks(n_samples, 16 * 2**n, _SAMPLE_CHUNK_BYTES):
        outputs = _random_product_states(rng, chunk.stop - chunk.start, n) @ unitary.T
        if subsystem is None:
            values = 1.0 - single_qubit_purities(outputs).mean(axis=-1)
        else:
            values = linear_entropy(outputs, subsystem)
        total += float(np.sum(values))
    return total / n_samples
