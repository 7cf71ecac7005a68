"""Lower a real trainable block to a short list of steps for the compiled kernels.

A block qualifies when every operation is one of

* a one-qubit rotation ``exp(-i a K)`` with a purely imaginary generator; on one qubit that
  is ``K = k Y``, so the gate is ``R(k a) = [[cos(k a), -sin(k a)], [sin(k a), cos(k a)]]``
  (``RY(2 k a)``; ``k = 1/2`` for ``ry``);
* a one-qubit *phase* ``exp(-i a K)`` with a diagonal generator ``K = diag(k_0, k_1)``
  (``rz``: ``(1/2, -1/2)``; ``p``: ``(0, -1)``), the gate ``diag(exp(-i a k_0), exp(-i a
  k_1))``: on ``(Re, Im)`` of an amplitude whose qubit bit is ``b``, the 2x2 rotation by
  ``-a k_b``;
* a fixed real one-qubit matrix (``h``, ``x``, ...);
* a fixed signed permutation (CNOT / CZ / SWAP runs, already fused into one permutation by
  :func:`~.compile.fuse_fixed_ops`): ``out[i] = sign[i] * in[perm[i]]``.

RealAmplitudes, EfficientSU2 (``ry``, ``rz``, ``cx``), and any ``n_local`` with ``ry`` /
``rz`` / ``p`` rotations and ``cx``/``cz``/``swap`` entanglers, lower this way; every other
block keeps the NumPy engine. One-qubit gates between two permutations are lowered into
*groups* of at most :data:`GROUP_QUBITS` distinct qubits and :data:`GROUP_GATES` gates, which
the kernels apply in order, tile by tile, while a tile of ``2**k`` rows is in the L1 cache
(one pass over the state per group instead of one per gate). A gate joins the first group of
the run at or after the last one holding its qubit (one-qubit gates on distinct qubits
commute), so EfficientSU2's RZ layer joins its RY layer's groups: 2 passes per layer at
``n = 12``, not 4.
Without phases every step is real and the real and imaginary parts of a state evolve
separately; a phase couples the two parts of each amplitude, which the kernels hold side by
side.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .compile import Op, Program

GROUP, PERMUTATION = 0, 1
GROUP_QUBITS = 6  # a tile is 2**6 runs of rows, worked on while in cache
GROUP_GATES = 2 * GROUP_QUBITS  # e.g. RY and RZ on each of the six


@dataclass(frozen=True)
class RealBlock:
    """Steps of a lowered block as flat arrays.

    ``kind[t]`` is GROUP or PERMUTATION and ``table[t]`` its row in the group or permutation
    tables. Group ``g`` works on the ``size[g]`` distinct qubits ``qubit[g, :size[g]]`` and
    has ``gates[g]`` gates, in order; gate ``i`` is on ``qubit[g, slot[g, i]]``, either a
    rotation (``angle[g, i]``, the row of the program's angle table, and ``scale[g, i]``, the
    ``k`` of ``R(k a)``) or, where ``angle[g, i] == -1``, the fixed matrix ``fixed[g, i] =
    (m00, m01, m10, m11)``; where ``phase[g, i]`` is 1 the gate is a phase instead, ``fixed[g,
    i] = (k_0, k_1, 0, 0)`` its generator's diagonal and ``scale[g, i] = (k_0 - k_1) / 2`` (the
    gradient's factor, see :mod:`.real_kernels`).
    """

    num_qubits: int
    kind: np.ndarray
    table: np.ndarray
    size: np.ndarray  # (G,)
    qubit: np.ndarray  # (G, GROUP_QUBITS)
    gates: np.ndarray  # (G,)
    slot: np.ndarray  # (G, GROUP_GATES)
    angle: np.ndarray  # (G, GROUP_GATES)
    scale: np.ndarray  # (G, GROUP_GATES)
    fixed: np.ndarray  # (G, GROUP_GATES, 4)
    phase: np.ndarray  # (G, GROUP_GATES) int64, 1 for a phase gate
    perms: np.ndarray  # (P, 2**n) int64
    signs: np.ndarray  # (P, 2**n) float64

    @property
    def has_phases(self) -> bool:
        """Whether a phase gate couples the real and imaginary parts."""
        return bool(self.phase.any())


class _Builder:
    def __init__(self, n: int):
        self.n = n
        self.steps: list[tuple[int, int]] = []
        self.groups: list[list[tuple[int, int, float, np.ndarray, int]]] = []
        self.perms: list[np.ndarray] = []
        self.signs: list[np.ndarray] = []
        self.first = 0  # the groups since the last permutation: self.groups[self.first:]

    def _target(self, qubit: int) -> int:
        """The first group of the run that can take a gate on ``qubit``: at or after the last
        one that holds ``qubit``, with room for the gate (and for the qubit if new)."""
        run = range(self.first, len(self.groups))
        holding = [g for g in run if any(gate[0] == qubit for gate in self.groups[g])]
        for g in range(holding[-1] if holding else self.first, len(self.groups)):
            gates = self.groups[g]
            distinct = {gate[0] for gate in gates}
            if len(gates) < GROUP_GATES and (qubit in distinct or len(distinct) < GROUP_QUBITS):
                return g
        self.steps.append((GROUP, len(self.groups)))
        self.groups.append([])
        return len(self.groups) - 1

    def gate(self, qubit: int, angle: int, scale: float, fixed: np.ndarray, phase: int = 0) -> None:
        self.groups[self._target(qubit)].append((qubit, angle, scale, fixed, phase))

    def permutation(self, perm: np.ndarray, signs: np.ndarray) -> None:
        self.steps.append((PERMUTATION, len(self.perms)))
        self.perms.append(np.asarray(perm, dtype=np.int64))
        self.signs.append(np.asarray(signs, dtype=np.float64))
        self.first = len(self.groups)

    def build(self) -> RealBlock:
        size = 2**self.n
        count = len(self.groups)
        shape = (count, GROUP_GATES)
        qubit, slot = np.zeros((count, GROUP_QUBITS), np.int64), np.zeros(shape, np.int64)
        angle, scale = np.full(shape, -1, np.int64), np.zeros(shape)
        fixed, phase = np.zeros(shape + (4,)), np.zeros(shape, np.int64)
        distinct = [list(dict.fromkeys(gate[0] for gate in gates)) for gates in self.groups]
        for g, gates in enumerate(self.groups):
            qubit[g, : len(distinct[g])] = distinct[g]
            for i, (q, a, k, m, f) in enumerate(gates):
                slot[g, i] = distinct[g].index(q)
                angle[g, i], scale[g, i], fixed[g, i], phase[g, i] = a, k, m, f
        kind, table = (np.array(c, dtype=np.int64) for c in zip(*self.steps, strict=True))
        return RealBlock(
            self.n, kind, table, np.array([len(q) for q in distinct], dtype=np.int64), qubit,
            np.array([len(g) for g in self.groups], dtype=np.int64), slot,
            angle, scale, fixed, phase,
            np.array(self.perms, dtype=np.int64).reshape(len(self.perms), size),
            np.array(self.signs, dtype=np.float64).reshape(len(self.signs), size),
        )  # fmt: skip


def _real(values: np.ndarray | None) -> bool:
    return values is None or np.abs(np.imag(values)).max(initial=0.0) <= 1e-14


def _lower_op(builder: _Builder, op: Op, size: int) -> bool:
    """Add ``op`` to ``builder``; False when it is none of the accepted kinds."""
    if op.angle is not None:
        if len(op.qubits) != 1 or op.kind not in ("dense", "diag"):
            return False
        if op.kind == "diag":  # generator diagonal on the register: k_0 at index 0, k_1 at 2**q
            k0, k1 = float(op.phases[0]), float(op.phases[1 << op.qubits[0]])
            fixed = np.array([k0, k1, 0.0, 0.0])
            builder.gate(op.qubits[0], int(op.angle), (k0 - k1) / 2, fixed, phase=1)
            return True
        if not _real(1j * op.matrix):  # a real gate needs a purely imaginary generator
            return False
        k = float(op.matrix[1, 0].imag)  # K = k Y = [[0, -i k], [i k, 0]]
        builder.gate(op.qubits[0], int(op.angle), k, np.zeros(4))
    elif op.kind in ("perm", "diag") and _real(op.phases):
        perm = op.perm if op.kind == "perm" else np.arange(size)
        builder.permutation(perm, np.real(op.phases) * np.ones(size))
    elif op.kind == "dense" and len(op.qubits) == 1 and _real(op.matrix):
        builder.gate(op.qubits[0], -1, 0.0, np.real(op.matrix).reshape(4))
    else:
        return False
    return True


def lower_real_block(program: Program) -> RealBlock | None:
    """The steps of ``program``, or None when an operation is not one of the four kinds."""
    if not program.ops:
        return None
    builder = _Builder(program.num_qubits)
    for op in program.ops:
        if not _lower_op(builder, op, 2**program.num_qubits):
            return None
    return builder.build()
