"""Smoke tests of the benchmarks on tiny sizes: the rows they return, not how fast anything is.

No wall-clock thresholds: timings depend on the machine and its load.  The checks are the row
schema, positive finite times, and that the exact peers agree with our engine (the agreement
each benchmark row reports).
"""

from __future__ import annotations

import importlib.util
import json
import math
import re
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def _load(stem: str):
    spec = importlib.util.spec_from_file_location(stem, BENCHMARKS / f"{stem}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[stem] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def engine():
    return _load("bench_engine")


def _positive_finite(value) -> bool:
    return isinstance(value, float) and math.isfinite(value) and value > 0


def _max_grad_difference(note: str) -> float:
    return float(re.search(r"max \|d grad\| ([0-9.e+-]+)", note).group(1))


def test_engine_rows_on_tiny_workloads(engine):
    one = (2, 1)  # subsample of 2 samples, one epoch
    settings = engine.Settings(
        s=engine.Sizes(3, engine._peers(one, 2, one)),
        l=engine.Sizes(2, {"default.qubit": (None, 1)}),
        scaling_gate=(2, 3),
        scaling_unitary=(2, 3),
        scaling_samples=16,
        s_per_class=4,
        l_samples=12,
        scaling_own_process_from=3,  # exercise both the shared and the per-point subprocess
    )
    rows = engine.run_with(settings)
    for row in rows:
        assert set(engine.ROW_KEYS) | {"peak_mb", "note"} <= set(row), row
        assert not row["note"].startswith("failed"), row

    epoch = [r for r in rows if r["section"] == "epoch"]
    impls = {(r["workload"], r["impl"]) for r in epoch}
    for mode in engine.MODES:
        assert ("S", f"ours ({mode})") in impls and ("L", f"ours ({mode})") in impls
    for label in [*engine.SAMPLER_LABELS.values(), *engine.PL_LABELS.values()]:
        assert ("S", label) in impls
    for r in epoch:
        assert _positive_finite(r["seconds"]) and _positive_finite(r["ratio"]), r
        if "1024 shots" not in r["impl"] and not r["impl"].startswith("ours"):
            assert _max_grad_difference(r["note"]) < 1e-8, r  # exact peers agree with ours

    ratios = [r for r in rows if r["section"] == "ratio"]
    assert {r["workload"] for r in ratios} == {"S", "L"}
    assert all(_positive_finite(r["ratio"]) for r in ratios)

    bounds = [r for r in rows if r["section"] == "flops" and r["workload"] in ("S", "L")]
    assert len(bounds) == 2
    assert all(_positive_finite(r["seconds"]) and _positive_finite(r["ratio"]) for r in bounds)

    scaling = [r for r in rows if r["section"] == "scaling" and r["workload"] != "crossover"]
    assert sorted((r["impl"], r["workload"]) for r in scaling) == [
        ("ours (gate)", "n=2"),
        ("ours (gate)", "n=3"),
        ("ours (unitary)", "n=2"),
        ("ours (unitary)", "n=3"),
    ]
    assert all(_positive_finite(r["seconds"]) and _positive_finite(r["peak_mb"]) for r in scaling)
    assert [r["workload"] for r in rows if r["section"] == "scaling"][-1] == "crossover"
    assert engine.format_table(rows)


def test_flop_count_of_a_known_program(engine):
    """RealAmplitudes(reps=1) on 2 qubits: 4 RY (2 multiply-adds per amplitude) + 1 CNOT (0)."""
    from qml_entanglement.engine import StatevectorSimulator
    from qml_entanglement.models import build_ansatz, build_feature_map

    block = StatevectorSimulator(
        build_feature_map("zz", 2, 1), build_ansatz("real_amplitudes", 2, 1, "reverse_linear")
    ).block
    counts = engine.epoch_cmadds(block, batch=10)
    gates = 4 * 2 * 4  # per state: 4 RY x 2 x dim 4
    assert counts["forward"] == 10 * gates
    assert counts["adjoint"] == 10 * (2 * gates + 4 * (2 * 4 + 4))


def test_tracking_rows(tmp_path):
    tracking = _load("bench_tracking")
    rows = tracking.run_with(epochs=5, repeats=1)
    assert [r["case"] for r in rows] == [*tracking.PIPELINE_CASES, *tracking.VARIANTS]
    for r in rows:
        assert {"case", "epochs", "seconds", "tracking_seconds", "share", "note"} <= set(r)
        assert _positive_finite(r["seconds"]) and 0.0 <= r["share"] <= 1.0
        assert (r["tracking_seconds"] == 0.0) == (r["case"] == "no tracking")
    assert tracking.format_table(rows)


def test_measurement_rows():
    """Rows of the issue-16 benchmark; the estimate agrees with the exact value it sits next to
    (within 5 standard errors) and the Haar I3 at n = 4 is near -2|A| + 1/ln 2 = -2.56."""
    measurements = _load("bench_measurements")
    rows = measurements.run(quick=True)
    assert [r["bench"] for r in rows] == ["randomized", "randomized", "scrambling", "fractions"]
    for r in rows[:2]:
        assert _positive_finite(r["estimator_s"]) and _positive_finite(r["mw_se"])
        assert abs(r["mw_estimate"] - r["mw_exact"]) < 5 * r["mw_se"]
    assert -3.2 < rows[2]["i3_bits"] < -2.0
    assert _positive_finite(rows[3]["share_of_epoch"])
    assert _positive_finite(rows[3]["share_half_cut_on_all_states"])
    assert measurements.format_table(rows)


def test_peer_agrees_with_our_engine_on_workload_s():
    """TensorCircuit-NG on JAX and our engine, each in its own process: same first loss and
    gradient (an independent simulator as the oracle), and the row reports both timings."""
    peer = _load("bench_peer")
    ours = peer._measure("ours", "S", 2, 40, 2)
    theirs = peer._measure("peer", "S", 2, 40, 2)
    assert abs(ours["loss"] - theirs["loss"]) < 1e-10
    assert max(abs(a - b) for a, b in zip(ours["grad"], theirs["grad"], strict=True)) < 1e-10
    for result in (ours, theirs):
        assert _positive_finite(result["seconds"]) and _positive_finite(result["rss_mb"])


def test_runner_reports_a_failing_benchmark_and_writes_json(tmp_path, monkeypatch, capsys):
    runner = _load("run")
    (tmp_path / "bench_fine.py").write_text(
        "def run(quick=False):\n"
        "    return [{'benchmark': 'fine', 'seconds': 0.5, 'quick': quick}]\n"
    )
    (tmp_path / "bench_broken.py").write_text(
        "def run(quick=False):\n    raise RuntimeError('x')\n"
    )
    discover = runner.discover
    monkeypatch.setattr(runner, "discover", lambda: discover(tmp_path))
    output = tmp_path / "results.json"
    code = runner.main(["--quick", "--output", str(output)])
    assert code == 1
    document = json.loads(output.read_text())
    assert document["quick"] is True
    assert {"cpu_model", "cores", "ram_gib", "python", "versions"} <= set(document["machine"])
    assert document["machine"]["versions"]["numpy"]
    assert document["benchmarks"]["fine"]["status"] == "ok"
    assert document["benchmarks"]["fine"]["rows"][0]["quick"] is True
    assert document["benchmarks"]["broken"]["status"] == "failed"
    assert "RuntimeError" in document["benchmarks"]["broken"]["error"]
    printed = capsys.readouterr().out
    assert "== fine (quick) ==" in printed and "FAILED" in printed


def test_phases_rows_name_the_paths_and_agree_on_the_loss():
    """EfficientSU2 on the compiled path and on the NumPy engine train to the same loss."""
    rows = _load("bench_phases").run(quick=True)
    paths = {(r["ansatz"], r["mode"]): r["path"] for r in rows}
    assert paths == {
        ("efficient_su2", "auto"): "real-block+phases (numba)",
        ("efficient_su2", "gate"): "numpy (gate)",
        ("real_amplitudes", "auto"): "real-block (numba)",
    }
    for row in rows:
        assert _positive_finite(row["train_cpu_s"]), row
    su2 = [r["loss"] for r in rows if r["ansatz"] == "efficient_su2"]
    assert abs(su2[0] - su2[1]) < 1e-10


@pytest.mark.parametrize(("name", "qubits", "seeds"), [("quick", (4, 6), 3), ("full", None, 10)])
def test_atlas_cost_counts_the_runs_the_declared_sweeps_launch(name, qubits, seeds):
    """Oracle: the job counts of conf/sweep/atlas/<name>.yaml and <name>_controls.yaml as
    Hydra's sweeper expands them."""
    from hydra import compose, initialize_config_dir

    from qml_entanglement.sweeps.parent import count_jobs

    atlas = _load("bench_atlas")
    cells = [
        {"n": n, "ansatz": a, "reps": r, "cpu_s": 1.0}
        for n in atlas.QUBITS
        for a in atlas.ANSATZE
        for r in atlas.REPS
    ]
    with initialize_config_dir(config_dir=str(BENCHMARKS.parent / "conf"), version_base="1.3"):
        declared = sum(
            count_jobs(compose("train", [f"sweep=atlas/{sweep}"], return_hydra_config=True))
            for sweep in (name, f"{name}_controls")
        )
    total = atlas._total(cells, qubits or atlas.QUBITS, seeds, overhead=0.5)
    assert total["runs"] == declared
    assert total["cpu_s"] == pytest.approx(total["runs"] * 1.5)


def test_a_large_run_reports_its_peak_memory_estimate_and_path():
    """A small point through the real pipeline: the run finished on the compiled path and its
    peak resident memory is above the estimate (which leaves out the interpreter)."""
    row = _load("bench_large").point(8, 40, 2)
    assert row["status"] == "FINISHED" and row["path"] == "real-block (numba)"
    assert 0 < row["estimate_gib"] < row["peak_gib"] < row["machine_gib"]
    assert _positive_finite(row["epoch_s"]) and math.isfinite(row["final_loss"])
