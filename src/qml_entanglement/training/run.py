"""One tracked training run: validate, build, train, log to MLflow, write artifacts."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from omegaconf import DictConfig, OmegaConf

from ..config import ConfigError, validate
from ..sweeps import membership
from ..tracking import RunLogger, ensure_experiment, ensure_store, resolve_tracking_uri
from ..tracking.uri import preflight, redact
from ..tracking.writer import start_writer, wants_writer
from .build import Components, build
from .entanglement import block_entangling_power, entanglement_metric_names, entanglement_summary
from .loop import EncodedData, train
from .plots import plot_history
from .published import PUBLISHED_POINT, as_published_metrics


def flatten(config: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}} -> {"a.b": 1}``; lists stay values."""
    flat: dict[str, Any] = {}
    for key, value in config.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


_NOT_HASHED = ("tracking", "force", "sweep", "run_name")  # where and how a run is tracked


def config_hash(cfg: DictConfig) -> str:
    """Hash of the resolved config minus where it is tracked: equal hashes, equal runs."""
    container = OmegaConf.to_container(cfg, resolve=True)
    for key in _NOT_HASHED:
        container.pop(key, None)
    text = OmegaConf.to_yaml(OmegaConf.create(container), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def git_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5, check=True
        )
        return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def run_tags(cfg: DictConfig, overrides: list[str], metric_names) -> dict[str, str]:
    model = cfg.model
    vqc = model.name == "vqc"
    return {
        "dataset": cfg.dataset.name,
        "model": model.name,
        "ansatz": model.ansatz.name if vqc else "bell_toy",
        "feature_map": model.feature_map.name if vqc else "none",
        "entanglement": model.ansatz.entanglement if vqc else "cx",
        "optimizer": cfg.optimizer.name,
        "loss": cfg.loss.name,
        "simulator": cfg.simulator.name,
        "seed": str(cfg.seed),
        "git_commit": git_commit(),
        "overrides": redact(" ".join(overrides)),
        "config_hash": config_hash(cfg),
        "entanglement_metrics": ",".join(metric_names),
    }


def _encode(components: Components) -> EncodedData:
    sim = components.classifier.simulator
    ds = components.dataset
    has_labels = ds.name != "none"
    return EncodedData(
        sim.encode(ds.x_train),
        ds.y_train,
        sim.encode(ds.x_test) if has_labels else None,
        ds.y_test if has_labels else None,
        has_labels=has_labels,
    )


def _probe(cfg: DictConfig, n_train: int) -> np.ndarray | None:
    size = cfg.metrics.probe_size
    if size is None or size >= n_train:
        return None
    return np.sort(np.random.default_rng(cfg.seed).choice(n_train, size=size, replace=False))


def run_experiment(
    cfg: DictConfig, overrides: list[str] | None = None, *, progress: bool = True
) -> dict[str, Any]:
    """Train the experiment ``cfg`` as one MLflow run; return its id, status and final metrics.

    Config mistakes raise :class:`ConfigError`, an unusable tracking store
    :class:`~qml_entanglement.tracking.uri.StoreUnavailable`, before any run is created (a
    password in the tracking URI is never stored or printed). Once the run exists,
    any exception (or Ctrl-C / SIGTERM) marks it FAILED, keeping every epoch logged so far.
    A job of a sweep whose config already FINISHED in the experiment is skipped (status
    ``SKIPPED``, the existing run's id and metrics) unless ``force=true``.
    ``summary["timings"]`` has the seconds spent building, training, tracking and on artifacts.
    """
    tic = time.perf_counter()
    validate(cfg)
    uri = resolve_tracking_uri(cfg.tracking.uri)
    preflight(uri)  # an unusable store fails here, in seconds, before anything is built
    if membership.wants_skip_check(cfg):
        skipped = _skip_if_finished(cfg, uri)
        if skipped is not None:
            return skipped
    rng = np.random.default_rng(cfg.seed)  # mini-batch order
    try:
        components = build(cfg)
        data = _encode(components)
    except ValueError as exc:  # bad data or circuit for this config: a config mistake
        raise ConfigError(str(exc)) from exc
    mixed = getattr(components.classifier.simulator, "mixed", False)
    power_samples = cfg.metrics.entangling_power_samples
    metric_names = entanglement_metric_names(mixed, entangling_power=bool(power_samples))
    probe = _probe(cfg, len(data.y_train))
    step_metrics = _step_metrics(cfg, components, data)
    baseline = _feature_map_baseline(cfg, data, probe)
    tags = {**run_tags(cfg, overrides or [], metric_names), **membership.sweep_tags(cfg)}
    history: list[dict[str, float]] = []
    timings = {"build": time.perf_counter() - tic}
    tic = time.perf_counter()
    in_sweep = membership.sweep_id_of(cfg) is not None
    writer = start_writer() if wants_writer(cfg.tracking.writer, in_sweep) else None
    with RunLogger(
        uri,
        cfg.tracking.experiment,
        cfg.run_name,
        tags,
        flush_seconds=cfg.tracking.flush_seconds,
        writer=writer,
    ) as run:
        params = flatten(OmegaConf.to_container(cfg, resolve=True))
        run.log_params({k: redact(v) if isinstance(v, str) else v for k, v in params.items()})
        once = {**components.dataset.facts}
        once.update({f"feature_map_{k}": v for k, v in (baseline or {}).items()})
        if once:
            run.log_final(once)
        timings["tracking"] = time.perf_counter() - tic
        bar = _progress_bar(cfg.trainer.epochs + 1, enabled=progress)

        def on_epoch(step: int, metrics: dict[str, float]) -> None:
            if not np.isfinite(metrics["loss"]):
                raise FloatingPointError(f"loss is {metrics['loss']} at epoch {step}")
            run.log_epoch(step, metrics)
            if bar is not None:
                bar.update(1)
                bar.set_postfix(
                    loss=f"{metrics['loss']:.4f}",
                    mw=f"{metrics.get('meyer_wallach', float('nan')):.3f}",
                )

        tic = time.perf_counter()
        try:
            result = train(
                components.classifier,
                data,
                components.optimizer,
                components.theta0,
                epochs=cfg.trainer.epochs,
                batch_size=cfg.trainer.batch_size,
                rng=rng,
                probe=probe,
                on_epoch=on_epoch,
                history=history,
                step_metrics=step_metrics,
                baseline=baseline,
            )
        finally:
            if bar is not None:
                bar.close()
            timings["train"] = time.perf_counter() - tic
            tic = time.perf_counter()
            run.flush()  # a writer process stores the rest while the plots are drawn
            timings["tracking"] += time.perf_counter() - tic
            tic = time.perf_counter()
            if history and cfg.tracking.artifacts:
                _log_history(run, history, metric_names)
        if cfg.tracking.artifacts:
            _log_artifacts(run, cfg, components, result.theta)
            _log_evaluations(run, components.optimizer)
        timings["artifacts"] = time.perf_counter() - tic
        tic = time.perf_counter()
    timings["tracking"] += time.perf_counter() - tic  # final flush, run status
    final = history[-1]
    summary = {
        "run_id": run.run_id,
        "experiment_id": run.experiment_id,
        "status": "FINISHED",
        "tracking_uri": uri,
        **final,
        "timings": timings,
    }
    _print_summary(summary)
    return summary


