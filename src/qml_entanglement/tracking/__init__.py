"""MLflow tracking: the store, a batching run logger, and a background metric writer.

Names load lazily, so ``qml_entanglement.tracking.writer`` can start its process before this
process pays MLflow's imports.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "RunLogger": "run_logger",
    "DEFAULT_URI": "store",
    "ensure_experiment": "store",
    "ensure_store": "store",
    "resolve_tracking_uri": "store",
    "StoreUnavailable": "uri",
    "redact": "uri",
    "MetricWriter": "writer",
    "start_writer": "writer",
    "wants_writer": "writer",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
