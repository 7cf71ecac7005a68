"""Compile a qiskit circuit into a flat program of batched numpy operations.

Every instruction becomes one of three kinds of operation on a batch of statevectors
``(B, 2**n)`` (qiskit little-endian: qubit ``q`` is bit ``q`` of the basis index):

* ``diag``  -- a diagonal gate, stored as a length ``2**n`` phase vector (``rz``, ``p``, ``cz``,
  ``rzz``, ``cp``, ...). A parametric diagonal gate ``exp(-i angle K)`` stores the diagonal of
  its generator ``K`` instead, so ``U(angle) psi = exp(-i angle k) * psi``.
* ``perm``  -- a permutation with phases (``x``, ``y``, ``cx``, ``swap``, ``ccx``, ...).
* ``dense`` -- any other gate on ``k`` qubits, as a ``2**k x 2**k`` matrix; a parametric one
  ``exp(-i angle K)`` stores the eigen-decomposition of ``K``.
* ``diags`` -- a run of diagonal gates, fixed and parametric, merged into one pass (data
  encodings only, :func:`fuse_diagonal_runs`): ``exp(-i sum_g angle_g k_g) * fixed``, the
  exponent for the whole batch from one matrix product.

A parametric gate is accepted when its matrix is ``exp(-i angle K)`` for a fixed Hermitian
generator ``K`` (true of ``rx, ry, rz, p, rxx, ryy, rzz, rzx, cp, crx, cry, crz`` and any other
one-parameter rotation); this is checked numerically at compile time, so new gates from
``qiskit.circuit.library`` need no new engine code. Gate angles may be any qiskit parameter
expression of the *data* parameters (evaluated vectorised with sympy); angles of *trainable*
parameters must be affine in them (``a * theta + b``), which is what makes the adjoint gradient
exact and cheap (``d angle / d theta`` is a constant matrix).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from qiskit.circuit import Parameter, ParameterExpression, QuantumCircuit
from qiskit.quantum_info import Operator

IGNORED_INSTRUCTIONS = frozenset({"barrier", "delay"})


class CircuitCompileError(ValueError):
    """A circuit holds an instruction or parameter use the engine cannot compile."""


@dataclass
class Op:
    """One operation of a compiled program (see module docstring for the kinds)."""

    kind: str  # "diag" | "perm" | "dense" | "diags"
    qubits: tuple[int, ...]
    name: str
    # row in the program's angle table, None for fixed gates; diags: the rows of its gates
    angle: int | np.ndarray | None = None
    phases: np.ndarray | None = None  # diag: phases (fixed) or generator diagonal (parametric)
    perm: np.ndarray | None = None  # perm: out[:, i] = phases[i] * in[:, perm[i]]
    # dense fixed matrix, or dense generator K (parametric); diags: generator diagonals (G, 2**n)
    matrix: np.ndarray | None = None
    eigvals: np.ndarray | None = None  # dense parametric: K = V diag(eigvals) V^H
    eigvecs: np.ndarray | None = None

    @cached_property
    def inverse_perm(self) -> np.ndarray:
        """``perm``'s inverse: the adjoint gathers rows instead of scattering them."""
        return np.argsort(self.perm)

    @cached_property
    def trivial_phases(self) -> bool:
        """All phases are 1 (e.g. CNOT layers): a permutation needs no multiplication."""
        return bool(np.all(self.phases == 1))

    @cached_property
    def real_rotation(self) -> bool:
        """A dense rotation whose generator is purely imaginary: ``exp(-i a K)`` is real."""
        return self.eigvals is not None and not np.abs(self.matrix.real).any()


@dataclass
class AngleTable:
    """Gate angles as functions of the parameter values.

    Affine rows satisfy ``angle = offset + jacobian @ values``; rows listed in ``nonlinear``
    are evaluated by vectorised callables instead (allowed for data parameters only).
    """

    offset: np.ndarray
    jacobian: np.ndarray
    nonlinear: dict[int, tuple[object, list[int]]] = field(default_factory=dict)

    def evaluate(self, values: np.ndarray) -> np.ndarray:
        """Angles for ``values`` of shape ``(P,)`` or ``(B, P)``; returns ``(G,)`` / ``(B, G)``."""
        values = np.asarray(values, dtype=float)
        angles = values @ self.jacobian.T + self.offset
        if self.nonlinear:
            angles = np.array(angles, dtype=float, copy=True)
            for row, (func, cols) in self.nonlinear.items():
                args = [values[..., c] for c in cols]
                angles[..., row] = func(*args)
        return angles


