"""Library warnings are summarised in one line per run; COBYLA's decaying radius no longer makes
scipy warn at all."""

from __future__ import annotations

import warnings

import numpy as np

from qml_entanglement.training.library_warnings import summarised_warnings, summary_line
from qml_entanglement.training.optimizers import COBYLA, final_radius


def test_many_warnings_become_one_line_with_the_count(capsys):
    warnings.filterwarnings("ignore", category=DeprecationWarning)  # as Python's defaults do
    with summarised_warnings("vqc-ad_hoc seed=1") as caught:
        for i in range(26):  # scipy's text changed with the value it set
            warnings.warn(f"Invalid RHOEND; it is set to {i}e-07", UserWarning, stacklevel=1)
            warnings.warn("hidden", DeprecationWarning, stacklevel=1)  # filtered: not counted
        warnings.warn("other", RuntimeWarning, stacklevel=1)
    assert len(caught) == 27
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1
    assert err[0] == (
        "vqc-ad_hoc seed=1: 27 library warnings (2 kinds); most frequent, 26x: UserWarning from "
        "test_library_warnings.py: Invalid RHOEND; it is set to 0e-07"
    )


def test_no_warning_no_line(capsys):
    with summarised_warnings("quiet"):
        pass
    assert summary_line([]) is None and capsys.readouterr().err == ""


def test_cobyla_with_a_decayed_radius_gives_scipy_no_reason_to_warn():
    optimizer = COBYLA(lr=0.1)  # radius 0.1 * 0.8**k falls below scipy's tol 1e-4 at k = 31
    theta = np.array([0.3, -0.2])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(40):
            theta = optimizer.step(
                theta, loss=None, grad=None, objective=lambda t: float(np.sum((t - 1.0) ** 2))
            )
    assert optimizer.radius < 1e-4
    # scipy's own substitute below the default (PRIMA: max(eps, min(rhobeg / 10, 1e-6)))
    assert final_radius(1.0) == 1e-4 and final_radius(5e-5) == 1e-6 and final_radius(1e-6) == 1e-7
