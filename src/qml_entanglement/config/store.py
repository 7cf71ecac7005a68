"""Config options: dataclasses registered in Hydra's ConfigStore and built by ``instantiate``.

Each option of a config group (a data set, a feature map, an optimizer, ...) is one dataclass
decorated with :func:`option`; its ``_target_`` names the function or class that builds it and
its fields are that callable's keyword arguments (``name`` excepted: the option's own name, a
label for tags and reports). The decorator stores the dataclass in Hydra's ConfigStore as
``<group>/base_<name>``; the YAML option ``conf/<group>/<name>.yaml`` starts from it
(``defaults: [base_<name>, _self_]``) and holds only what differs. Adding a data set or an
ansatz is therefore one function plus one decorated dataclass; nothing else lists options.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from hydra.core.config_store import ConfigStore
from hydra.errors import InstantiationException
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

from .fields import ConfigError

T = TypeVar("T")


def option(group: str | None, name: str) -> Callable[[type[T]], type[T]]:
    """Register the decorated dataclass as option ``name`` of ``group`` (``base_<name>``);
    ``group`` None: a whole config (a stage's settings, ``defaults: [base_<name>, _self_]``)."""

    def register(cls: type[T]) -> type[T]:
        ConfigStore.instance().store(group=group, name=f"base_{name}", node=cls)
        return cls

    return register


def _without_names(node: Any) -> Any:
    """``node`` as plain containers, minus the ``name`` label of every buildable mapping."""
    if isinstance(node, dict):
        return {
            k: _without_names(v)
            for k, v in node.items()
            if not (k == "name" and "_target_" in node)
        }
    if isinstance(node, list):
        return [_without_names(v) for v in node]
    return node


def build(node: DictConfig, *args: Any, **kwargs: Any) -> Any:
    """Build the object a config node describes: ``hydra.utils.instantiate`` of ``node``
    (nested options too) with plain Python containers, its ``name`` labels left out.

    An error of the target itself (e.g. a ``ValueError`` for data that do not fit) is raised
    as is, not wrapped in Hydra's ``InstantiationException``.
    """
    container = _without_names(OmegaConf.to_container(node, resolve=True))
    try:
        return instantiate(container, *args, _convert_="all", **kwargs)
    except InstantiationException as error:
        if error.__cause__ is not None:
            raise error.__cause__ from None
        raise


def build_each(entries: Any, prefix: str, *args: Any) -> list[Any]:
    """Build every entry of a mapping of ``_target_`` nodes (``metrics.measures``,
    ``callbacks``) as ``target(*args, **its other keys)``, in order; null entries and targets
    that return None are left out. An entry that cannot be built (its target cannot be
    imported, or does not take its keys) raises :class:`ConfigError` naming it."""
    built = []
    for name, entry in (entries or {}).items():
        if entry is None:
            continue
        try:
            value = build(entry, *args)
        except (ImportError, TypeError) as exc:
            target, cause = entry.get("_target_"), exc.__cause__ or exc
            detail = " ".join(f"{type(cause).__name__}: {cause}".split())  # one line
            raise ConfigError(
                f"{prefix}.{name} (_target_={target!r}) cannot be built: {detail}"
            ) from exc
        if value is not None:
            built.append((name, value))
    return built


def is_option_key(key: str) -> bool:
    """Hydra's instantiation keys (``_target_``, ``_partial_``): how, not what, to build."""
    return key.startswith("_") and key.endswith("_")


def option_names(group: str) -> tuple[str, ...]:
    """Names of the registered options of ``group``, e.g. ``("efficient_su2", ...)``."""
    entries = ConfigStore.instance().list(group)
    return tuple(
        sorted(
            e.removeprefix("base_").removesuffix(".yaml") for e in entries if e.startswith("base_")
        )
    )


def build_option(group: str, name: str, *args: Any, **fields: Any) -> Any:
    """Build option ``name`` of ``group`` from its defaults with ``fields`` changed, e.g.
    ``build_option("model/ansatz", "real_amplitudes", 3, reps=2)`` (library use, tests)."""
    if name not in option_names(group):
        raise ValueError(f"{group}={name!r} is not one of: {', '.join(option_names(group))}")
    node = OmegaConf.structured(ConfigStore.instance().load(f"{group}/base_{name}.yaml").node)
    root = OmegaConf.create({"seed": 0})  # what ``${seed}`` means outside a run
    root.option = OmegaConf.merge(node, fields)
    return build(root.option, *args)
