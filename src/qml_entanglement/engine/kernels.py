"""Batched application of compiled operations to statevectors of shape ``(B, 2**n)``.

Matrices act on the gate's qubits in qiskit order (the first qubit argument is the least
significant bit of the matrix index). ``angles`` is a scalar (same gate for the whole batch) or a
``(B,)`` array (one angle per sample, used by data encodings).
"""

from __future__ import annotations

import string

import numpy as np

from .compile import Op


def _apply_one_qubit(psi: np.ndarray, matrix: np.ndarray, qubit: int, n: int) -> np.ndarray:
    """``matrix`` is ``(2, 2)`` or ``(B, 2, 2)``; writes into one output array (no temporaries
    of the full state besides one product), which is several times faster than
    ``m00 * a0 + m01 * a1`` on large batches."""
    batch = psi.shape[0]
    view = psi.reshape(batch, 2 ** (n - qubit - 1), 2, 2**qubit)
    a0, a1 = view[:, :, 0, :], view[:, :, 1, :]
    if matrix.ndim == 3:
        m = matrix[:, :, :, None, None]
        m00, m01, m10, m11 = m[:, 0, 0], m[:, 0, 1], m[:, 1, 0], m[:, 1, 1]
    else:
        m00, m01, m10, m11 = matrix[0, 0], matrix[0, 1], matrix[1, 0], matrix[1, 1]
    out = np.empty_like(view)
    out0, out1 = out[:, :, 0, :], out[:, :, 1, :]
    np.multiply(a0, m00, out=out0)
    out0 += m01 * a1
    np.multiply(a0, m10, out=out1)
    out1 += m11 * a1
    return out.reshape(batch, -1)


def _apply_k_qubit(psi: np.ndarray, matrix: np.ndarray, qubits: tuple[int, ...], n: int):
    batch = psi.shape[0]
    k = len(qubits)
    tensor = psi.reshape((batch,) + (2,) * n)
    letters = string.ascii_letters[: n + k]
    state_axes = list(letters[:n])  # axis a <-> qubit n-1-a
    new = letters[n : n + k]
    out_axes = state_axes.copy()
    m_out, m_in = [], []
    for j in reversed(range(k)):  # matrix axes: most significant local bit first
        axis = n - 1 - qubits[j]
        m_in.append(state_axes[axis])
        m_out.append(new[j])
        out_axes[axis] = new[j]
    m_shape = (2,) * (2 * k)
    if matrix.ndim == 3:
        m = matrix.reshape((batch,) + m_shape)
        spec = f"Z{''.join(m_out)}{''.join(m_in)},Z{''.join(state_axes)}->Z{''.join(out_axes)}"
    else:
        m = matrix.reshape(m_shape)
        spec = f"{''.join(m_out)}{''.join(m_in)},Z{''.join(state_axes)}->Z{''.join(out_axes)}"
    return np.einsum(spec, m, tensor).reshape(batch, -1)


def apply_matrix(psi: np.ndarray, matrix: np.ndarray, qubits: tuple[int, ...], n: int):
    """Apply a ``k``-qubit matrix (``(d, d)`` or per-sample ``(B, d, d)``) to ``psi``."""
    if len(qubits) == 1:
        return _apply_one_qubit(psi, matrix, qubits[0], n)
    return _apply_k_qubit(psi, matrix, qubits, n)


def rotation_matrix(op: Op, angle, adjoint: bool = False) -> np.ndarray:
    """``exp(-i angle K)`` (or its adjoint) for a dense parametric op; batched if angle is."""
    sign = 1.0 if adjoint else -1.0
    angle = np.asarray(angle, dtype=float)
    phases = np.exp(sign * 1j * angle[..., None] * op.eigvals)
    v = op.eigvecs
    return np.einsum("ij,...j,kj->...ik", v, phases, v.conj())


def apply_op(psi: np.ndarray, op: Op, n: int, angle=None, adjoint: bool = False) -> np.ndarray:
    """Apply ``op`` (or its adjoint) to the batch ``psi``; returns a new array."""
    if op.kind == "diag":
        if op.angle is None:
            phases = op.phases.conj() if adjoint else op.phases
            return psi * phases
        sign = 1.0 if adjoint else -1.0
        a = np.asarray(angle, dtype=float)
        return psi * np.exp(sign * 1j * a[..., None] * op.phases)
    if op.kind == "perm":
        if adjoint:  # inverse permutation: in[perm[i]] = conj(phase[i]) * out[i]
            out = np.empty_like(psi)
            out[:, op.perm] = psi * op.phases.conj()
            return out
        return psi[:, op.perm] * op.phases
    if op.angle is None:
        matrix = op.matrix.conj().T if adjoint else op.matrix
    else:
        matrix = rotation_matrix(op, angle, adjoint)
    return apply_matrix(psi, matrix, op.qubits, n)


def apply_generator(psi: np.ndarray, op: Op, n: int) -> np.ndarray:
    """``K psi`` for the generator ``K`` of a parametric op."""
    if op.kind == "diag":
        return psi * op.phases
    return apply_matrix(psi, op.matrix, op.qubits, n)
