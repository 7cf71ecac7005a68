"""MLflow tracking: the store, a batching run logger, and a background metric writer.

Names load lazily, so ``qml_entanglement.tracking.writer`` can start its process before this
process pays MLflow's imports.
"""

from __future__ import annotations

import importlib
import logging
import os
from typing import Any

# A tracking server that has gone away must fail a call in seconds, not after MLflow's default
# 7 retries with exponential backoff and a 120 s timeout (minutes of silence); set these
# variables to override.
for _name, _value in (
    ("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "2"),
    ("MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR", "1"),
    ("MLFLOW_HTTP_REQUEST_TIMEOUT", "10"),
):
    os.environ.setdefault(_name, _value)

# A store error is reported once, in words, by the run (RunLogger); MLflow's own logger would
# print each one again with a traceback (1,851 lines for one full disk).
logging.getLogger("mlflow.store.db.utils").setLevel(logging.CRITICAL)

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
