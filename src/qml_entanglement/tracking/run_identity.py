"""What identifies a tracked run: its params, its tags and the hash of its config."""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Iterable
from typing import Any

from omegaconf import DictConfig, OmegaConf

from ..config import is_option_key
from .membership import sweep_tags
from .uri import redact

_NOT_HASHED = ("tracking", "force", "sweep", "run_name")  # where and how a run is tracked


def _described(container: Any) -> Any:
    """The config's values without Hydra's build keys (``_target_``, ``_partial_``); a mapping
    that held nothing else (e.g. a measure or callback entry without settings) is left out."""
    if not isinstance(container, dict):
        return container
    kept = {k: _described(v) for k, v in container.items() if not is_option_key(k)}
    return {k: v for k, v in kept.items() if not (v == {} and container[k])}


def flatten(config: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}} -> {"a.b": 1}``; lists stay values; build keys are left out."""
    flat: dict[str, Any] = {}
    for key, value in _described(config).items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def run_params(cfg: DictConfig) -> dict[str, Any]:
    """Every resolved config value as an MLflow param (``dataset.cluster_std``), URIs redacted."""
    params = flatten(OmegaConf.to_container(cfg, resolve=True))
    return {k: redact(v) if isinstance(v, str) else v for k, v in params.items()}


def config_hash(cfg: DictConfig) -> str:
    """Hash of the resolved config minus where it is tracked: equal hashes, equal runs."""
    container = _described(OmegaConf.to_container(cfg, resolve=True))
    for key in _NOT_HASHED:
        container.pop(key, None)
    text = OmegaConf.to_yaml(OmegaConf.create(container), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def git_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5, check=True
        )
        return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def run_tags(
    cfg: DictConfig, overrides: list[str], model_tags: dict[str, str], metric_names
) -> dict[str, str]:
    """The tags the comparison stage selects and groups by, plus the run's sweep membership."""
    return {
        "dataset": cfg.dataset.name,
        "model": cfg.model.name,
        **model_tags,
        "optimizer": cfg.optimizer.name,
        "loss": cfg.loss.name,
        "simulator": cfg.simulator.name,
        "seed": str(cfg.seed),
        "git_commit": git_commit(),
        "overrides": redact(" ".join(overrides)),
        "config_hash": config_hash(cfg),
        "entanglement_metrics": ",".join(metric_names),
        **sweep_tags(cfg),
    }


# Overrides a run's name leaves out: choices already in the base name (``<model>-<dataset>``),
# and where and how the run is tracked rather than what it is.
_IN_BASE_NAME = ("experiment", "model", "dataset")
_UNNAMED = ("force", "tracking", "hydra", "sweep", "run_name")
NAME_LENGTH = 120  # MLflow keeps 250 characters; a chart legend shows far fewer


def short_key(key: str, keys: Iterable[str] = ()) -> str:
    """The shortest dotted suffix of *key* that no other key of *keys* ends with (the full key
    when every suffix is shared), so that two different settings never share a label.

    >>> short_key("model.ansatz.reps", ["model.ansatz.reps", "model.feature_map.reps", "seed"])
    'ansatz.reps'
    >>> short_key("dataset.cluster_std", ["dataset.cluster_std", "model.ansatz.reps"])
    'cluster_std'
    >>> short_key("model.ansatz.reps")  # no keys known: the last component
    'reps'
    """
    parts = key.split(".")
    others = [k for k in keys if k != key]
    for size in range(1, len(parts) + 1):
        suffix = ".".join(parts[-size:])
        if not any(k == suffix or k.endswith(f".{suffix}") for k in others):
            return suffix
    return key


def run_name(
    base: str, overrides: list[str], keys: Iterable[str] = (), implied: Iterable[str] = ()
) -> str:
    """``base`` plus every value overridden on the command line or by a sweep, each as its
    shortest unambiguous key among the config's *keys* (:func:`short_key`), then the *implied*
    parts (what a chosen experiment changes, :func:`experiment_differences`):
    ``vqc-blobs`` with ``dataset.cluster_std=2.0 seed=3`` gives
    ``vqc-blobs cluster_std=2.0 seed=3``. An explicit ``run_name=...`` is kept as given.

    >>> run_name("vqc-blobs", ["dataset.cluster_std=2.0", "model/ansatz=efficient_su2", "seed=3"])
    'vqc-blobs cluster_std=2.0 ansatz=efficient_su2 seed=3'
    >>> run_name("vqc-ad_hoc", ["experiment=null"], implied=["loss=cross_entropy"])
    'vqc-ad_hoc loss=cross_entropy'
    >>> run_name("x", ["run_name=mine", "seed=1"])
    'x'
    """
    keys = list(keys)
    parts = []
    for override in overrides:
        key, sep, value = override.lstrip("+~").partition("=")
        if not sep:
            continue
        if key == "run_name":
            return base
        head = key.replace("/", ".").split(".")
        if head[0] in _UNNAMED or (len(head) == 1 and head[0] in _IN_BASE_NAME):
            continue
        label = ".".join(head).split("@")[0]
        label = short_key(label, keys) if "/" not in key else head[-1].split("@")[0]
        parts.append(f"{label}={redact(value)}")
    parts += [p for p in implied if p not in parts]
    name = " ".join([base, *parts])
    return name if len(name) <= NAME_LENGTH else name[: NAME_LENGTH - 3] + "..."


