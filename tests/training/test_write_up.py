"""The write-up's experiments, reproduced faithfully, and its own quantities (issue 11).

Oracles are written here: the toy's update re-implemented in degrees on qiskit statevectors,
qiskit-aqua's ADAM formula, numpy's legacy generator, and qiskit partial traces.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from mlflow.tracking import MlflowClient
from omegaconf import OmegaConf
from qiskit import QuantumCircuit
from qiskit.circuit.library import real_amplitudes, zz_feature_map
from qiskit.quantum_info import Statevector, partial_trace

from qml_entanglement.config import build, validate
from qml_entanglement.data.datasets import load_ad_hoc, load_blobs
from qml_entanglement.models.vqc import PUBLISHED_POINT
from qml_entanglement.tracking.reading import local_artifact_dir
from qml_entanglement.tracking.run_identity import flatten
from qml_entanglement.training import run_experiment
from qml_entanglement.training.callbacks import Callback
from qml_entanglement.training.experiment import build_experiment
from qml_entanglement.training.loop import train
from qml_entanglement.training.optimizers import FiniteDifferenceAdam
from qml_entanglement.training.published import amplitude_dict_meyer_wallach, as_published_metrics


def _qiskit_meyer_wallach(state: Statevector) -> float:
    """Q = 2 (1 - mean_k Tr rho_k^2) from qiskit's partial traces."""
    n = state.num_qubits
    purities = []
    for k in range(n):
        rho = partial_trace(state, [q for q in range(n) if q != k])
        purities.append(float(rho.purity().real))
    return 2 * (1 - np.mean(purities))


@pytest.mark.parametrize(
    ("experiment", "expected"),
    [
        (
            "study_vqc_adhoc",
            {
                "model.feature_map.reps": 1,
                "model.ansatz.reps": 1,
                "dataset.training_size": 100,
                "dataset.test_size": 20,
                "dataset.gap": 0.3,
                "optimizer.name": "fd_adam",
                "optimizer.lr": 1e-3,
                "optimizer.beta1": 0.9,
                "optimizer.beta2": 0.99,
                "optimizer.eps": 1e-10,
                "loss.shots": 200,
                "trainer.epochs": 50,
                "seed": 137,
                "dataset.seed": 137,
                "model.init_seed": 137,
            },
        ),
        (
            "study_vqc_blobs",
            {
                "model.feature_map.reps": 1,
                "model.ansatz.reps": 1,
                "dataset.n_samples": 100,
                "dataset.cluster_std": 1.0,
                "dataset.test_size": 0.25,
                "dataset.feature_range": None,
                "dataset.stratify": False,
                "optimizer.lr": 1e-3,
                "optimizer.beta2": 0.99,
                "loss.shots": 200,
                "trainer.epochs": 50,
            },
        ),
        (
            "study_bell_toy",
            {
                "model.initial_angle": 0.0,
                "optimizer.name": "study_toy",
                "optimizer.lr": 1.29 * math.pi / 180,
                "trainer.epochs": 499,
            },
        ),
    ],
)
def test_faithful_configs_compose_with_the_write_ups_values(compose_cfg, experiment, expected):
    cfg = compose_cfg(f"experiment={experiment}")
    validate(cfg)
    params = flatten(OmegaConf.to_container(cfg, resolve=True))
    for key, value in expected.items():
        if isinstance(value, float):
            assert params[key] == pytest.approx(value, rel=1e-12), key
        else:
            assert params[key] == value, key


def test_faithful_toy_loss_sequence_matches_the_write_ups_update(compose_cfg):
    """The write-up's loop, re-implemented in degrees on qiskit statevectors."""
    cfg = compose_cfg("experiment=study_bell_toy")
    losses = []

    class Losses(Callback):
        def on_epoch_end(self, step, metrics):
            losses.append(metrics["loss"])

    train(build_experiment(cfg), [Losses()])
    expected = []
    angle_degrees = 0.0
    for _ in range(500):
        qc = QuantumCircuit(2)
        qc.ry(math.radians(angle_degrees), 0)
        qc.cx(0, 1)
        counts = Statevector(qc).probabilities_dict()
        cost = (counts.get("00", 0.0) - counts.get("11", 0.0)) ** 2
        expected.append(cost)
        angle_degrees -= 1.29 * cost
    assert len(losses) == 500
    np.testing.assert_allclose(losses, expected, rtol=1e-9, atol=1e-12)
    assert losses[0] == pytest.approx(1.0)  # angle 0: the product state |00>


