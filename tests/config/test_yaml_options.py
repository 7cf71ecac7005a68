"""Every YAML option starts from its dataclass and holds only what differs from it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hydra.core.config_store import ConfigStore
from omegaconf import OmegaConf

import qml_entanglement.config  # noqa: F401  (registers the options)

CONF = Path(__file__).resolve().parents[2] / "conf"
GROUPS = (
    "dataset",
    "model",
    "model/feature_map",
    "model/ansatz",
    "optimizer",
    "loss",
    "simulator",
    "metrics",
    "tracking",
    "trainer",
)
OPTIONS = [(g, p.stem) for g in GROUPS for p in sorted((CONF / g).glob("*.yaml"))]


def _body(group: str, name: str) -> tuple[list, dict]:
    text = yaml.safe_load((CONF / group / f"{name}.yaml").read_text()) or {}
    return text.pop("defaults", []), text


def _same_values(body: dict, base: dict, prefix: str = "") -> list[str]:
    """Keys of ``body`` whose value equals the base's (nested mappings compared key by key)."""
    same = []
    for key, value in body.items():
        if key not in base:
            continue
        if isinstance(value, dict) and isinstance(base[key], dict):
            same += _same_values(value, base[key], f"{prefix}{key}.")
        elif value == base[key]:
            same.append(f"{prefix}{key}")
    return same


@pytest.mark.parametrize(("group", "name"), OPTIONS, ids=[f"{g}/{n}" for g, n in OPTIONS])
def test_option_extends_its_dataclass_or_another_option(group, name):
    defaults, _ = _body(group, name)
    assert defaults, f"{group}/{name}.yaml has no defaults list"
    first = defaults[0]
    names = {p.stem for p in (CONF / group).glob("*.yaml")}
    registered = ConfigStore.instance().list(group)
    assert f"{first}.yaml" in registered or first in names, (
        f"{group}/{name}.yaml starts from {first!r}: neither a registered dataclass "
        f"(base_<name>) nor another option of {group}"
    )


@pytest.mark.parametrize(("group", "name"), OPTIONS, ids=[f"{g}/{n}" for g, n in OPTIONS])
def test_option_holds_only_differences(group, name):
    defaults, body = _body(group, name)
    base_name = defaults[0]
    if not isinstance(base_name, str) or not base_name.startswith("base_"):
        base_name = f"base_{_body(group, base_name)[0][0].removeprefix('base_')}"
    base = ConfigStore.instance().load(f"{group}/{base_name}.yaml").node
    base = OmegaConf.to_container(base, resolve=False)
    assert _same_values(body, base) == [], f"{group}/{name}.yaml repeats its defaults"
    unknown = [k for k in body if k not in base]
    assert unknown == [], f"{group}/{name}.yaml sets keys its dataclass lacks: {unknown}"