@dataclass
class Program:
    """A compiled circuit: operations in order plus the table of their angles."""

    num_qubits: int
    parameters: list[Parameter]
    ops: list[Op]
    angles: AngleTable

    @property
    def num_parameters(self) -> int:
        return len(self.parameters)

    @cached_property
    def is_real(self) -> bool:
        """True when every gate is a real matrix for real angles (fixed gates real, rotation
        generators purely imaginary, as in RY + CNOT circuits such as RealAmplitudes): the
        block's unitary is then real orthogonal and can be simulated in real arithmetic."""
        for op in self.ops:
            if op.angle is None:
                values = op.matrix if op.kind == "dense" else op.phases
                if np.abs(np.imag(values)).max(initial=0.0) > 1e-14:
                    return False
            elif op.kind == "diag" or np.abs(op.matrix.real).max() > 1e-14:
                return False
        return True


def _bit(index: np.ndarray, qubit: int) -> np.ndarray:
    return (index >> qubit) & 1


def _local_index(n: int, qubits: Sequence[int]) -> np.ndarray:
    """For each basis index of ``n`` qubits, the index within the gate's ``qubits`` (LSB first)."""
    index = np.arange(2**n)
    local = np.zeros_like(index)
    for j, q in enumerate(qubits):
        local |= _bit(index, q) << j
    return local


def _as_diagonal(matrix: np.ndarray, n: int, qubits: Sequence[int]) -> np.ndarray | None:
    if not np.allclose(matrix, np.diag(np.diag(matrix)), atol=1e-12):
        return None
    return np.diag(matrix)[_local_index(n, qubits)]


def _as_permutation(
    matrix: np.ndarray, n: int, qubits: Sequence[int]
) -> tuple[np.ndarray, np.ndarray] | None:
    mask = np.abs(matrix) > 1e-12
    if not (np.all(mask.sum(axis=0) == 1) and np.all(mask.sum(axis=1) == 1)):
        return None
    source_local = mask.argmax(axis=1)  # row o takes amplitude from column source_local[o]
    phases_local = matrix[np.arange(len(matrix)), source_local]
    index = np.arange(2**n)
    local = _local_index(n, qubits)
    cleared = index.copy()
    for q in qubits:
        cleared &= ~(1 << q)
    source = cleared.copy()
    for j, q in enumerate(qubits):
        source |= _bit(source_local[local], j) << q
    return source, phases_local[local]


def _generator(gate, angle_probe: float = 0.7317) -> np.ndarray | None:
    """Hermitian ``K`` with ``gate(angle) = exp(-i angle K)``, or None if not of that form."""
    cls = type(gate)
    try:

        def matrix(a: float) -> np.ndarray:
            return np.asarray(cls(a).to_matrix(), dtype=complex)

        h = 1e-6
        derivative = (matrix(h) - matrix(-h)) / (2 * h)
        generator = 1j * derivative @ matrix(0.0).conj().T
    except Exception:  # gate class cannot be rebuilt from one angle
        return None
    generator = (generator + generator.conj().T) / 2
    generator = np.round(generator, 6)  # finite-difference noise; generators have simple entries
    eigvals, eigvecs = np.linalg.eigh(generator)
    for probe in (angle_probe, -2.1, 3.9):
        rebuilt = eigvecs @ np.diag(np.exp(-1j * probe * eigvals)) @ eigvecs.conj().T
        if not np.allclose(rebuilt, matrix(probe), atol=1e-9):
            return None
    return generator


def _affine(
    expr: ParameterExpression, index: dict[Parameter, int]
) -> tuple[float, dict[int, float]]:
    coeffs: dict[int, float] = {}
    for p in expr.parameters:
        d = expr.gradient(p)
        if isinstance(d, ParameterExpression):
            raise ValueError("not affine")
        coeffs[index[p]] = float(np.real(complex(d)))
    zero = expr.bind({p: 0.0 for p in expr.parameters})
    return float(np.real(complex(zero))), coeffs


def _lambdify(expr: ParameterExpression, index: dict[Parameter, int]):
    import sympy

    params = sorted(expr.parameters, key=lambda p: index[p])
    symbols = [sympy.Symbol(p.name) for p in params]
    func = sympy.lambdify(symbols, expr.sympify(), modules="numpy")
    return func, [index[p] for p in params]


