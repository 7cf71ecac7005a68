"""Building blocks of the typed configs: the one error type and field constraints.

A constraint is dataclass field metadata (``ge``, ``gt``, ``le``, ``lt``, ``choices``) that
:func:`~qml_entanglement.config.validation.validate` checks before any run is created; OmegaConf
already checks the field's type when Hydra composes the config.
"""

from __future__ import annotations

from dataclasses import MISSING, field
from typing import Any


class ConfigError(ValueError):
    """A config value is wrong; the message names the key and the allowed values."""


def setting(default: Any = MISSING, *, factory: Any = MISSING, **constraints: Any) -> Any:
    """A dataclass field with a default (or ``factory``) and constraints, e.g.
    ``reps: int = setting(2, ge=0)`` or ``centers: str = setting("random", choices=(...))``."""
    if factory is not MISSING:
        return field(default_factory=factory, metadata=constraints)
    return field(default=default, metadata=constraints)
