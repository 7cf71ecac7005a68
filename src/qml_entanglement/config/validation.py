"""Checks of a composed training config, before any run is created.

Hydra and OmegaConf already reject unknown keys and values of the wrong type while composing
(:mod:`qml_entanglement.config.mistakes` turns their errors into one line). :func:`validate`
adds what types cannot say: each field's constraints (``ge``, ``gt``, ``le``, ``lt``,
``choices``, finite numbers; :func:`~qml_entanglement.config.fields.setting`), that an option's
``name`` is its own, and each option's ``check(cfg)`` for requirements across groups. Every
problem raises one :class:`ConfigError` naming the full key, the bad value and what is allowed.
"""

from __future__ import annotations

import dataclasses
import math
import typing
from typing import Any

from omegaconf import DictConfig, OmegaConf

from .fields import ConfigError, fits
from .mistakes import unknown_key
from .store import is_option_key

GROUPS = ("dataset", "model", "optimizer", "loss", "trainer", "simulator", "metrics", "tracking")


def _type_name(annotation: Any) -> str:
    return str(annotation).replace("typing.", "").replace("<class '", "").replace("'>", "")


_BOUNDS = (
    ("ge", lambda v, b: v >= b, ">="),
    ("gt", lambda v, b: v > b, ">"),
    ("le", lambda v, b: v <= b, "<="),
    ("lt", lambda v, b: v < b, "<"),
)


def check_value(key: str, value: Any, annotation: Any, constraints: typing.Mapping) -> None:
    """One field: its type, finiteness and constraints; :class:`ConfigError` naming ``key``."""
    if not fits(value, annotation):
        raise ConfigError(f"{key}={value!r} has the wrong type; expected {_type_name(annotation)}")
    if value is None or isinstance(value, list | dict):
        return
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(f"{key}={value!r} is not allowed; it must be a finite number")
    if "choices" in constraints and value not in constraints["choices"]:
        allowed = ", ".join(str(c) for c in constraints["choices"])
        raise ConfigError(f"{key}={value!r} is not allowed; choose one of: {allowed}")
    for op, test, word in _BOUNDS:
        if op in constraints and not test(value, constraints[op]):
            raise ConfigError(
                f"{key}={value!r} is out of range; it must be {word} {constraints[op]}"
            )


def _join(prefix: str, key: object) -> str:
    return f"{prefix}.{key}" if prefix else str(key)


def check_node(node: Any, prefix: str) -> Any:
    """Check a typed node against its dataclass (recursively); return the dataclass object.

    ``prefix`` is the node's key (``""`` for a whole config, as a stage's settings); a field
    ``name`` of a buildable option (one with ``_target_``) must keep its default.
    """
    schema = OmegaConf.get_type(node)
    if not (isinstance(node, DictConfig) and dataclasses.is_dataclass(schema)):
        raise ConfigError(f"{prefix} must be one of the config options, got {node!r}")
    hints = typing.get_type_hints(schema)
    names = [f.name for f in dataclasses.fields(schema)]
    known = [name for name in names if not is_option_key(name)]
    for key in node:
        if key not in known and not is_option_key(str(key)):
            raise ConfigError(unknown_key(_join(prefix, key), known))
    for spec in dataclasses.fields(schema):
        if is_option_key(spec.name):
            continue
        key = _join(prefix, spec.name)
        value = OmegaConf.select(node, spec.name, throw_on_missing=False)
        if OmegaConf.is_missing(node, spec.name):
            raise ConfigError(f"missing required key '{key}'")
        if isinstance(value, DictConfig) and dataclasses.is_dataclass(OmegaConf.get_type(value)):
            check_node(value, key)
            continue
        if OmegaConf.is_config(value):
            value = OmegaConf.to_container(value, resolve=True)
        if (
            spec.name == "name"
            and "_target_" in names
            and spec.default is not dataclasses.MISSING
            and value != spec.default
        ):
            group = prefix.replace(".", "/")
            raise ConfigError(
                f"{key}={value!r} is not allowed: it names the option; choose another with "
                f"{group}=<option> (this one is {spec.default})"
            )
        check_value(key, value, hints[spec.name], spec.metadata)
    return OmegaConf.to_object(node)


def _check_feature_range(dataset: Any) -> None:
    values = getattr(dataset, "feature_range", None)
    if values is None:
        return
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
    if (
        len(values) != 2
        or not numbers
        or not all(map(math.isfinite, values))
        or values[0] >= values[1]
    ):
        raise ConfigError(
            f"dataset.feature_range={list(values)!r} is not allowed; give [low, high] with "
            "finite low < high, or null to keep the raw features"
        )


def check_entries(entries: Any, prefix: str) -> None:
    """Each entry of a list of things to build (``callbacks``, ``metrics.measures``) is null or
    a mapping with a ``_target_`` (the function that builds it)."""
    for name, entry in (entries or {}).items():
        target = entry.get("_target_") if isinstance(entry, DictConfig) else None
        if entry is not None and not (isinstance(target, str) and target):
            shown = OmegaConf.to_container(entry) if OmegaConf.is_config(entry) else entry
            raise ConfigError(
                f"{prefix}.{name}={shown!r} is not allowed; give a mapping with "
                "_target_: <module.function>, or null"
            )


def validate(cfg: DictConfig) -> dict[str, Any]:
    """Validate a composed training config; return each group's dataclass object.

    Raises :class:`ConfigError` on the first problem.
    """
    seed = cfg.get("seed")
    if not (isinstance(seed, int) and not isinstance(seed, bool) and seed >= 0):
        raise ConfigError(f"seed={seed!r} must be an integer >= 0")
    checked = {group: check_node(cfg[group], group) for group in GROUPS}
    _check_feature_range(checked["dataset"])
    check_entries(cfg.metrics.measures, "metrics.measures")
    check_entries(cfg.get("callbacks"), "callbacks")
    for group in GROUPS:
        own = checked[group]
        for part in (own, *(v for v in vars(own).values() if dataclasses.is_dataclass(v))):
            check = getattr(part, "check", None)
            if check is not None:
                check(cfg)
    return checked
