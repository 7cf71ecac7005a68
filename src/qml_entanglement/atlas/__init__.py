"""The atlas (``make atlas``, docs/atlas.md): does entanglement track learning across the design
space (qubits, ansatz, entangling topology, depth, data set), with controls?

:mod:`.quantities` turns one run's history into its per-run numbers; :mod:`.tables` pools them
per configuration (over seeds) and across configurations (random-effects meta-analysis,
meta-regression, BH q-values; :mod:`qml_entanglement.analysis.meta`); :mod:`.figures` draws the
forest plots, :mod:`.words` the page of plain words, :mod:`.report` the report (one
:class:`qml_entanglement.report.Report`), and :mod:`.stage` reads the runs and publishes it.
"""

from .quantities import FACTORS, METRICS, run_quantities
from .tables import AtlasTables, analyse

__all__ = ["FACTORS", "METRICS", "AtlasTables", "analyse", "run_quantities"]
