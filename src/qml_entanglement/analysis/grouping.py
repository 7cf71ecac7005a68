"""Who is a replicate of whom: comparison groups, built once for the whole report.

Runs are replicates only when their configurations are identical except for the seeds. The
default (``group_by: auto``) therefore groups by *every* logged param (the flattened config)
that differs among the selected runs, except

* seeds: ``seed`` and any key ending in ``seed`` (``dataset.seed``, ``init_seed``, ...);
* bookkeeping: ``tracking.*``, ``sweep.*``, ``hydra.*``, ``force``, ``run_name``.

A param a run does not have counts as a value of its own (``n/a``). With an explicit
``group_by`` (tag, else param; ``tags.x`` / ``params.x`` force one) runs of different
configurations may share a group; each :class:`Group` then lists the keys that differ inside it
(``pooled``) and the report names them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from qml_entanglement.analysis.histories import RunHistory
from qml_entanglement.analysis.selection import MISSING, resolve_key, seed_sort_key

_SEED = re.compile(r"(^|[._])(\w*_)?seed$")
BOOKKEEPING_PREFIXES = ("tracking.", "sweep.", "hydra.")
BOOKKEEPING_KEYS = frozenset({"force", "run_name"})
# Keys shown first in group labels (the rest follow alphabetically).
LABEL_ORDER = (
    "model.name",
    "dataset.name",
    "model.num_qubits",
    "model.feature_map.name",
    "model.ansatz.name",
    "model.ansatz.entanglement",
    "model.ansatz.reps",
    "optimizer.name",
    "loss.name",
    "simulator.name",
)


def is_config_key(key: str) -> bool:
    """Whether a param defines the experiment (not a seed, not bookkeeping).

    >>> [is_config_key(k) for k in ("dataset.cluster_std", "seed", "dataset.seed", "tracking.uri")]
    [True, False, False, False]
    """
    return not (
        _SEED.search(key) or key.startswith(BOOKKEEPING_PREFIXES) or key in BOOKKEEPING_KEYS
    )


def short_names(keys: Sequence[str]) -> dict[str, str]:
    """Readable, unambiguous names: ``x.name`` -> ``x``, else the shortest unique dotted suffix.

    >>> keys = ["dataset.name", "model.ansatz.entanglement", "dataset.cluster_std"]
    >>> list(short_names(keys).values())
    ['dataset', 'entanglement', 'cluster_std']
    >>> list(short_names(["model.ansatz.entanglement", "model.feature_map.entanglement"]).values())
    ['ansatz.entanglement', 'feature_map.entanglement']
    """
    stripped = {k: k[: -len(".name")] if k.endswith(".name") else k for k in keys}
    stripped = {
        k: v.split(".", 1)[1] if v.startswith(("tags.", "params.")) else v
        for k, v in stripped.items()
    }
    names = {}
    for key, full in stripped.items():
        parts = full.split(".")
        for size in range(1, len(parts) + 1):
            candidate = ".".join(parts[-size:])
            clashes = [
                other
                for o, other in stripped.items()
                if o != key and (other == candidate or other.endswith("." + candidate))
            ]
            if not clashes:
                break
        names[key] = candidate
    return names


@dataclass(frozen=True)
class Group:
    """Runs that are replicates of one configuration (or a user-chosen pool of them)."""

    label: str
    values: dict[str, str]  # grouping key -> value
    histories: tuple[RunHistory, ...]
    pooled: dict[str, tuple[str, ...]] = field(default_factory=dict)  # differing config keys

    @property
    def seeds(self) -> list[str]:
        """Seeds of the runs, in run order."""
        return [h.run.seed for h in self.histories]

    @property
    def pooled_text(self) -> str:
        """The differing config keys, e.g. ``dataset.cluster_std in {0.5, 2.0}`` (or "")."""
        return "; ".join(f"{k} in {{{', '.join(v)}}}" for k, v in self.pooled.items())

    @property
    def n_runs(self) -> int:
        """Number of runs."""
        return len(self.histories)


@dataclass(frozen=True)
class Grouping:
    """Every group of the report, the keys that define them and the swept (differing) keys."""

    groups: tuple[Group, ...]
    keys: tuple[str, ...]
    auto: bool

    def by_label(self) -> dict[str, Group]:
        """Groups by label."""
        return {g.label: g for g in self.groups}

    def label_of(self) -> dict[str, str]:
        """Run id -> group label."""
        return {h.run.run_id: g.label for g in self.groups for h in g.histories}


def config_of(history: RunHistory) -> dict[str, str]:
    """The run's configuration: every param that is not a seed or bookkeeping."""
    return {k: v for k, v in history.run.params.items() if is_config_key(k)}


