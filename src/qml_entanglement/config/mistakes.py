"""Config mistakes that Hydra or OmegaConf catch while composing, as one line each.

Hydra reports an unknown key, a value of the wrong type or a missing option with several lines
of advice (``HYDRA_FULL_ERROR``, the config search path, ``+key=...``). :func:`explain` turns
each into one :class:`~qml_entanglement.config.ConfigError` line that names the key or option,
the value and what exists (for a misspelt key or option, the closest valid one), and
:func:`report_mistakes` runs a Hydra entry point so that every config mistake, whoever catches
it, exits with status 2 and that line.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import sys
import typing
from collections.abc import Callable, Iterable
from typing import Any

from .fields import ConfigError
from .store import is_option_key

ROOT_KEYS = (
    "seed",
    "run_name",
    "force",
    "sweep",
    "dataset",
    "model",
    "optimizer",
    "loss",
    "trainer",
    "simulator",
    "metrics",
    "tracking",
)


def _closest(word: str, candidates: Iterable[str], prefix: str = "") -> str:
    """`` (did you mean '<prefix><closest>'?)``, or ``""`` when nothing is close."""
    match = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean '{prefix}{match[0]}'?)" if match else ""


def _fields(schema: Any) -> list[str]:
    if dataclasses.is_dataclass(schema):
        return [f.name for f in dataclasses.fields(schema) if not is_option_key(f.name)]
    return []


def unknown_key(full_key: str, allowed: list[str]) -> str:
    """``unknown key 'a.b'; did you mean 'a.c'? allowed keys of a: c, d``."""
    prefix, _, key = full_key.rpartition(".")
    where = f" of {prefix}" if prefix else ""
    near = _closest(key, allowed, f"{prefix}." if prefix else "")
    return f"unknown key '{full_key}'{near}; allowed keys{where}: {', '.join(allowed)}"


def _wrong_type(full_key: str, key: str, value: Any, schema: Any) -> str:
    hints = typing.get_type_hints(schema) if dataclasses.is_dataclass(schema) else {}
    expected = hints.get(key.split("[")[0])
    shown = str(expected).replace("typing.", "").replace("<class '", "").replace("'>", "")
    wanted = f"; expected {shown}" if expected is not None else ""
    return f"{full_key}={value!r} has the wrong type{wanted}"


def _missing_option(missing: str, options: list[str]) -> str:
    group, _, name = missing.rpartition("/")
    real = [o for o in options if not o.startswith("base_")]
    near = _closest(name, real)
    return f"{group}={name!r} is not an option{near}; choose one of: {', '.join(real)}"


def explain(error: BaseException) -> str | None:
    """One line for a config mistake caught by Hydra or OmegaConf, else None."""
    from hydra.errors import ConfigCompositionException, MissingConfigException
    from omegaconf.errors import ConfigAttributeError, ConfigKeyError, ValidationError

    if isinstance(error, ConfigError):
        return str(error)
    if isinstance(error, MissingConfigException) and error.missing_cfg_file:
        return _missing_option(error.missing_cfg_file, list(error.options or []))
    cause = error.__cause__ if isinstance(error, ConfigCompositionException) else error
    if isinstance(cause, ConfigAttributeError | ConfigKeyError) and cause.full_key:
        return unknown_key(cause.full_key, _fields(cause.object_type) or list(ROOT_KEYS))
    if isinstance(cause, ValidationError) and cause.full_key:
        return _wrong_type(cause.full_key, str(cause.key), cause.value, cause.object_type)
    if isinstance(error, ConfigCompositionException):
        return str(error).splitlines()[0]
    if isinstance(error, ValueError) and "Config group override must be" in str(error):
        return _null_group(sys.argv[1:])
    return None


def _null_group(arguments: list[str]) -> str:
    """Hydra's ValueError for ``group=null``: which group, and how to drop it instead."""
    group = next(
        (a.split("=")[0] for a in arguments if a.endswith("=null") and "." not in a.split("=")[0]),
        "<group>",
    )
    return (
        f"{group}=null is not allowed (a config group cannot be set to null); "
        f"~{group} composes without it"
    )


def report_mistakes(main: Callable[[], Any]) -> Any:
    """Run a Hydra entry point; a config mistake prints ``error: invalid config: <line>`` and
    exits with status 2 (Hydra's own report would exit 1 after several lines)."""
    os.environ["HYDRA_FULL_ERROR"] = "1"  # Hydra re-raises instead of printing and exiting
    try:
        return main()
    except Exception as error:  # noqa: BLE001 -- anything else is re-raised unchanged
        line = explain(error)
        if line is None:
            raise
        print(f"error: invalid config: {line}", file=sys.stderr)
        sys.exit(2)
