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


# The stages' own configs: each starts from its settings dataclass and holds only differences
# (hydra: and the defaults list aside); study_design options start from base_design.
STAGES = {"compare": "base_compare", "study": "base_study"}


def _stage_base(name: str) -> dict:
    import qml_entanglement.compare.settings  # noqa: F401  (registers base_compare)
    import qml_entanglement.study.settings  # noqa: F401  (base_study, study_design/base_design)

    node = ConfigStore.instance().load(f"{STAGES[name]}.yaml").node
    return OmegaConf.to_container(node, resolve=False)


@pytest.mark.parametrize("name", sorted(STAGES))
def test_stage_config_starts_from_its_dataclass_and_holds_only_differences(name):
    text = yaml.safe_load((CONF / f"{name}.yaml").read_text())
    defaults = text.pop("defaults")
    text.pop("hydra", None)
    assert defaults[:2] == [STAGES[name], "_self_"], f"{name}.yaml must start from its dataclass"
    base = _stage_base(name)
    assert _same_values(text, base) == [], f"{name}.yaml repeats its defaults"
    assert [k for k in text if k not in base] == [], f"{name}.yaml sets unknown keys"


@pytest.mark.parametrize("name", ["pilot", "powered"])
def test_study_design_options_hold_only_differences(name):
    _stage_base("study")
    defaults, body = _body("study_design", name)
    assert defaults[0] == "base_design"
    base = ConfigStore.instance().load("study_design/base_design.yaml").node
    base = OmegaConf.to_container(base, resolve=False)
    assert _same_values(body, base) == [] and body, f"study_design/{name}.yaml"
    assert [k for k in body if k not in base] == []


def test_the_check_finds_a_repeated_default():
    """The checks above would pass vacuously if _same_values never found anything."""
    base = _stage_base("compare")
    assert _same_values({"alpha": 0.05, "ci": {"level": 0.95, "method": "fisher"}}, base) == [
        "alpha",
        "ci.level",
    ]