def differing_keys(configs: Iterable[dict[str, str]]) -> list[str]:
    """Config keys whose value (``n/a`` when absent) is not the same in every config."""
    configs = list(configs)
    keys = sorted({k for c in configs for k in c})
    return [k for k in keys if len({c.get(k, MISSING) for c in configs}) > 1]


def _ordered(keys: Iterable[str]) -> list[str]:
    keys = list(keys)
    first = [k for k in LABEL_ORDER if k in keys]
    return first + sorted(k for k in keys if k not in first)


def build_groups(histories: Sequence[RunHistory], group_by: Sequence[str] | None) -> Grouping:
    """Assign every run to a group; ``group_by=None`` means by every differing config key."""
    configs = {h.run.run_id: config_of(h) for h in histories}
    auto = group_by is None
    keys = _ordered(differing_keys(configs.values())) if auto else list(group_by)
    members: dict[tuple[str, ...], list[RunHistory]] = {}
    for history in histories:
        run = history.run
        if auto:
            value = tuple(configs[run.run_id].get(k, MISSING) for k in keys)
        else:
            value = tuple(resolve_key(run.tags, run.params, k) or MISSING for k in keys)
        members.setdefault(value, []).append(history)
    labels = _labels(list(members), keys, auto)
    groups = []
    for value, runs in sorted(members.items(), key=lambda item: labels[item[0]]):
        runs = sorted(runs, key=lambda h: (seed_sort_key(h.run.seed), h.run.run_id))
        inside = differing_keys(configs[h.run.run_id] for h in runs)
        pooled = {
            k: tuple(sorted({configs[h.run.run_id].get(k, MISSING) for h in runs})) for k in inside
        }
        groups.append(
            Group(labels[value], dict(zip(keys, value, strict=True)), tuple(runs), pooled)
        )
    return Grouping(tuple(groups), tuple(keys), auto)


def _labels(values: list[tuple[str, ...]], keys: list[str], auto: bool) -> dict:
    """Group labels: ``short=value`` for the fewest keys (in label order) that tell groups apart.

    Keys that are ``n/a`` for a group are left out of its label.
    """
    if not keys:
        return {v: "all runs" for v in values}
    names = short_names(keys)
    shown = list(range(len(keys)))
    if auto:  # greedily keep the keys that split the groups further
        shown = []
        for index in range(len(keys)):
            before = len({tuple(v[i] for i in shown) for v in values})
            if len({tuple(v[i] for i in [*shown, index]) for v in values}) > before:
                shown.append(index)
    labels = {}
    for value in values:
        parts = [f"{names[keys[i]]}={value[i]}" for i in shown if not auto or value[i] != MISSING]
        labels[value] = ", ".join(parts) or "all runs"
    return labels


def determines(groups: Sequence[Group], key: str, other: str) -> bool:
    """Whether *key*'s value fixes *other*'s in every group (a function ``key -> other``).

    >>> g = [Group("a", {"opt": "spsa", "alpha": "0.602"}, ()),
    ...      Group("b", {"opt": "adam", "alpha": "n/a"}, ())]
    >>> determines(g, "opt", "alpha"), determines(g, "alpha", "opt")
    (True, True)
    """
    seen: dict[str, str] = {}
    return all(seen.setdefault(g.values[key], g.values[other]) == g.values[other] for g in groups)


def figure_keys(grouping: Grouping) -> list[str]:
    """The swept keys worth a figure each: a key that another swept key determines adds no
    figure (SPSA's ``alpha`` beside ``optimizer``; ``gap``, ``pca`` beside ``dataset``). Of
    keys that determine each other the first in label order stays (``dataset`` over ``gap``).
    """
    keys = [k for k in grouping.keys if len({g.values[k] for g in grouping.groups}) > 1]
    kept = []
    for index, key in enumerate(keys):
        finer = [o for o in keys if o != key and determines(grouping.groups, o, key)]
        strictly = [o for o in finer if not determines(grouping.groups, key, o)]
        equal_before = [o for o in finer if o in keys[:index] and o not in strictly]
        if not strictly and not equal_before:
            kept.append(key)
    return kept


def latest_per_seed(histories: Sequence[RunHistory]) -> list[RunHistory]:
    """Of runs meant as one experiment: those of its newest configuration (every config key
    equal to the newest run's), the newest run per seed, in seed order -- a rerun replaces,
    an older configuration is left out."""
    newest = sorted(histories, key=lambda h: h.run.start_time, reverse=True)
    if not newest:
        return []
    signature = config_of(newest[0])
    per_seed: dict[str, RunHistory] = {}
    for history in newest:
        if config_of(history) == signature:
            per_seed.setdefault(history.run.seed, history)
    return sorted(per_seed.values(), key=lambda h: seed_sort_key(h.run.seed))
