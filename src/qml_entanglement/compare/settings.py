"""Typed, validated settings of the comparison stage (``conf/compare.yaml``).

Hydra composes an untyped mapping; :meth:`CompareSettings.from_config` checks it once, before
any run is read, and names the config key, the bad value and what is allowed when it refuses.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

METHODS = ("pearson", "spearman", "kendall")
CI_METHODS = ("auto", "fisher", "bootstrap")
_NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


class SettingsError(ValueError):
    """A comparison setting has a value the stage cannot use."""


@dataclass(frozen=True)
class CISettings:
    """How the across-seed confidence interval of a group's mean correlation is built.

    ``method="auto"`` uses the Fisher z interval when every run of the group has at least
    ``min_epochs_fisher`` epochs and no correlation is exactly +-1, and a bootstrap over seeds
    otherwise (few epochs make per-run correlations pile up at +-1, where the Fisher transform
    diverges).
    """

    method: str = "auto"
    level: float = 0.95
    min_epochs_fisher: int = 10
    n_resamples: int = 9999
    target_half_width: float = 0.1  # the report says how many seeds this half-width takes


@dataclass(frozen=True)
class CompareSettings:
    """Everything the comparison stage needs, validated."""

    tracking_uri: str | None = None
    experiments: tuple[str, ...] = ("qml-entanglement",)
    filter: str = "attributes.status = 'FINISHED'"
    group_by: tuple[str, ...] | None = None  # None: every differing config key (auto)
    name: str = "default"
    output_dir: Path = Path("reports")
    loss_metric: str = "loss"
    methods: tuple[str, ...] = METHODS
    primary_method: str = "spearman"
    alpha: float = 0.05
    ci: CISettings = field(default_factory=CISettings)
    rise_fall_tolerance: float = 0.1
    seed: int = 0
    log_to_mlflow: bool = True
    comparison_experiment: str = "comparison"
    link_run: str | None = None  # a run (a sweep's parent) that gets a link to the comparison
    plot_dpi: int = 90
    plot_workers: int = 0
    page_size: int = 1000

    @property
    def report_dir(self) -> Path:
        """Directory the report is written to: ``<output_dir>/<name>``."""
        return self.output_dir / self.name

    @classmethod
    def from_config(cls, cfg: Mapping[str, Any]) -> CompareSettings:
        """Build settings from a composed config (``DictConfig`` or plain mapping).

        Raises
        ------
        SettingsError
            If a key holds a value outside what is allowed; the message names the key.
        """
        if hasattr(cfg, "_metadata"):  # an OmegaConf DictConfig
            from omegaconf import OmegaConf

            cfg = OmegaConf.to_container(cfg, resolve=True)
        cfg = dict(cfg)
        tracking = dict(cfg.get("tracking") or {})
        ci = dict(cfg.get("ci") or {})
        trends = dict(cfg.get("trends") or {})
        mlflow_cfg = dict(cfg.get("mlflow") or {})
        plots = dict(cfg.get("plots") or {})
        defaults = cls()

        settings = cls(
            tracking_uri=_optional_str(tracking.get("uri"), "tracking.uri"),
            experiments=_str_tuple(cfg.get("experiments", defaults.experiments), "experiments"),
            filter=_str(cfg.get("filter", defaults.filter) or "", "filter", allow_empty=True),
            group_by=_group_by(cfg.get("group_by", "auto")),
            name=_str(cfg.get("name", defaults.name), "name"),
            output_dir=Path(_str(cfg.get("output_dir", str(defaults.output_dir)), "output_dir")),
            loss_metric=_str(cfg.get("loss_metric", defaults.loss_metric), "loss_metric"),
            methods=_str_tuple(cfg.get("methods", defaults.methods), "methods"),
            primary_method=_str(
                cfg.get("primary_method", defaults.primary_method), "primary_method"
            ),
            alpha=_float(cfg.get("alpha", defaults.alpha), "alpha"),
            ci=CISettings(
                method=_str(ci.get("method", "auto"), "ci.method"),
                level=_float(ci.get("level", 0.95), "ci.level"),
                min_epochs_fisher=_int(ci.get("min_epochs_fisher", 10), "ci.min_epochs_fisher"),
                n_resamples=_int(ci.get("n_resamples", 9999), "ci.n_resamples"),
                target_half_width=_float(ci.get("target_half_width", 0.1), "ci.target_half_width"),
            ),
            rise_fall_tolerance=_float(
                trends.get("rise_fall_tolerance", defaults.rise_fall_tolerance),
                "trends.rise_fall_tolerance",
            ),
            seed=_int(cfg.get("seed", defaults.seed), "seed"),
            log_to_mlflow=_bool(mlflow_cfg.get("log", True), "mlflow.log"),
            comparison_experiment=_str(
                mlflow_cfg.get("experiment", defaults.comparison_experiment), "mlflow.experiment"
            ),
            link_run=_optional_str(mlflow_cfg.get("link_run"), "mlflow.link_run"),
            plot_dpi=_int(plots.get("dpi", defaults.plot_dpi), "plots.dpi"),
            plot_workers=_int(plots.get("workers", defaults.plot_workers), "plots.workers"),
            page_size=_int(cfg.get("page_size", defaults.page_size), "page_size"),
        )
        settings.validate()
        return settings

    def validate(self) -> None:
        """Check value ranges and cross-field rules; raise :class:`SettingsError` if broken."""
        if not _NAME_PATTERN.match(self.name):
            raise SettingsError(
                f"name={self.name!r} is not allowed: use letters, digits, '.', '_' or '-' "
                "(it becomes the folder reports/<name>/)"
            )
        for method in self.methods:
            if method not in METHODS:
                raise SettingsError(
                    f"methods={list(self.methods)} contains {method!r}; "
                    f"allowed: {', '.join(METHODS)}"
                )
        if len(set(self.methods)) != len(self.methods):
            raise SettingsError(f"methods={list(self.methods)} lists a method twice")
        if self.primary_method not in self.methods:
            raise SettingsError(
                f"primary_method={self.primary_method!r} must be one of methods="
                f"{list(self.methods)}"
            )
        if not 0.0 < self.alpha < 1.0:
            raise SettingsError(f"alpha={self.alpha} must lie strictly between 0 and 1")
        if self.ci.method not in CI_METHODS:
            raise SettingsError(
                f"ci.method={self.ci.method!r} is not allowed; allowed: {', '.join(CI_METHODS)}"
            )
        if not 0.0 < self.ci.level < 1.0:
            raise SettingsError(f"ci.level={self.ci.level} must lie strictly between 0 and 1")
        if self.ci.min_epochs_fisher < 4:
            raise SettingsError(
                f"ci.min_epochs_fisher={self.ci.min_epochs_fisher} must be at least 4"
            )
        if self.ci.n_resamples < 100:
            raise SettingsError(f"ci.n_resamples={self.ci.n_resamples} must be at least 100")
        if not 0.0 < self.ci.target_half_width < 2.0:
            raise SettingsError(
                f"ci.target_half_width={self.ci.target_half_width} must lie in (0, 2)"
            )
        if not 0.0 <= self.rise_fall_tolerance < 1.0:
            raise SettingsError(
                f"trends.rise_fall_tolerance={self.rise_fall_tolerance} must lie in [0, 1)"
            )
        if self.plot_dpi < 30:
            raise SettingsError(f"plots.dpi={self.plot_dpi} must be at least 30")
        if self.plot_workers < 0:
            raise SettingsError(
                f"plots.workers={self.plot_workers} must be 0 (one per CPU core) or positive"
            )
        if self.page_size < 1:
            raise SettingsError(f"page_size={self.page_size} must be positive")


def _group_by(value: Any) -> tuple[str, ...] | None:
    """``auto`` (or null) -> None; otherwise a list of keys (possibly empty: one group)."""
    if value is None or value == "auto":
        return None
    if isinstance(value, str):
        raise SettingsError(
            f"group_by={value!r} is not allowed: use auto or a list of keys, e.g. [dataset, seed]"
        )
    return _str_tuple(value, "group_by", allow_empty=True)


def _optional_str(value: Any, key: str) -> str | None:
    if value is None or value == "":
        return None
    return _str(value, key)


def _str(value: Any, key: str, *, allow_empty: bool = False) -> str:
    if not isinstance(value, str) or (not allow_empty and not value.strip()):
        raise SettingsError(f"{key}={value!r} must be a non-empty string")
    return value


def _str_tuple(value: Any, key: str, *, allow_empty: bool = False) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, Sequence) or not all(isinstance(v, str) and v for v in value):
        raise SettingsError(f"{key}={value!r} must be a list of non-empty strings")
    if not value and not allow_empty:
        raise SettingsError(f"{key} must list at least one entry")
    return tuple(value)


def _float(value: Any, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SettingsError(f"{key}={value!r} must be a number")
    return float(value)


def _int(value: Any, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise SettingsError(f"{key}={value!r} must be an integer")
    return value


def _bool(value: Any, key: str) -> bool:
    if not isinstance(value, bool):
        raise SettingsError(f"{key}={value!r} must be true or false")
    return value


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
