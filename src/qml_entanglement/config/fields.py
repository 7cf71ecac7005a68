"""Building blocks of the typed configs: the one error type and field constraints.

A constraint is dataclass field metadata (``ge``, ``gt``, ``le``, ``lt``, ``choices``) that
:func:`~qml_entanglement.config.validation.validate` checks before any run is created; OmegaConf
already checks the field's type when Hydra composes the config.
"""

from __future__ import annotations

import types
import typing
from dataclasses import MISSING, field
from typing import Any

from omegaconf import ListConfig


class ConfigError(ValueError):
    """A config value is wrong; the message names the key and the allowed values."""


def setting(default: Any = MISSING, *, factory: Any = MISSING, **constraints: Any) -> Any:
    """A dataclass field with a default (or ``factory``) and constraints, e.g.
    ``reps: int = setting(2, ge=0)`` or ``centers: str = setting("random", choices=(...))``."""
    if factory is not MISSING:
        return field(default_factory=factory, metadata=constraints)
    return field(default=default, metadata=constraints)


def fits(value: Any, annotation: Any, *, assigned: bool = False) -> bool:
    """Whether ``value`` has the type a field annotated ``annotation`` holds.

    ``assigned=True``: whether OmegaConf takes the plain ``value`` when it is assigned to such
    a field (a command-line override): a ``str`` field converts numbers and booleans, a
    ``float`` field ints; an annotation this function does not know is then not vouched for
    (False), where a composed value passes (True: OmegaConf checked it).
    """
    origin = typing.get_origin(annotation)
    if annotation is Any:
        return True
    if origin in (typing.Union, types.UnionType):
        return any(fits(value, a, assigned=assigned) for a in typing.get_args(annotation))
    if value is None or annotation is type(None):
        return value is None and annotation is type(None)
    if annotation is bool:
        return isinstance(value, bool)
    if annotation is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if annotation is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if annotation is str:
        return isinstance(value, str | int | float | bool) if assigned else isinstance(value, str)
    if origin is list or annotation is list:
        return isinstance(value, list | tuple | ListConfig)
    return not assigned
