"""The write-up study: its claims tested on our runs (``make study``, ``reports/study/``).

- :mod:`~.settings`: the typed settings of ``conf/study.yaml`` and ``conf/study_design/``;
- :mod:`~.claims`: the claims as data (claim -> runs -> the finder of its evidence -> the
  verdict rule); :mod:`~.evidence`: the finders and the rule;
- :mod:`~.variants`: the runs by experiment, one per seed, and ``variants.csv``;
- :mod:`~.figures` draws, :mod:`~.figure_set` chooses the figures, :mod:`~.report` makes the
  :class:`~qml_entanglement.report.Report`; :mod:`~.stage` runs it all (:func:`build_study`).
"""

from __future__ import annotations

from qml_entanglement.study.claims import CLAIMS, VERDICTS, evaluate_claims
from qml_entanglement.study.settings import StudySettings, study_settings
from qml_entanglement.study.stage import StudyError, build_study

__all__ = [
    "CLAIMS",
    "VERDICTS",
    "StudyError",
    "StudySettings",
    "build_study",
    "evaluate_claims",
    "study_settings",
]