def _step_metrics(cfg: DictConfig, components: Components, data: EncodedData) -> list:
    """Per-step measurements beyond the loop's own: entangling power, the write-up's quantities."""
    simulator = components.classifier.simulator
    measures = []
    samples = cfg.metrics.entangling_power_samples
    if samples:
        power = block_entangling_power(simulator.block, samples, seed=cfg.seed)
        measures.append(lambda theta, _optimizer: power(theta))
    if cfg.metrics.get("as_published", False):
        if cfg.model.name == "bell_toy":
            encoded = data.train
        else:
            encoded = simulator.encode(np.array([PUBLISHED_POINT]))
        measures.append(
            as_published_metrics(lambda params: simulator.states(params, encoded), cfg.model.name)
        )
    return measures


def _feature_map_baseline(
    cfg: DictConfig, data: EncodedData, probe: np.ndarray | None
) -> dict[str, float] | None:
    """Entanglement of the feature-map states alone (the probed training samples), or None.

    Only for the VQC on exact states (the encodings are then the states themselves).
    """
    encoded = data.train if probe is None else data.train[probe]
    if cfg.model.name != "vqc" or not np.iscomplexobj(encoded) or encoded.ndim != 2:
        return None
    summary = entanglement_summary(encoded)
    return {k: v for k, v in summary.items() if not k.endswith("_std")}


def _skip_if_finished(cfg: DictConfig, uri: str) -> dict[str, Any] | None:
    """The summary of an identical FINISHED run (now also counted in this sweep), or None."""
    client = ensure_store(uri)
    experiment_id = ensure_experiment(client, uri, cfg.tracking.experiment)
    digest = config_hash(cfg)
    done = membership.find_finished(client, experiment_id, digest)
    if done is None:
        return None
    membership.join_sweep(client, done, membership.sweep_id_of(cfg))
    print(
        f"run {done.info.run_id} already FINISHED with config_hash {digest}: skipped "
        "(force=true trains it again)",
        file=sys.stderr,
    )
    return membership.skipped_summary(done, uri)


def _progress_bar(total: int, enabled: bool):
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc="epochs", unit="ep", leave=False, disable=None)


def _log_history(run: RunLogger, history: list[dict[str, float]], metrics) -> None:
    frame = pd.DataFrame(history)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "history.csv"
        frame.to_csv(path, index=False)
        run.log_artifact(path)
        for plot in plot_history(frame, metrics, Path(tmp) / "plots"):
            run.log_artifact(plot, "plots")


def _log_artifacts(run: RunLogger, cfg: DictConfig, components: Components, theta) -> None:
    run.log_text(redact(OmegaConf.to_yaml(cfg, resolve=True)), "config.yaml")
    names = [p.name for p in components.ansatz.parameters]
    params = "parameter,value\n" + "".join(
        f"{n},{float(v)!r}\n" for n, v in zip(names, theta, strict=True)
    )
    run.log_text(params, "final_parameters.csv")
    circuit = components.feature_map.compose(components.ansatz)
    run.log_text(str(circuit.draw(output="text", fold=-1)), "circuit.txt")


def _log_evaluations(run: RunLogger, optimizer: object) -> None:
    """Every loss evaluation of an optimizer that keeps them (``function_evaluations.csv``)."""
    values = getattr(optimizer, "evaluations", None)
    if values:
        text = "evaluation,loss\n" + "".join(f"{i},{v!r}\n" for i, v in enumerate(values))
        run.log_text(text, "function_evaluations.csv")


def _print_summary(summary: dict[str, Any]) -> None:
    shown = (
        "loss",
        "train_accuracy",
        "test_accuracy",
        "meyer_wallach",
        "von_neumann_entropy",
        "negativity",
    )
    numbers = ", ".join(f"{k}={summary[k]:.4f}" for k in shown if k in summary)
    print(
        f"run {summary['run_id']} FINISHED: {numbers}\n"
        f"  view it: make ui, then open http://127.0.0.1:5000/#/experiments/"
        f"{summary['experiment_id']}/runs/{summary['run_id']}",
        file=sys.stderr,
    )