def compile_circuit(
    circuit: QuantumCircuit,
    parameters: Sequence[Parameter] | None = None,
    *,
    allow_nonlinear: bool = False,
    fuse_diagonals: bool = False,
) -> Program:
    """Compile ``circuit`` into a :class:`Program` over ``parameters`` (default: all, sorted).

    Parameters
    ----------
    circuit
        A qiskit circuit of unitary gates (composite gates are expanded through their
        definitions; ``u``/``u3`` into ``rz ry rz`` with its global phase).
    parameters
        The order of the parameter vector the program's angle table takes.
    allow_nonlinear
        Accept gate angles that are non-affine expressions of the parameters (data encoding);
        such programs cannot be differentiated.
    fuse_diagonals
        Merge runs of diagonal and permutation gates into one permutation and one ``diags``
        op (:func:`fuse_diagonal_runs`); for programs that are never differentiated (data
        encodings: the ZZ feature map's phases are then one matrix product and one ``exp``).

    Raises
    ------
    CircuitCompileError
        Naming the instruction that is neither a fixed unitary nor a rotation
        ``exp(-i angle K)`` (measurements, resets, multi-angle gates without a definition), or
        a non-affine angle when ``allow_nonlinear`` is false.
    """
    params = list(circuit.parameters) if parameters is None else list(parameters)
    unknown = set(circuit.parameters) - set(params)
    if unknown:
        names = ", ".join(sorted(p.name for p in unknown))
        raise CircuitCompileError(f"circuit parameters not in the parameter list: {names}")
    compiler = _Compiler(circuit.num_qubits, params, allow_nonlinear)
    # a pipeline: each op is merged as soon as it is compiled, so no more than a run's state
    # and the fused program are alive at once (memory proportional to 2**n, not to the gates)
    ops = fuse_fixed_ops(compiler.compile(circuit), circuit.num_qubits)
    if fuse_diagonals:
        ops = fuse_diagonal_runs(ops, circuit.num_qubits)
    ops = list(ops)  # every angle row is added once the ops are consumed
    return Program(circuit.num_qubits, params, ops, compiler.angle_table())


def fuse_diagonal_runs(ops: Iterable[Op], n: int) -> Iterator[Op]:
    """Merge each run of diagonal (fixed or parametric) and permutation ops into at most one
    permutation followed by one ``diags`` op, as the ops arrive.

    A permutation after a diagonal moves in front of it by permuting the diagonal:
    ``(d * x)[p] = d[p] * x[p]``. So a run is ``out = f * exp(-i sum_g a_g k_g) * in[P]``,
    kept as ``P`` (a ``perm`` op, phases 1) and ``f``, ``k_g`` and the angle rows ``g``.
    """
    first: Op | None = None  # a run's first op, kept as it is if the run ends there
    run: _DiagonalRun | None = None
    for op in ops:
        if op.kind in ("diag", "perm"):
            if first is None and run is None:
                first = op
                continue
            if run is None:
                run, first = _DiagonalRun(n, first), None
            run.add(op)
            continue
        if first is not None or run is not None:
            yield from [first] if run is None else run.ops()
            first, run = None, None
        yield op
    if first is not None or run is not None:
        yield from [first] if run is None else run.ops()


class _DiagonalRun:
    """The merged form of a run of diagonal and permutation ops, built op by op.

    A generator ``k`` added when the run's permutation is ``P_t`` ends as ``k[S_t]`` with
    ``S_t`` the later permutations, ``P = P_t[S_t]``; it is kept as ``k[P_t^-1]`` and mapped
    by the final ``P`` once (:meth:`ops`), so each op costs ``O(2**n)`` however many
    generators the run holds.
    """

    def __init__(self, n: int, first: Op):
        size = 2**n
        self.n = n
        self.perm = np.arange(size)
        self.inverse = np.arange(size)
        self.fixed = np.ones(size, dtype=complex)
        self.generators: list[np.ndarray | None] = []
        self.rows: list[int] = []
        self.qubits: set[int] = set()
        self.names: list[str] = []
        self.add(first)

    def add(self, op: Op) -> None:
        self.qubits.update(op.qubits)
        self.names.append(op.name)
        if op.kind == "perm":  # out = ph * (f * exp(..) * in[P])[p]
            phases = op.phases if op.phases is not None else 1.0
            self.fixed = phases * self.fixed[op.perm]
            inverse = np.empty_like(op.perm)
            inverse[op.perm] = np.arange(op.perm.size)
            self.perm = self.perm[op.perm]
            self.inverse = inverse[self.inverse]
        elif op.angle is None:
            self.fixed = self.fixed * op.phases
        else:
            self.generators.append(np.real(op.phases)[self.inverse])
            self.rows.append(op.angle)

    def ops(self) -> list[Op]:
        size = 2**self.n
        qubits = tuple(sorted(self.qubits))
        name = "+".join(self.names)
        out = []
        if not np.array_equal(self.perm, np.arange(size)):
            ones = np.ones(size, dtype=complex)
            out.append(Op("perm", qubits, name, perm=self.perm, phases=ones))
        matrix = np.empty((len(self.generators), size))
        for g in range(len(matrix)):  # each generator freed once mapped: one copy at a time
            matrix[g] = self.generators[g][self.perm]
            self.generators[g] = None
        self.generators.clear()
        rows = np.array(self.rows, dtype=int) if self.rows else None
        out.append(Op("diags", qubits, name, angle=rows, phases=self.fixed, matrix=matrix))
        return out


