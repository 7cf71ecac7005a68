"""MLflow tracking: the store and a batching run logger."""

from .run_logger import RunLogger
from .store import DEFAULT_URI, ensure_experiment, ensure_store, resolve_tracking_uri

__all__ = ["DEFAULT_URI", "RunLogger", "ensure_experiment", "ensure_store", "resolve_tracking_uri"]
