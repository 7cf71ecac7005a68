"""The metric catalogue names every quantity a run logs, with units where it has them."""

from __future__ import annotations

import pytest

from qml_entanglement.metrics.catalogue import CATALOGUE, ENTANGLEMENT, PRIORITY, axis_label, info
from qml_entanglement.training.entanglement import entanglement_metric_names


@pytest.mark.parametrize("mixed", [False, True])
def test_every_logged_entanglement_metric_is_catalogued(mixed):
    for name in entanglement_metric_names(mixed, entangling_power=True):
        assert name in CATALOGUE, name


def test_entropies_are_in_bits_and_bounded_metrics_have_unit_scale():
    assert axis_label("von_neumann_entropy").endswith("(bits)")
    assert info("log_negativity").unit == "bits"
    assert info("meyer_wallach").scale == 1.0 and info("loss").scale is None
    assert info("meyer_wallach").kind == ENTANGLEMENT and info("purity").kind != ENTANGLEMENT


def test_meyer_wallach_is_the_metric_kept_from_a_redundant_pair():
    assert PRIORITY[0] == "meyer_wallach"
    assert PRIORITY.index("meyer_wallach") < PRIORITY.index("von_neumann_entropy")
