"""Typed configs: one dataclass per option of every config group, registered in Hydra's
ConfigStore and built with ``hydra.utils.instantiate`` (:func:`build`).

Importing this package registers every option, so ``conf/<group>/<name>.yaml`` can start from
``base_<name>``. It imports no simulator, MLflow or plotting code.
"""

from . import datasets, models, optimization, runtime  # noqa: F401  (registers the options)
from .fields import ConfigError, setting
from .store import build, is_option_key, option
from .validation import validate

__all__ = ["ConfigError", "build", "is_option_key", "option", "setting", "validate"]
