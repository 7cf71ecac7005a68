"""Comparison stage (``make compare``): how entanglement metrics track the loss, across seeds,
data sets and circuits -- one report built on the analysis library and the report layer.

- :mod:`~.settings`: the typed settings of ``conf/compare.yaml``;
- the runs, their histories, groups, statistics and trends come from
  :mod:`qml_entanglement.analysis` (selection, histories, grouping, statistics, trends,
  redundancy, power);
- the comparison's own tables (:mod:`~.tables` makes them all): :mod:`~.correlations`
  (per run), :mod:`~.summary` (per group over seeds), :mod:`~.controls`,
  :mod:`~.trainability`, :mod:`~.data_quality`;
- :mod:`~.figures` draws, :mod:`~.figure_set` names and captions the figures,
  :mod:`~.narrative` writes the prose, :mod:`~.report` makes them a
  :class:`~qml_entanglement.report.Report`, :mod:`~.publish` says how it is recorded;
- :mod:`~.stage` runs it all (:func:`build_report`).
"""

from qml_entanglement.analysis.selection import NoRunsMatchError
from qml_entanglement.compare.settings import CompareSettings, SettingsError, compare_settings
from qml_entanglement.compare.stage import ReportResult, build_report

__all__ = [
    "CompareSettings",
    "NoRunsMatchError",
    "ReportResult",
    "SettingsError",
    "build_report",
    "compare_settings",
]