def _choices(params: dict[str, Any]) -> dict[str, Any]:
    """Each config group's chosen option, by the group's path (``model.ansatz``)."""
    return {k[: -len(".name")]: v for k, v in params.items() if k.endswith(".name")}


def experiment_differences(
    config: DictConfig, reference: DictConfig, same_options: DictConfig | None = None
) -> list[str]:
    """What *config* sets differently from *reference* (the same overrides without the
    experiment or sweep variant that chose it), as name parts: each changed group choice as
    ``group=option``, then each value that differs from *same_options* (the reference with the
    same options chosen; *reference* when None) as ``key=value``. Empty when the experiment
    names its runs itself (its own ``run_name``); the model and data set are in the base name.

    The default experiment without its experiment (``~experiment``: cross-entropy, not the
    sigmoid estimate) gives ``["loss=cross_entropy"]``; ``sweep/data=blobs_std0.5`` gives
    ``["cluster_std=0.5"]``.
    """
    raw = OmegaConf.to_container(config, resolve=False).get("run_name")
    if raw != OmegaConf.to_container(reference, resolve=False).get("run_name"):
        return []
    mine = run_params(config)
    chosen, before = _choices(mine), _choices(run_params(reference))
    parts = [
        f"{group.split('.')[-1]}={option}"
        for group, option in chosen.items()
        if option != before.get(group) and group not in _IN_BASE_NAME
    ]
    theirs = run_params(same_options if same_options is not None else reference)
    for key in dict.fromkeys([*mine, *theirs]):
        differs = mine.get(key) != theirs.get(key) and not key.endswith(".name")
        if differs and key.split(".")[0] not in _UNNAMED:
            parts.append(f"{short_key(key, mine)}={redact(str(mine.get(key)))}")
    return parts


def _group_overrides(config: DictConfig, reference: DictConfig) -> list[str]:
    """``group=option`` overrides that give *reference* the options *config* chose."""
    chosen, before = _choices(run_params(config)), _choices(run_params(reference))
    changed = [g for g, option in chosen.items() if option != before.get(g)]
    return [f"{g.replace('.', '/')}={chosen[g]}" for g in sorted(changed, key=len)]


def _variant_overrides(overrides: list[str]) -> list[str]:
    """The overrides that choose an experiment or a sweep variant (a file that sets values
    anywhere, which the run's name would not show)."""
    keys = [o.lstrip("+~").split("=")[0] for o in overrides]
    variant = [k == "experiment" or k.startswith("sweep/") for k in keys]
    return [o for o, chosen in zip(overrides, variant, strict=True) if chosen]


def reference_configs(
    config: DictConfig, overrides: list[str]
) -> tuple[DictConfig, DictConfig | None] | None:
    """The config composed with *overrides* but the default experiment and no sweep variant
    (and that one with *config*'s options chosen), when *overrides* choose an experiment or a
    variant inside a Hydra app; else None (the run is the default experiment's, or no app
    composed it). Composing has no side effects."""
    chosen = _variant_overrides(overrides)
    if not chosen:
        return None
    from hydra.core.global_hydra import GlobalHydra
    from hydra.core.hydra_config import HydraConfig

    from .compose_cache import compose_reusing as compose  # each group-choice set once

    if not GlobalHydra.instance().is_initialized() or not HydraConfig.initialized():
        return None
    rest, name = [o for o in overrides if o not in chosen], HydraConfig.get().job.config_name
    try:
        reference = compose(name, rest)
    except Exception:  # an override only the chosen experiment accepts: no reference
        return None
    try:
        same = compose(name, rest + _group_overrides(config, reference))
    except Exception:  # an option name that is not its file's name: compare with the default
        same = None
    return reference, same
