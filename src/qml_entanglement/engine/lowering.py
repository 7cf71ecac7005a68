"""Lower a real trainable block to a short list of steps for the compiled kernels.

A block qualifies when every operation is real for real angles (:attr:`Program.is_real`) and
is one of

* a one-qubit rotation ``exp(-i a K)`` with a purely imaginary generator; on one qubit that
  is ``K = k Y``, so the gate is ``R(k a) = [[cos(k a), -sin(k a)], [sin(k a), cos(k a)]]``
  (``RY(2 k a)``; ``k = 1/2`` for ``ry``);
* a fixed real one-qubit matrix (``h``, ``x``, ...);
* a fixed signed permutation (CNOT / CZ / SWAP runs, already fused into one permutation by
  :func:`~.compile.fuse_fixed_ops`): ``out[i] = sign[i] * in[perm[i]]``.

RealAmplitudes, and any ``n_local`` with ``ry`` rotations and ``cx``/``cz``/``swap``
entanglers, lower this way; every other block keeps the NumPy engine. Consecutive one-qubit
gates on distinct qubits commute; they are lowered into *groups* of at most
:data:`GROUP_QUBITS` qubits, which the kernels apply together, tile by tile, while a tile of
``2**k`` rows is in the L1 cache (one pass over the state per group instead of one per gate).
Since every step is real, the real and imaginary parts of a state evolve separately.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .compile import Program

GROUP, PERMUTATION = 0, 1
GROUP_QUBITS = 6  # a tile is 2**6 runs of rows, worked on while in cache


@dataclass(frozen=True)
class RealBlock:
    """Steps of a lowered block as flat arrays.

    ``kind[t]`` is GROUP or PERMUTATION and ``table[t]`` its row in the group or permutation
    tables. Group ``g`` has ``size[g]`` gates: on ``qubit[g, j]``, either a rotation (``angle
    [g, j]``, the row of the program's angle table, and ``scale[g, j]``, the ``k`` of ``R(k a)``)
    or, where ``angle[g, j] == -1``, the fixed matrix ``fixed[g, j] = (m00, m01, m10, m11)``.
    """

    num_qubits: int
    kind: np.ndarray
    table: np.ndarray
    size: np.ndarray  # (G,)
    qubit: np.ndarray  # (G, GROUP_QUBITS)
    angle: np.ndarray  # (G, GROUP_QUBITS)
    scale: np.ndarray  # (G, GROUP_QUBITS)
    fixed: np.ndarray  # (G, GROUP_QUBITS, 4)
    perms: np.ndarray  # (P, 2**n) int64
    signs: np.ndarray  # (P, 2**n) float64


class _Builder:
    def __init__(self, n: int):
        self.n = n
        self.steps: list[tuple[int, int]] = []
        self.groups: list[list[tuple[int, int, float, np.ndarray]]] = []
        self.perms: list[np.ndarray] = []
        self.signs: list[np.ndarray] = []
        self.open = False  # the last step is a group that can take more gates

    def gate(self, qubit: int, angle: int, scale: float, fixed: np.ndarray) -> None:
        group = self.groups[-1] if self.open else None
        if group is None or len(group) == GROUP_QUBITS or qubit in {g[0] for g in group}:
            self.steps.append((GROUP, len(self.groups)))
            self.groups.append([])
            self.open = True
        self.groups[-1].append((qubit, angle, scale, fixed))

    def permutation(self, perm: np.ndarray, signs: np.ndarray) -> None:
        self.steps.append((PERMUTATION, len(self.perms)))
        self.perms.append(np.asarray(perm, dtype=np.int64))
        self.signs.append(np.asarray(signs, dtype=np.float64))
        self.open = False

    def build(self) -> RealBlock:
        size = 2**self.n
        count = len(self.groups)
        shape = (count, GROUP_QUBITS)
        qubit, angle = np.zeros(shape, np.int64), np.full(shape, -1, np.int64)
        scale, fixed = np.zeros(shape), np.zeros(shape + (4,))
        for g, gates in enumerate(self.groups):
            for j, (q, a, k, m) in enumerate(gates):
                qubit[g, j], angle[g, j], scale[g, j], fixed[g, j] = q, a, k, m
        kind, table = (np.array(c, dtype=np.int64) for c in zip(*self.steps, strict=True))
        return RealBlock(
            self.n, kind, table, np.array([len(g) for g in self.groups], dtype=np.int64),
            qubit, angle, scale, fixed,
            np.array(self.perms, dtype=np.int64).reshape(len(self.perms), size),
            np.array(self.signs, dtype=np.float64).reshape(len(self.signs), size),
        )  # fmt: skip


def lower_real_block(program: Program) -> RealBlock | None:
    """The steps of ``program``, or None when an operation is not one of the three kinds."""
    if not program.is_real or not program.ops:
        return None
    size = 2**program.num_qubits
    builder = _Builder(program.num_qubits)
    identity = np.zeros(4)
    for op in program.ops:
        if op.angle is not None:
            if op.kind != "dense" or len(op.qubits) != 1:
                return None
            k = float(op.matrix[1, 0].imag)  # K = k Y = [[0, -i k], [i k, 0]]
            builder.gate(op.qubits[0], int(op.angle), k, identity)
        elif op.kind in ("perm", "diag"):
            perm = op.perm if op.kind == "perm" else np.arange(size)
            builder.permutation(perm, np.real(op.phases) * np.ones(size))
        elif op.kind == "dense" and len(op.qubits) == 1:
            builder.gate(op.qubits[0], -1, 0.0, np.real(op.matrix).reshape(4))
        else:
            return None
    return builder.build()
