"""``python -m qml_entanglement.engine``: compile the engine's kernels ahead (``make setup``)."""

from .real_block import compile_ahead

print(f"engine kernels compiled or loaded from the cache in {compile_ahead():.1f} s")
