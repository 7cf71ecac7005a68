"""Typed settings of the comparison stage (``conf/compare.yaml``).

:class:`CompareSettings` is the schema of ``conf/compare.yaml`` (registered as
``base_compare``; the YAML holds only what differs from it), built with the same
:func:`~qml_entanglement.config.setting` constraints as the training configs. Hydra rejects
unknown keys and wrong types while composing; :func:`compare_settings` checks the
constraints and the rules across fields once, before any run is read, and raises
:class:`~qml_entanglement.config.ConfigError` naming the key, the bad value and what is
allowed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from omegaconf import OmegaConf

from qml_entanglement.analysis.intervals import CISettings
from qml_entanglement.config.fields import ConfigError, setting
from qml_entanglement.config.store import option
from qml_entanglement.config.validation import check_node

METHODS = ("pearson", "spearman", "kendall")
_NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


class SettingsError(ConfigError):
    """A setting the store refuses once the runs are read (a filter, a ``group_by`` key)."""


@dataclass
class TrendSettings:
    rise_fall_tolerance: float = setting(0.1, ge=0.0, lt=1.0)  # share of the range a peak needs


@dataclass
class PlotSettings:
    dpi: int = setting(90, ge=30)
    workers: int = setting(0, ge=0)  # processes drawing group figures; 0 = one per CPU core


@dataclass
class PublishSettings:
    """Whether and where the report is recorded as a run (``mlflow.*``)."""

    log: bool = True  # also record the report as a run of `experiment`
    experiment: str = "comparison"
    link_run: str | None = None  # a run id (a sweep's parent) that gets a link to the report


@option(None, "compare")
@dataclass
class CompareSettings:
    """Everything the comparison stage needs.

    ``group_by``: ``auto`` (a group per configuration: every logged param that differs, except
    seeds and tracking/sweep bookkeeping, so only seeds are pooled) or a list of keys (tag,
    else param; ``tags.x`` / ``params.x`` force one). ``tracking``: the ``tracking`` group
    (its ``uri`` is the store read).
    """

    experiments: list[str] = setting(factory=lambda: ["qml-entanglement"])
    filter: str = "attributes.status = 'FINISHED'"  # MLflow search filter string
    group_by: Any = "auto"
    name: str = "default"  # report folder: <output_dir>/<name>/
    output_dir: str = "reports"
    loss_metric: str = "loss"  # the series every entanglement metric is correlated with
    methods: list[str] = setting(factory=lambda: list(METHODS))
    primary_method: str = "spearman"  # shown in the report's tables, heatmap and prose
    alpha: float = setting(0.05, gt=0.0, lt=1.0)  # Benjamini-Hochberg FDR per method x series
    seed: int = 0  # bootstrap resampling
    page_size: int = setting(1000, ge=1)  # runs per search_runs page
    ci: CISettings = setting(factory=CISettings)
    trends: TrendSettings = setting(factory=TrendSettings)
    plots: PlotSettings = setting(factory=PlotSettings)
    mlflow: PublishSettings = setting(factory=PublishSettings)
    tracking: Any = None

    @property
    def tracking_uri(self) -> str | None:
        """``tracking.uri`` (None: the default store)."""
        tracking = self.tracking
        uri = (
            tracking.get("uri") if isinstance(tracking, Mapping) else getattr(tracking, "uri", None)
        )
        return uri or None

    @property
    def group_keys(self) -> tuple[str, ...] | None:
        """The ``group_by`` keys, or None for ``auto``."""
        return None if self.group_by in (None, "auto") else tuple(self.group_by)

    @property
    def report_dir(self) -> Path:
        """Directory the report is written to: ``<output_dir>/<name>``."""
        return Path(self.output_dir) / self.name

    def check(self) -> None:
        """The rules across fields; raise :class:`ConfigError` naming the key."""
        if not _NAME_PATTERN.match(self.name):
            raise ConfigError(
                f"name={self.name!r} is not allowed: use letters, digits, '.', '_' or '-' "
                "(it becomes the folder reports/<name>/)"
            )
        if not self.experiments or not all(isinstance(e, str) and e for e in self.experiments):
            raise ConfigError(f"experiments={list(self.experiments)} must list experiment names")
        _check_group_by(self.group_by)
        for method in self.methods:
            if method not in METHODS:
                raise ConfigError(
                    f"methods={list(self.methods)} contains {method!r}; "
                    f"allowed: {', '.join(METHODS)}"
                )
        if len(set(self.methods)) != len(self.methods):
            raise ConfigError(f"methods={list(self.methods)} lists a method twice")
        if self.primary_method not in self.methods:
            raise ConfigError(
                f"primary_method={self.primary_method!r} must be one of methods="
                f"{list(self.methods)}"
            )

    def validate(self) -> CompareSettings:
        """Check every field's constraints and the rules across fields; return self."""
        check_node(OmegaConf.structured(self), "")
        self.check()
        return self


def _check_group_by(value: Any) -> None:
    """``auto`` (or null), or a list of non-empty keys (possibly empty: one group)."""
    if value is None or value == "auto":
        return
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise ConfigError(
            f"group_by={value!r} is not allowed: use auto or a list of keys, e.g. [dataset, seed]"
        )
    if not all(isinstance(v, str) and v for v in value):
        raise ConfigError(f"group_by={list(value)!r} must be a list of non-empty strings")


def compare_settings(cfg: Any) -> CompareSettings:
    """The checked :class:`CompareSettings` of a composed ``conf/compare.yaml``."""
    settings = check_node(cfg, "")
    settings.check()
    return settings


def _is_override(token: str) -> bool:
    key = token.lstrip("+~").split("=", 1)[0]
    return "=" in token and bool(re.fullmatch(r"[A-Za-z_][\w.@/-]*", key))


def quote_filter(argv: Sequence[str]) -> list[str]:
    """Command-line arguments with an unquoted ``filter=...`` made into the quoted string
    Hydra's override grammar needs: ``filter=tags.dataset='moons'`` and, as a shell splits it,
    ``filter=tags.dataset = 'moons'`` (the words up to the next ``key=value``) both become
    ``filter="tags.dataset = 'moons'"``. A value already in quotes is left as it is.

    >>> quote_filter(["name=x", "filter=tags.dataset", "=", "'moons'", "seed=1"])
    ['name=x', 'filter="tags.dataset = \\'moons\\'"', 'seed=1']
    >>> quote_filter(['filter="attributes.status = \\'FINISHED\\'"'])
    ['filter="attributes.status = \\'FINISHED\\'"']
    """
    out: list[str] = []
    tokens = list(argv)
    i = 0
    while i < len(tokens):
        token = tokens[i]
        i += 1
        if not token.startswith("filter=") or token[len("filter=") :][:1] in ("'", '"'):
            out.append(token)
            continue
        words = [token[len("filter=") :]]
        while i < len(tokens) and not _is_override(tokens[i]):
            words.append(tokens[i])
            i += 1
        value = " ".join(w for w in words if w)
        out.append('filter="' + value.replace("\\", "\\\\").replace('"', '\\"') + '"')
    return out
