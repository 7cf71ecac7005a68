"""qml-entanglement: how entanglement evolves while variational quantum circuits train.

``qml_entanglement.metrics`` is the metrics library; ``qml_entanglement.track`` tracks a training
loop of your own like one of our runs (:mod:`qml_entanglement.tracking.track`). Everything loads
on first use, so importing the package costs nothing.
"""

from __future__ import annotations

from typing import Any

__all__ = ["track"]


def __getattr__(name: str) -> Any:
    if name == "track":
        from .tracking.track import track

        return track
    raise AttributeError(f"module 'qml_entanglement' has no attribute {name!r}")
