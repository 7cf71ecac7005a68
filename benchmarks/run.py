"""Run every ``benchmarks/bench_*.py``, print one table per benchmark, write ``results.json``.

Each benchmark module exposes ``run(quick: bool = False) -> list[dict]`` and, optionally,
``format_table(rows) -> str``.  Modules are imported by path, so ``benchmarks/`` needs no
``__init__.py``; a benchmark that fails to import or run is reported (with its traceback in the
JSON) and the others still run.  The JSON holds the machine (CPU model, cores, RAM, load
average, library versions), the date, each benchmark's rows and wall time.

Usage (from the project root; ``make bench ARGS="..."`` passes ``ARGS`` through)::

    python benchmarks/run.py                        # everything, full sizes
    python benchmarks/run.py --quick                # small sizes (about two minutes)
    python benchmarks/run.py --only engine,metrics  # a subset, by the name after ``bench_``
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import platform
import sys
import time
import traceback
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_OUTPUT = HERE / "results.json"
VERSIONED = (
    "numpy",
    "scipy",
    "qiskit",
    "qiskit-aer",
    "qiskit-machine-learning",
    "pennylane",
    "pennylane-lightning",
    "mlflow",
    "qml-entanglement",
)


def discover(directory: Path = HERE) -> dict[str, Path]:
    """``{name: path}`` of every ``bench_<name>.py`` in ``directory``, sorted by name."""
    return {p.stem.removeprefix("bench_"): p for p in sorted(directory.glob("bench_*.py"))}


def load(name: str, path: Path):
    """Import the module at ``path`` as ``bench_<name>`` (registered in ``sys.modules``)."""
    module_name = f"bench_{name}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # dataclasses and pickling look the module up
    spec.loader.exec_module(module)
    return module


# ------------------------------------------------------------------------------ machine info
def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.lower().startswith(("model name", "hardware", "cpu model")):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _ram_gib() -> float | None:
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemTotal:"):
                    return round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return None


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _blas() -> str | None:
    try:
        import numpy as np

        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        return f"{blas.get('name')} {blas.get('version', '')}".strip()
    except Exception:
        return None


def machine_info() -> dict:
    """CPU, cores, RAM, load, platform and library versions of this machine."""
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    return {
        "cpu_model": _cpu_model(),
        "cores": os.cpu_count(),
        "usable_cores": usable,
        "ram_gib": _ram_gib(),
        "load_average_1_5_15": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "blas": _blas(),
        "versions": {package: _version(package) for package in VERSIONED},
    }


# ------------------------------------------------------------------------------------ tables
def _cell(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return "-" if not math.isfinite(value) else f"{value:.4g}"
    return str(value)


def generic_table(rows: list[dict]) -> str:
    """Columns are the union of the rows' keys (first-seen order); ``note`` comes last."""
    keys: list[str] = []
    for row in rows:
        keys += [k for k in row if k not in keys and k not in ("benchmark", "note")]
    if any("note" in row for row in rows):
        keys.append("note")
    cells = [[_cell(row.get(k)) for k in keys] for row in rows]
    widths = [max([len(k)] + [len(c[i]) for c in cells]) for i, k in enumerate(keys)]
    widths[-1] = 0  # the last column is not padded
    lines = ["  ".join(k.ljust(w) for k, w in zip(keys, widths, strict=True)).rstrip()]
    for c in cells:
        lines.append("  ".join(v.ljust(w) for v, w in zip(c, widths, strict=True)).rstrip())
    return "\n".join(lines)


def table(module, rows: list[dict]) -> str:
    formatter = getattr(module, "format_table", None)
    if callable(formatter):
        try:
            return formatter(rows)
        except Exception:  # fall back to the generic table rather than lose the results
            pass
    return generic_table(rows)


# ---------------------------------------------------------------------------------------- run
def _json_safe(value):
    """Numpy scalars to Python, non-finite floats to None (strict JSON)."""
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if hasattr(value, "item") and callable(value.item):
        try:
            value = value.item()
        except (TypeError, ValueError):
            return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def run_one(name: str, path: Path, quick: bool) -> dict:
    """Import and run one benchmark; never raises."""
    start = time.perf_counter()
    try:
        module = load(name, path)
        rows = module.run(quick=quick)
        text = table(module, rows)
        outcome = {"status": "ok", "rows": rows}
    except Exception as exc:
        text = f"FAILED: {exc!r}\n{traceback.format_exc()}"
        outcome = {"status": "failed", "error": repr(exc), "traceback": traceback.format_exc()}
    outcome["seconds"] = time.perf_counter() - start
    outcome["text"] = text
    return outcome


def main(argv: list[str] | None = None) -> int:
    available = discover()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument(
        "--only",
        default="",
        help=f"comma-separated subset of: {', '.join(available)}",
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="results file (JSON)")
    args = parser.parse_args(argv)

    chosen = [n.strip() for n in args.only.split(",") if n.strip()] or list(available)
    unknown = [n for n in chosen if n not in available]
    if unknown:
        parser.error(
            f"--only: unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(available)}"
        )

    started = datetime.now(UTC)
    machine = machine_info()
    print(
        f"machine: {machine['cpu_model']}, {machine['usable_cores']} cores, "
        f"{machine['ram_gib']} GiB RAM, load {machine['load_average_1_5_15']}; "
        f"python {machine['python']}, numpy {machine['versions']['numpy']}, "
        f"qiskit {machine['versions']['qiskit']}",
        flush=True,
    )
    results: dict[str, dict] = {}
    total = time.perf_counter()
    for name in chosen:
        print(f"\n== {name} ({'quick' if args.quick else 'full'}) ==", flush=True)
        outcome = run_one(name, available[name], args.quick)
        print(outcome.pop("text"))
        print(f"[{name}: {outcome['status']} in {outcome['seconds']:.1f} s]", flush=True)
        results[name] = outcome
    seconds = time.perf_counter() - total
    machine["load_average_at_end"] = list(os.getloadavg()) if hasattr(os, "getloadavg") else None

    document = {
        "date": started.isoformat(timespec="seconds"),
        "quick": args.quick,
        "command": " ".join(
            [Path(sys.argv[0]).name, *(argv if argv is not None else sys.argv[1:])]
        ),
        "total_seconds": seconds,
        "machine": machine,
        "benchmarks": results,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(_json_safe(document), indent=2) + "\n")
    failed = [n for n, r in results.items() if r["status"] != "ok"]
    print(
        f"\nwrote {args.output} in {seconds:.0f} s"
        + (f"; FAILED: {', '.join(failed)}" if failed else "")
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