def test_legacy_initialisation_is_the_write_ups_numpy_draw(compose_cfg):
    cfg = compose_cfg("experiment=study_vqc_adhoc")
    np.random.seed(137)  # noqa: NPY002 -- the write-up's own call
    expected = 2 * np.pi * np.random.rand(4)  # noqa: NPY002
    np.testing.assert_array_equal(build(cfg.model).initial_parameters(), expected)
    other = compose_cfg("experiment=study_vqc_adhoc", "model.init_seed=5")
    assert not np.allclose(build(other.model).initial_parameters(), expected)


def test_data_and_init_seeds_vary_independently(compose_cfg):
    base = build_experiment(compose_cfg("experiment=study_vqc_blobs"))
    new_init = build_experiment(compose_cfg("experiment=study_vqc_blobs", "model.init_seed=1"))
    new_data = build_experiment(compose_cfg("experiment=study_vqc_blobs", "dataset.seed=1"))
    np.testing.assert_array_equal(base.dataset.x_train, new_init.dataset.x_train)
    assert not np.allclose(base.theta0, new_init.theta0)
    np.testing.assert_array_equal(base.theta0, new_data.theta0)
    assert not np.allclose(base.dataset.x_train, new_data.dataset.x_train)


def test_finite_difference_adam_follows_aquas_update():
    """Forward differences with step eps, then aqua's bias-corrected step, on a quadratic."""
    target = np.array([0.3, -0.2, 0.7])

    def f(theta):
        return float(np.sum((theta - target) ** 2))

    opt = FiniteDifferenceAdam(lr=0.1, beta1=0.9, beta2=0.99, noise_factor=1e-8, eps=1e-6)
    theta = np.zeros(3)
    ref_theta, m, v = np.zeros(3), np.zeros(3), np.zeros(3)
    for t in range(1, 4):
        theta = opt.step(theta, loss=f(theta), grad=None, objective=f)
        f0 = f(ref_theta)
        g = np.array([(f(ref_theta + 1e-6 * e) - f0) / 1e-6 for e in np.eye(3)])
        m = 0.9 * m + (1 - 0.9) * g
        v = 0.99 * v + (1 - 0.99) * g * g
        lr_eff = 0.1 * math.sqrt(1 - 0.99**t) / (1 - 0.9**t)
        ref_theta = ref_theta - lr_eff * m / (np.sqrt(v) + 1e-8)
    np.testing.assert_allclose(theta, ref_theta, rtol=1e-12)
    np.testing.assert_allclose(opt.m, m, rtol=1e-12)
    assert len(opt.evaluations) == 3 * 4  # f(theta) and one shifted value per parameter


def test_as_published_meyer_wallach_matches_qiskit_at_the_point_and_moment(compose_cfg):
    cfg = compose_cfg("experiment=study_vqc_adhoc", "metrics.as_published=true")
    sim = build_experiment(cfg).classifier.simulator
    encoded = sim.encode(np.array([PUBLISHED_POINT]))
    measure = as_published_metrics(lambda p: sim.states(p, encoded), of_moment=True)
    moment = np.array([0.031, -0.012, 0.2, 1.4])
    optimizer = type("Opt", (), {"m": moment})()
    got = measure(np.zeros(4), optimizer)

    circuit = zz_feature_map(2, reps=1).compose(real_amplitudes(2, reps=1))
    values = {
        p: PUBLISHED_POINT[p.index] if p.name.startswith("x") else moment[p.index]
        for p in circuit.parameters
    }
    state = Statevector(circuit.assign_parameters(values))
    assert got["published_meyer_wallach"] == pytest.approx(_qiskit_meyer_wallach(state), abs=1e-12)
    assert abs(got["published_von_neumann_entropy"]) < 1e-9  # the whole pure state: zero
    assert measure(np.zeros(4), type("Fresh", (), {"m": None})()) == {}  # step 0: no m_t yet


