"""The Examples sections of the metrics docstrings run and print what they claim."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "qml_entanglement.metrics.reduced_states",
    "qml_entanglement.metrics.entropy",
    "qml_entanglement.metrics.entanglement",
    "qml_entanglement.metrics.mixed",
    "qml_entanglement.metrics.circuit_measures",
    "qml_entanglement.metrics.randomized",
    "qml_entanglement.metrics.scrambling",
    "qml_entanglement.metrics.haar",
    "qml_entanglement.metrics.catalogue",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0


def test_every_public_function_has_examples_and_references():
    import qml_entanglement.metrics as metrics

    for name in metrics.__all__:
        obj = getattr(metrics, name)
        doc = obj.__doc__ or ""
        if callable(obj) and not isinstance(obj, type):
            assert "Examples" in doc, f"{name} has no Examples section"
            assert "Parameters" in doc and "Returns" in doc, f"{name} docstring incomplete"
