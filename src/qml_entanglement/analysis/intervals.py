"""How the interval of a pooled effect is built: the one place of its defaults.

Every stage that reports an interval over seeds (``make compare``'s ``ci``, ``make study``'s
``level``) takes its confidence level and method from here, so a default is written once.
"""

from __future__ import annotations

from dataclasses import dataclass

from qml_entanglement.config.fields import setting

LEVEL = 0.95  # the confidence level of every interval unless a stage's config says otherwise
CI_METHODS = ("auto", "fisher", "bootstrap")


@dataclass
class CISettings:
    """How the across-seed confidence interval of a group's mean correlation is built.

    ``method="auto"`` uses the Fisher z interval when every run of the group has at least
    ``min_epochs_fisher`` epochs and no correlation is exactly +-1, and a bootstrap over seeds
    otherwise (few epochs make per-run correlations pile up at +-1, where the Fisher transform
    diverges). ``target_half_width``: the report says how many seeds an interval this narrow
    takes.
    """

    method: str = setting("auto", choices=CI_METHODS)
    level: float = setting(LEVEL, gt=0.0, lt=1.0)
    min_epochs_fisher: int = setting(10, ge=4)  # fewer points per run -> bootstrap over seeds
    n_resamples: int = setting(9999, ge=100)
    target_half_width: float = setting(0.1, gt=0.0, lt=2.0)
