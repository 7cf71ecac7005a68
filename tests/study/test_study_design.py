"""The study's design: which seeds are analysed, the halves, the write-up's pairing and effect."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import yaml
from qiskit import QuantumCircuit
from qiskit.circuit.library import real_amplitudes, zz_feature_map
from qiskit.quantum_info import Statevector, partial_trace

from qml_entanglement.study.claims import EVALUATION_LOSS
from qml_entanglement.study.settings import StudySettings
from qml_entanglement.study.variants import (
    Variant,
    restrict_seeds,
    split_halves,
    with_evaluation_loss,
)

ROOT = Path(__file__).resolve().parents[2]


def _variant(name: str, seeds) -> Variant:
    runs = [SimpleNamespace(run=SimpleNamespace(seed=str(s)), frame=None) for s in seeds]
    return Variant(name, runs)


def test_only_the_designs_seeds_are_analysed_and_the_toy_always_is():
    variants = {
        "toy": _variant("toy", [137]),
        "adhoc": _variant("adhoc", [*range(137, 147), *range(1000, 1004)]),
        "control": _variant("control", range(137, 147)),
    }
    kept = restrict_seeds(variants, (1000, 1160), keep="toy")
    assert kept["toy"].seeds == ["137"]
    assert kept["adhoc"].seeds == ["1000", "1001", "1002", "1003"]
    assert "control" not in kept  # no run in the design: dropped, not mixed in
    assert restrict_seeds(variants, None, keep="toy") == variants


def test_halves_are_disjoint_and_cover_every_seed():
    first, second = split_halves(_variant("adhoc", range(1000, 1160)))
    assert first.seeds == [str(s) for s in range(1000, 1080)]
    assert second.seeds == [str(s) for s in range(1080, 1160)]


def test_powered_design_is_declared_disjoint_from_the_pilot():
    design = yaml.safe_load((ROOT / "conf/study_design/powered.yaml").read_text())
    sweep = yaml.safe_load((ROOT / "conf/sweep/write_up_powered.yaml").read_text())
    start, stop = design["seeds"]
    assert sweep["hydra"]["sweeper"]["params"]["seed"] == f"range({start},{stop})"
    assert stop - start >= 160 and design["halves"] is True
    assert not set(range(start, stop)) & (set(range(137, 147)) | set(range(300, 310)))
    variants = sweep["hydra"]["sweeper"]["params"]["sweep/write_up"].split(",")
    assert {"adhoc", "blobs", "adhoc_fixed_init", "blobs_fixed_init"} == set(variants)
    fixed = yaml.safe_load((ROOT / "conf/sweep/write_up/adhoc_fixed_init.yaml").read_text())
    assert fixed["model"]["init_seed"] == 137


def test_evaluation_losses_are_aligned_with_the_adam_iteration():
    frame = pd.DataFrame({"loss": np.arange(4.0)}, index=pd.RangeIndex(4, name="epoch"))
    evaluations = pd.DataFrame({"evaluation": range(10), "loss": np.arange(10.0) + 100})
    out = with_evaluation_loss(frame, evaluations)
    assert np.isnan(out[EVALUATION_LOSS].iloc[0])  # no iteration 0
    assert out[EVALUATION_LOSS].iloc[1:].tolist() == [100.0, 101.0, 102.0]  # t-th evaluation
    assert with_evaluation_loss(frame, None) is frame


# ADAM's first moment m_t at t = 1 and t = 48, as stored in the write-up's repository
# (born-2learn/Entanglement_in_QML, adam_params.csv)
M_1 = [-0.00138112, -0.00263767, -0.00611378, 0.00321299]
M_48 = [-0.0150025, -0.02137073, -0.04509691, 0.02156194]


def _q(params) -> float:
    """Meyer-Wallach Q at x = [0.5, 0.9], ZZ(reps 1) + RealAmplitudes(reps 1), via qiskit."""
    circuit = QuantumCircuit(2)
    circuit.compose(zz_feature_map(2, reps=1).assign_parameters([0.5, 0.9]), inplace=True)
    circuit.compose(real_amplitudes(2, reps=1).assign_parameters(params), inplace=True)
    state = Statevector(circuit)
    purities = [
        np.real(np.trace(np.linalg.matrix_power(partial_trace(state, [k]).data, 2))) for k in (0, 1)
    ]
    return 2 * (1 - float(np.mean(purities)))


def test_the_configured_published_change_is_the_write_ups_own():
    configured = StudySettings().published_change  # conf/study.yaml keeps the default
    assert "published_change" not in yaml.safe_load((ROOT / "conf/study.yaml").read_text())
    start, end = _q(M_1), _q(M_48)
    assert start == pytest.approx(0.9482, abs=5e-5) and end == pytest.approx(0.9455, abs=5e-5)
    assert configured == pytest.approx(end - start, abs=1e-4)
