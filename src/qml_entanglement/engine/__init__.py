"""Simulation engines behind the training loop."""

from .compile import CircuitCompileError, Program, compile_circuit
from .statevector import StatevectorSimulator

__all__ = ["CircuitCompileError", "Program", "StatevectorSimulator", "compile_circuit"]
