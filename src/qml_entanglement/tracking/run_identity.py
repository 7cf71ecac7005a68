"""What identifies a tracked run: its params, its tags and the hash of its config."""

from __future__ import annotations

import hashlib
import subprocess
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
_UNNAMED = ("force", "tracking", "hydra", "sweep")
NAME_LENGTH = 120  # MLflow keeps 250 characters; a chart legend shows far fewer


def run_name(base: str, overrides: list[str]) -> str:
    """``base`` plus every value overridden on the command line or by a sweep, each as its
    last key component: ``vqc-blobs`` with ``dataset.cluster_std=2.0 seed=3`` gives
    ``vqc-blobs cluster_std=2.0 seed=3``. An explicit ``run_name=...`` is kept as given.

    >>> run_name("vqc-blobs", ["dataset.cluster_std=2.0", "model/ansatz=efficient_su2", "seed=3"])
    'vqc-blobs cluster_std=2.0 ansatz=efficient_su2 seed=3'
    >>> run_name("x", ["run_name=mine", "seed=1"])
    'x'
    """
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
        parts.append(f"{head[-1].split('@')[0]}={redact(value)}")
    name = " ".join([base, *parts])
    return name if len(name) <= NAME_LENGTH else name[: NAME_LENGTH - 3] + "..."
