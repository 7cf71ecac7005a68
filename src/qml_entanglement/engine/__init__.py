"""Simulation engines behind the training loop."""

from .compile import CircuitCompileError, Program, compile_circuit
from .statevector import StatevectorSimulator, program_unitary

__all__ = [
    "CircuitCompileError",
    "Program",
    "StatevectorSimulator",
    "compile_circuit",
    "program_unitary",
]
