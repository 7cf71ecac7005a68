"""The analysis library: pure functions over tracked runs, shared by every report stage.

- :mod:`~.selection`: the runs of experiments x filter (:class:`~.selection.SelectedRun`);
- :mod:`~.histories`: their per-epoch histories (:class:`~.histories.RunHistory`);
- :mod:`~.grouping`: replicates of one configuration (``build_groups``, ``latest_per_seed``);
- :mod:`~.statistics`: correlations with effective-sample-size p-values, pooling over seeds,
  Benjamini-Hochberg, t intervals; :mod:`~.intervals`: the one place of interval defaults;
- :mod:`~.power`, :mod:`~.trends`, :mod:`~.redundancy`, :mod:`~.periodicity`,
  :mod:`~.meta` (random-effects pooling).

None of it imports MLflow (the store is read through
:mod:`qml_entanglement.tracking.reading`) or knows how its results are printed
(:mod:`qml_entanglement.report`).
"""