def fuse_fixed_ops(ops: Iterable[Op], n: int) -> Iterator[Op]:
    """Merge runs of consecutive fixed diagonal/permutation ops into one op, as they arrive.

    ``out = ph2 * (ph1 * in[p1])[p2]`` is the single permutation ``p1[p2]`` with phases
    ``ph2 * ph1[p2]``; a layer of CNOTs thus costs one gather instead of one per gate.
    """
    last: Op | None = None
    for op in ops:
        mergeable = _fixed_diagonal_or_permutation(op)
        if mergeable and last is not None and _fixed_diagonal_or_permutation(last):
            last = _merged_fixed(last, op, n)
            continue
        if last is not None:
            yield last
        last = op
    if last is not None:
        yield last


def _fixed_diagonal_or_permutation(op: Op) -> bool:
    return op.angle is None and op.kind in ("diag", "perm")


def _merged_fixed(last: Op, op: Op, n: int) -> Op:
    identity = np.arange(2**n)
    p1 = last.perm if last.perm is not None else identity
    p2 = op.perm if op.perm is not None else identity
    perm = p1[p2]
    phases = op.phases * last.phases[p2]
    qubits = tuple(sorted(set(last.qubits) | set(op.qubits)))
    name = f"{last.name}+{op.name}"
    if np.array_equal(perm, identity):
        return Op("diag", qubits, name, phases=phases)
    return Op("perm", qubits, name, perm=perm, phases=phases)


def _u_as_rotations(gate) -> QuantumCircuit:
    """``U(theta, phi, lam) = exp(i (phi + lam) / 2) RZ(phi) RY(theta) RZ(lam)``."""
    theta, phi, lam = gate.params
    circuit = QuantumCircuit(1, global_phase=(phi + lam) / 2)
    circuit.rz(lam, 0)
    circuit.ry(theta, 0)
    circuit.rz(phi, 0)
    return circuit