def test_amplitude_dict_meyer_wallach_fails_like_the_write_up_on_zero_amplitudes():
    bell = np.array([1, 0, 0, 1]) / np.sqrt(2)
    assert math.isnan(amplitude_dict_meyer_wallach(bell))
    generic = np.array([0.5, 0.5j, -0.5, -0.5j])  # (|0> - |1>)/sqrt2 (x) (|0> + i|1>)/sqrt2
    assert amplitude_dict_meyer_wallach(generic) == pytest.approx(0.0, abs=1e-12)  # a product


def test_symmetric_blob_centres_fix_the_separation_in_units_of_std():
    for std in (0.5, 2.0):
        data = load_blobs(
            num_features=4,
            n_samples=4000,
            cluster_std=std,
            test_size=0.25,
            seed=3,
            feature_range=None,
            centers="symmetric",
            center_distance=4.0,
        )
        assert data.facts["class_separation"] == pytest.approx(4.0 / std)
        x = np.vstack([data.x_train, data.x_test])
        y = np.concatenate([data.y_train, data.y_test])
        centre = x[y == 1].mean(axis=0) - x[y == 0].mean(axis=0)
        np.testing.assert_allclose(np.abs(centre), 4.0 / 2, atol=0.25 * std)  # 2 / sqrt(4) * 2


@pytest.mark.integration
def test_faithful_run_logs_baseline_change_published_metrics_and_plain_numbers(
    compose_cfg, store_uri
):
    cfg = compose_cfg(
        "experiment=study_vqc_adhoc",
        "metrics.as_published=true",
        "trainer.epochs=3",
        "dataset.training_size=5",
        "dataset.test_size=2",
        f"tracking.uri={store_uri}",
    )
    summary = run_experiment(cfg, progress=False)
    client = MlflowClient(store_uri)
    run = client.get_run(summary["run_id"])
    assert run.data.params["loss.shots"] == "200"
    folder = local_artifact_dir(run.info.artifact_uri)
    history = pd.read_csv(folder / "history.csv")
    np.testing.assert_allclose(
        history["meyer_wallach_change"],
        history["meyer_wallach"] - run.data.metrics["feature_map_meyer_wallach"],
        atol=1e-12,
    )
    # the feature map's own entanglement, from qiskit on the same training points
    data = build(cfg.dataset)
    fm = zz_feature_map(2, reps=1)
    expected = np.mean(
        [_qiskit_meyer_wallach(Statevector(fm.assign_parameters(x))) for x in data.x_train]
    )
    assert run.data.metrics["feature_map_meyer_wallach"] == pytest.approx(expected, abs=1e-10)
    assert history["published_meyer_wallach"].isna().tolist() == [True, False, False, False]
    assert "published_meyer_wallach" not in run.data.tags["entanglement_metrics"]
    final = pd.read_csv(folder / "final_parameters.csv")
    assert final["value"].dtype == float and len(final) == 4
    evaluations = pd.read_csv(folder / "function_evaluations.csv")
    assert len(evaluations) == 3 * 5  # 3 updates x (f(theta) + 4 shifted)
    assert evaluations["loss"].iloc[0] == pytest.approx(history["loss"].iloc[0], rel=1e-12)


def test_four_qubit_ad_hoc_data_are_reproducible():
    """qiskit's Sobol sampling is unseeded; the hypercube sampling we use is seeded."""
    options = dict(num_features=4, training_size=5, test_size=2, gap=0.3)
    a = load_ad_hoc(seed=4, sampling_method="hypercube", divisions=10, **options)
    b = load_ad_hoc(seed=4, sampling_method="hypercube", divisions=10, **options)
    c = load_ad_hoc(seed=5, sampling_method="hypercube", divisions=10, **options)
    np.testing.assert_array_equal(a.x_train, b.x_train)
    assert a.x_train.shape == (10, 4) and not np.allclose(a.x_train, c.x_train)
