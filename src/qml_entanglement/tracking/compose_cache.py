"""Hydra's ``compose``, composing each set of config-group choices once per process.

A sweep job's run name compares its config with the config its overrides give without the
chosen experiment or sweep variant (:func:`~.run_identity.reference_configs`): two more
compositions per job, about 0.25 CPU-s each, on top of the one Hydra's launcher makes. The jobs
of a sweep differ mostly in plain values (``seed=2``, ``model.ansatz.reps=3``), and Hydra
(1.3, ``ConfigLoaderImpl``) composes in two stages: the config-group overrides build the
defaults list and its merged config; then every other override ("config override") is applied
to that config, in order, by ``OmegaConf.update(cfg, key, value, merge=True)``. Config
overrides never reach the defaults list. So ``compose(name, groups + plain)`` equals
``compose(name, groups)`` followed by those updates, and the first stage can be kept and
reused by every job with the same group choices. What is kept is keyed by the config search
path, the config's name and the group overrides: Hydra's joblib launcher restores a fresh
``GlobalHydra`` for every job, so the Hydra instance cannot be the key (config files edited
during a sweep would name the later runs of this worker after the files as they were).

:func:`compose_reusing` does exactly that where it is exactly Hydra's result: every override
is either a config-group choice (``group=option``, ``+group=option``, ``~group``) or a plain
change of a config value (``key=value``, no ``+``/``++``/``~``, no ``@package``, not a dict or
list, not under ``hydra``) that lands on an existing leaf (not on a node a group fills). Any
other list of overrides, and any update that fails, is composed by Hydra in full, so a
mistake raises Hydra's own error.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from omegaconf import DictConfig, ListConfig, OmegaConf

_MISSING = object()
_MAX_KEPT = 64  # group-choice sets kept (a full atlas worker sees 40 x 2)
_kept: dict[tuple, DictConfig] = {}


def compose_reusing(config_name: str, overrides: list[str]) -> DictConfig:
    """``hydra.compose(config_name, overrides)``, reusing the composition of the same
    config-group choices made earlier in this process (see the module's docstring).

    Needs an initialised Hydra (``@hydra.main`` or ``initialize_config_dir``), like
    ``compose``. Returns a config of its own (never one shared with another call).
    """
    from hydra import compose
    from hydra.core.global_hydra import GlobalHydra

    loader = GlobalHydra.instance().config_loader()
    split = split_overrides(overrides, loader)
    if split is not None:
        groups, plain = split
        key = (search_path_of(loader), config_name, tuple(groups))
        cfg = with_plain_values(
            kept(key, lambda: compose(config_name=config_name, overrides=list(groups))), plain
        )
        if cfg is not None:
            return cfg
    return compose(config_name=config_name, overrides=list(overrides))


def kept(key: tuple, compose_groups: Callable[[], DictConfig]) -> DictConfig:
    """A copy of the config kept under *key*, composed by *compose_groups* the first time."""
    if key not in _kept:
        if len(_kept) >= _MAX_KEPT:
            _kept.pop(next(iter(_kept)))
        _kept[key] = compose_groups()
    return copy.deepcopy(_kept[key])


def search_path_of(loader) -> tuple:
    """The config search path of Hydra's config *loader*, as a key."""
    return tuple((e.provider, e.path) for e in loader.get_search_path().get_path())


def with_plain_values(cfg: DictConfig, plain: list[tuple[str, Any]]) -> DictConfig | None:
    """*cfg* with each ``(key, value)`` applied as Hydra applies a config override after
    composing, or None where one is not a plain change of an existing leaf (Hydra then
    composes the whole list and says what is wrong)."""
    try:
        for name, value in plain:
            if isinstance(OmegaConf.select(cfg, name, default=_MISSING), DictConfig | ListConfig):
                raise ValueError(f"{name} is a node, not a value")
            OmegaConf.update(cfg, name, value, merge=True)
    except Exception:  # what Hydra would refuse: let Hydra say so
        return None
    return cfg


def split_overrides(overrides: list[str], loader) -> tuple[list[str], list[tuple[str, Any]]] | None:
    """``(group overrides, [(key, value) of plain changes])``, or None when any override is
    neither (a dict value, an addition or deletion of a config value, a package, ``hydra.``)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.core.override_parser.types import OverrideType

    groups: list[str] = []
    plain: list[tuple[str, Any]] = []
    for override in OverridesParser.create().parse_overrides(list(overrides)):
        value = override.value()
        if override.is_sweep_override() or isinstance(value, dict):
            return None
        if _is_group(override.key_or_group, loader):
            groups.append(override.input_line)
            continue
        simple = override.type == OverrideType.CHANGE and override.package is None
        if not simple or override.is_hydra_override() or isinstance(value, list):
            return None
        plain.append((override.key_or_group, value))
    return groups, plain


def _is_group(key: str, loader) -> bool:
    """Whether *key* (``model/ansatz``, ``seed``) names a config group in a source of the
    search path, as Hydra's repository decides it (``group_exists``); asked of each source
    directly: ``loader.list_groups`` builds a whole caching repository per call (0.1 s)."""
    return any(source.is_group(key) for source in loader.get_sources())
