"""Comparison stage: how entanglement metrics track the loss, across seeds, datasets, circuits.

One module per job:

- :mod:`~.settings` validates ``conf/compare.yaml``;
- :mod:`~.selection` finds the runs (one paged MLflow search) and their groups;
- :mod:`~.histories` reads per-epoch histories (the ``history.csv`` artifact, else metrics);
- :mod:`~.data_quality` lists missing metrics, uneven epochs, NaNs, single-run groups;
- :mod:`~.statistics` correlates each run with its loss and pools seeds (Fisher z, bootstrap,
  Benjamini-Hochberg), :mod:`~.trends` describes shapes, :mod:`~.summary` builds the table;
- :mod:`~.plots`, :mod:`~.narrative` and :mod:`~.report` make figures, prose, Markdown, HTML;
- :mod:`~.publish` logs the report to the MLflow experiment ``comparison``;
- :mod:`~.build` runs it all; :mod:`~.synthetic` writes fake runs for tests and benchmarks.
"""

from qml_entanglement.compare.selection import NoRunsMatchError
from qml_entanglement.compare.settings import CompareSettings, SettingsError
from qml_entanglement.compare.stage import ReportResult, build_report

__all__ = [
    "CompareSettings",
    "NoRunsMatchError",
    "ReportResult",
    "SettingsError",
    "build_report",
]