class _Compiler:
    """Walks a circuit, emitting ops and building the angle table row by row."""

    def __init__(self, n: int, params: list[Parameter], allow_nonlinear: bool):
        self.n = n
        self.index = {p: i for i, p in enumerate(params)}
        self.allow_nonlinear = allow_nonlinear
        self.offsets: list[float] = []
        self.rows: list[np.ndarray] = []
        self.nonlinear: dict[int, tuple[object, list[int]]] = {}

    def angle_table(self) -> AngleTable:
        jacobian = np.array(self.rows) if self.rows else np.zeros((0, len(self.index)))
        return AngleTable(np.array(self.offsets, dtype=float), jacobian, self.nonlinear)

    def compile(self, circuit: QuantumCircuit) -> Iterator[Op]:
        """Ops of ``circuit`` (on the full register), its global phase first, one at a time
        (each holds ``2**n`` numbers; the caller merges them as they come)."""
        yield from self._global_phase(circuit)
        qubit_index = {q: i for i, q in enumerate(circuit.qubits)}
        for instruction in circuit.data:
            qubits = tuple(qubit_index[q] for q in instruction.qubits)
            yield from self._instruction(instruction, qubits)

    def _expand(self, definition: QuantumCircuit, qubits: tuple[int, ...]) -> Iterator[Op]:
        mapped = QuantumCircuit(self.n)  # compose() carries the definition's global phase over
        mapped.compose(definition, qubits=list(qubits), inplace=True)
        return self.compile(mapped)

    def _instruction(self, instruction, qubits: tuple[int, ...]) -> Iterable[Op]:
        gate = instruction.operation
        if gate.name in IGNORED_INSTRUCTIONS:
            return []
        if instruction.clbits or gate.name in {"measure", "reset"}:
            raise CircuitCompileError(
                f"instruction '{gate.name}' is not unitary; the engine simulates unitary circuits"
            )
        symbolic = [p for p in gate.params if isinstance(p, ParameterExpression) and p.parameters]
        if not symbolic:
            try:
                matrix = Operator(gate).data
            except Exception as exc:
                if gate.definition is None:
                    raise CircuitCompileError(
                        f"instruction '{gate.name}' has no matrix and no definition"
                    ) from exc
                return self._expand(gate.definition, qubits)
            return [_fixed_op(gate.name, matrix, self.n, qubits)]
        if gate.name in ("u", "u3") and len(gate.params) == 3:
            return self._expand(_u_as_rotations(gate), qubits)
        generator = _generator(gate) if len(gate.params) == 1 else None
        if generator is not None:
            row = self._angle_row(gate.params[0], gate.name)
            return [_parametric_op(gate.name, generator, self.n, qubits, row)]
        if gate.definition is not None and gate.definition.data and not _is_self(gate):
            return self._expand(gate.definition, qubits)
        raise CircuitCompileError(
            f"instruction '{gate.name}' with parameters {[str(p) for p in gate.params]} "
            "is not a one-parameter rotation exp(-i angle K) and cannot be compiled"
        )

    def _global_phase(self, circuit: QuantumCircuit) -> list[Op]:
        """A numeric global phase is a fixed diagonal op (fused for free); a symbolic one a
        parametric op ``exp(-i gamma K)`` with ``K = -1``."""
        phase = circuit.global_phase
        size = 2**self.n
        if isinstance(phase, ParameterExpression) and phase.parameters:
            row = self._angle_row(phase, "global_phase")
            return [Op("diag", (), "global_phase", angle=row, phases=-np.ones(size))]
        if float(phase):
            return [Op("diag", (), "global_phase", phases=np.full(size, np.exp(1j * float(phase))))]
        return []

    def _angle_row(self, expr: ParameterExpression, name: str) -> int:
        """Add ``expr`` to the angle table; return its row."""
        row = len(self.offsets)
        jac = np.zeros(len(self.index))
        try:
            offset, coeffs = _affine(expr, self.index)
            for i, c in coeffs.items():
                jac[i] = c
        except ValueError:
            if not self.allow_nonlinear:
                raise CircuitCompileError(
                    f"angle '{expr}' of instruction '{name}' is not affine in the trainable "
                    "parameters; only a*theta + b angles can be differentiated exactly"
                ) from None
            offset = 0.0
            self.nonlinear[row] = _lambdify(expr, self.index)
        self.offsets.append(offset)
        self.rows.append(jac)
        return row


def _is_self(gate) -> bool:
    definition = gate.definition
    return len(definition.data) == 1 and definition.data[0].operation.name == gate.name


def _real_if_possible(values: np.ndarray) -> np.ndarray:
    """Real dtype when the imaginary part vanishes, so real programs stay in real arithmetic."""
    return values.real.copy() if not np.abs(values.imag).any() else values


def _fixed_op(name: str, matrix: np.ndarray, n: int, qubits: tuple[int, ...]) -> Op:
    diagonal = _as_diagonal(matrix, n, qubits)
    if diagonal is not None:
        return Op("diag", qubits, name, phases=_real_if_possible(diagonal))
    permutation = _as_permutation(matrix, n, qubits)
    if permutation is not None:
        source, phases = permutation
        return Op("perm", qubits, name, perm=source, phases=_real_if_possible(phases))
    return Op("dense", qubits, name, matrix=_real_if_possible(np.asarray(matrix, dtype=complex)))


def _parametric_op(name: str, generator: np.ndarray, n: int, qubits, row: int) -> Op:
    diagonal = _as_diagonal(generator, n, qubits)
    if diagonal is not None:
        return Op("diag", qubits, name, angle=row, phases=diagonal.real.astype(float))
    eigvals, eigvecs = np.linalg.eigh(generator)
    return Op("dense", qubits, name, angle=row, matrix=generator, eigvals=eigvals, eigvecs=eigvecs)
