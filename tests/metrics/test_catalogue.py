"""The metric catalogue names every quantity a run logs, with units where it has them."""

from __future__ import annotations

from qml_entanglement.metrics.catalogue import CATALOGUE, ENTANGLEMENT, PRIORITY, axis_label, info
from qml_entanglement.training import builtin_measures


def test_every_key_of_the_built_in_measures_is_catalogued_and_evidence_is_entanglement():
    keys = builtin_measures.PURE_SUMMARY + builtin_measures.MIXED_SUMMARY
    for name in keys:
        assert name in CATALOGUE, name
    for name in builtin_measures.PURE_STATE_METRICS + builtin_measures.MIXED_STATE_METRICS:
        assert CATALOGUE[name].kind == ENTANGLEMENT, name
    assert all(CATALOGUE[n].pure for n in builtin_measures.PURE_SUMMARY)


def test_entropies_are_in_bits_and_bounded_metrics_have_unit_scale():
    assert axis_label("von_neumann_entropy").endswith("(bits)")
    assert info("log_negativity").unit == "bits"
    assert info("meyer_wallach").scale == 1.0 and info("loss").scale is None
    assert info("meyer_wallach").kind == ENTANGLEMENT and info("purity").kind != ENTANGLEMENT


def test_meyer_wallach_is_the_metric_kept_from_a_redundant_pair():
    assert PRIORITY[0] == "meyer_wallach"
    assert PRIORITY.index("meyer_wallach") < PRIORITY.index("von_neumann_entropy")


def test_the_comparison_stage_and_training_read_one_definition_of_entanglement():
    from qml_entanglement.analysis.histories import is_entanglement_metric

    for key, entry in CATALOGUE.items():
        assert is_entanglement_metric(key) == entry.is_entanglement, key
    assert not is_entanglement_metric("purity")  # mixedness, not entanglement


def test_ranges_hold_the_analytic_extremes():
    for key in ("meyer_wallach", "von_neumann_entropy", "purity", "train_accuracy"):
        assert info(key).range == (0.0, 1.0), key
    assert info("meyer_wallach").pure and not info("negativity").pure
