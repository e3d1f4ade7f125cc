"""Partitioned sharded runs: each worker synthesises and simulates only its shard's regions.

``scslab run SCENARIO --shards K --partitioned`` splits the population's regions into K
contiguous runs (the split of :func:`.shards.assign_shards` and ``--plan``), and each worker
builds ``Sim(..., blocks=its regions)``: it synthesises only those blocks, in their own
index space, with every keyed draw keyed by the subjects' global ids
(``population.part``, ``engine.rng.Streams.ids``). Nothing is exchanged between the
workers yet, so only scenarios in which no subject is coupled to a subject of another
shard run this way (:func:`partition_problems` says why the others are refused):

- no friendship crosses a region (``population.cross_region_share = 0``; households,
  spouses, parents, colleagues and legal representatives never do);
- no population-wide aggregate feeds back: no epidemic, no letters, no rank dimension
  (``income_rank``, ``savings_rank``, ``degree_rank``), no data-entry errors filed against
  random subjects.

The merge (:func:`merge_partitioned`) places every subject at its global index and puts
the rows of ``records``, ``list_spells`` and ``sanctions`` in the **canonical order**
(:func:`canonical_order`: by day, then subject, then the subject's own order), with the
row references (a spell's cause record, a sanction's spell and origin record, the decisive
records) renumbered to match; :func:`canonical` puts an unsharded run's results in the same
order, and the two are then identical in every integer (``tests/test_partitioned.py``).
Daily series and figures are reduced by their declared ``ResultSpec.reduce``: counts are
summed (exact), means over persons or subjects are weighted by the shards' persons or
subjects (equal to the whole run's mean up to float rounding); the rest are marked in the
figure ``partition_approximate``. Why the row order cannot be the single process's, and what
crossing shards would need, is in ``docs/design.md`` ("Sharded runs and exactness").
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..scenario.apportion import region_shards
from .shards import KILL_ENV, ShardError, region_count

if TYPE_CHECKING:
    from ..engine.results import Results
    from ..engine.sim import Sim
    from ..scenario.schema import Scenario

__all__ = [
    "PartitionedPart",
    "canonical",
    "canonical_order",
    "merge_partitioned",
    "partition_problems",
    "reduce_rules",
    "run_partitioned",
    "run_partitioned_shard",
    "shard_blocks",
]

#: rule attributes that rank a subject against every scored subject (engine.scoring.RANKED)
_RANK_ATTRIBUTES = ("income_rank", "savings_rank", "degree_rank")
#: per-subject tables: the column naming the subject a row belongs to, and its day column
_TABLES = {"records": ("subject", "day"), "list_spells": ("subject", "start"), "sanctions": ("target", "start")}
#: columns that cite a row of another table (table -> column -> cited table)
_REFS = {
    "list_spells": {"cause_record": "records"},
    "sanctions": {"spell": "list_spells", "origin_record": "records"},
    "decisive": {"spell": "list_spells", "record": "records"},
}
#: columns that name a subject (table -> columns)
_SUBJECT_COLS = {"records": ("subject",), "list_spells": ("subject",), "sanctions": ("target", "origin_subject")}


def partition_problems(sc: Scenario, shards: int) -> list[str]:
    """Why ``--shards shards --partitioned`` cannot run ``sc`` exactly (empty when it can).

    One shard holds everything, so nothing can couple it to another: K = 1 always runs.
    """
    if shards <= 1:
        return []
    problems = []
    regions = region_count(sc)
    if regions is None:
        problems.append(
            f"--partitioned: a partitioned shard is one or more whole regions, and {sc.name!r} has no "
            "population.regions (chunks of persons share friendships)"
        )
    if regions is not None and float(sc.population.cross_region_share) > 0:
        problems.append(
            f"--partitioned: population.cross_region_share = {sc.population.cross_region_share}: friendships cross "
            "regions, and perception, society and exclusion would read friends held by other shards (not exchanged "
            "yet); set population.cross_region_share=0"
        )
    for key, why in (
        ("epidemic", "the epidemic couples everyone (first infections ranked over all persons, travel, tracing)"),
        ("letters", "the letters rank all adults' incomes and average norms over every locality"),
    ):
        if getattr(getattr(sc, key, None), "enabled", False):
            problems.append(f"--partitioned: {key}.enabled: {why}; not all-reduced yet")
    text = json.dumps({k: v for k, v in sc.model_dump(mode="json").items() if k != "indicators"})
    ranked = [a for a in _RANK_ATTRIBUTES if a in text]
    if ranked:
        problems.append(
            f"--partitioned: the scenario reads {', '.join(ranked)}: percentile ranks over every scored subject "
            "(not all-reduced yet)"
        )
    wrong = [s.name for s in sc.sources if float(s.entry_error_share) > 0]
    if wrong:
        problems.append(
            f"--partitioned: sources {', '.join(wrong)} have entry_error_share > 0: a record filed against a random "
            "subject of the whole population may belong to another shard (not exchanged yet)"
        )
    return problems


def shard_blocks(sc: Scenario, shards: int) -> list[list[int]]:
    """The population blocks of each shard: contiguous runs of regions of about n / K persons
    (the split of :func:`.shards.assign_shards` and ``--plan``); everything for one shard."""
    from ..population.synth import plan_blocks

    plan = plan_blocks(sc.population)
    if shards == 1:
        return [list(range(plan.k))]
    owner = region_shards(plan.sizes, shards)
    return [np.flatnonzero(owner == k).tolist() for k in range(shards)]


@dataclass
class PartitionedPart:
    """What one partitioned shard hands back: its results with global subject ids."""

    shard: int
    shards: int
    gid: np.ndarray  # global subject index of each of the shard's subjects
    n_local: int  # the shard's persons
    results: Results
    reduce: dict[str, str] = field(default_factory=dict)  # result name -> ResultSpec.reduce


def run_partitioned_shard(payload: tuple[dict[str, Any], int, int, list[int]]) -> PartitionedPart:
    """Run shard ``k`` (its ``blocks``) of a scenario on its own (a worker's task)."""
    from ..engine.sim import Sim
    from ..scenario.schema import Scenario

    data, shards, k, blocks = payload
    if os.environ.get(KILL_ENV, "") == str(k):
        os._exit(3)
    sim = Sim(Scenario.model_validate(data), blocks=blocks)
    res = sim.run(summarize=False)  # the merge summarises the whole run once
    gid = sim.state.gid
    assert gid is not None
    return PartitionedPart(shard=k, shards=shards, gid=gid, n_local=sim.state.n, results=res, reduce=reduce_rules(sim))


def reduce_rules(sim: Sim) -> dict[str, str]:
    """How each declared result of ``sim``'s modules combines over shards (``ResultSpec.reduce``)."""
    from ..engine.recorder import declared_results

    return {spec.name: spec.reduce for _, spec in declared_results(sim)}


# ------------------------------------------------------------------------- canonical order
def canonical_order(day: np.ndarray, subject: np.ndarray, row: np.ndarray) -> np.ndarray:
    """The permutation putting rows in canonical order: by day, then global subject, then the
    subject's own order (``row``: the row's place in the process that wrote it)."""
    return np.lexsort((np.asarray(row), np.asarray(subject, np.int64), np.asarray(day)))


def _renumber(tables: list[dict[str, dict[str, np.ndarray]]]) -> dict[str, dict[str, np.ndarray]]:
    """Concatenate each table over the pieces (subject columns already global) in canonical
    order and renumber the row references; ``tables[p][name]`` is piece p's table."""
    orders: dict[str, np.ndarray] = {}
    new_id: dict[str, list[np.ndarray]] = {}
    for name, (who, when) in _TABLES.items():
        sizes = [int(t[name][who].shape[0]) for t in tables]
        row = np.concatenate([np.arange(s, dtype=np.int64) for s in sizes])
        day = np.concatenate([t[name][when] for t in tables])
        subj = np.concatenate([t[name][who] for t in tables])
        order = orders[name] = canonical_order(day, subj, row)
        inv = np.empty(order.size, np.int64)
        inv[order] = np.arange(order.size)
        starts = np.concatenate([[0], np.cumsum(sizes)])
        new_id[name] = [inv[starts[p] : starts[p + 1]] for p in range(len(tables))]
    out: dict[str, dict[str, np.ndarray]] = {}
    for name in (*_TABLES, "decisive"):
        pieces = [dict(t[name]) for t in tables]
        for p, tab in enumerate(pieces):
            for col, cited in _REFS.get(name, {}).items():
                if col not in tab:
                    continue
                v = np.asarray(tab[col], np.int64)
                ids = new_id[cited][p]
                mapped = np.where(v >= 0, ids[np.clip(v, 0, max(ids.size - 1, 0))] if ids.size else -1, -1)
                tab[col] = mapped.astype(tab[col].dtype)
        cat = {c: np.concatenate([t[c] for t in pieces]) for c in pieces[0]}
        if name == "decisive":
            order = np.lexsort((cat["record"], cat["spell"])) if cat else np.zeros(0, np.int64)
        else:
            order = orders[name]
        out[name] = {c: v[order] for c, v in cat.items()}
    return out


def _global_tables(res: Results, gid: np.ndarray | None) -> dict[str, dict[str, np.ndarray]]:
    """A run's tables with every subject column made global (``gid``; None: already global)."""
    tabs: dict[str, dict[str, np.ndarray]] = {
        "records": dict(res.records),
        "list_spells": dict(res.list_spells),
        "sanctions": dict(res.sanctions),
        "decisive": dict(res.decisive),
    }
    if gid is not None:
        for name, cols in _SUBJECT_COLS.items():
            for c in cols:
                if c in tabs[name]:
                    v = np.asarray(tabs[name][c], np.int64)
                    tabs[name][c] = np.where(v >= 0, gid[np.maximum(v, 0)] if v.size else v, -1).astype(
                        tabs[name][c].dtype
                    )
    return tabs


def canonical(res: Results) -> Results:
    """An unsharded run's results with its rows in the canonical order (references renumbered),
    to compare with a partitioned run's merge: everything else is left as it is."""
    from dataclasses import replace

    tabs = _renumber([_global_tables(res, None)])
    return replace(
        res,
        records=tabs["records"],
        list_spells=tabs["list_spells"],
        sanctions=tabs["sanctions"],
        decisive=tabs["decisive"],
    )


# ----------------------------------------------------------------------------------- merge
def _combine(values: list[Any], weights: list[float], rule: str) -> Any:
    """One value from the shards' values of a series or figure by its reduce rule."""
    known = [v for v in values if v is not None]
    if not known:
        return None
    if isinstance(known[0], dict):
        keys = sorted({k for v in known for k in v}, key=str)
        return {k: _combine([(v or {}).get(k) for v in values], weights, rule) for k in keys}
    if rule == "sum":  # a shard without the value (None) adds nothing
        total = np.asarray(known[0]).copy()
        for a in known[1:]:
            total = total + np.asarray(a)
        return total if isinstance(known[0], np.ndarray) else total.item()
    # a mean: weighted by the shards' persons (or subjects); shards without it (None, NaN) left out
    stack = np.stack([np.asarray(np.nan if v is None else v, np.float64) for v in values])
    w = np.asarray(weights, np.float64).reshape((-1,) + (1,) * (stack.ndim - 1)) * ~np.isnan(stack)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.nansum(stack * w, axis=0) / w.sum(axis=0)
    if isinstance(known[0], np.ndarray):
        return mean.astype(known[0].dtype)
    return float(mean)


def merge_partitioned(parts: list[PartitionedPart]) -> Results:
    """One :class:`Results` from the partitioned shards (summary and indicators recomputed)."""
    from dataclasses import replace

    from ..engine.sim import summarize_results

    parts = sorted(parts, key=lambda p: p.shard)
    shards = parts[0].shards
    if [p.shard for p in parts] != list(range(shards)):
        raise ShardError(f"expected the parts of shards 0..{shards - 1}, got {[p.shard for p in parts]}")
    first = parts[0].results
    scenario = first.scenario
    n = sum(p.n_local for p in parts)
    S = sum(int(p.gid.shape[0]) for p in parts)
    seen = np.zeros(S, np.int32)
    for p in parts:
        np.add.at(seen, p.gid, 1)
    if not np.all(seen == 1):
        raise ShardError(f"{int((seen == 0).sum())} subjects in no shard, {int((seen > 1).sum())} in two or more")
    subjects: dict[str, np.ndarray] = {}
    for c, v in first.subjects.items():
        out = np.empty((S, *v.shape[1:]), np.asarray(v[:0]).dtype)
        for p in parts:
            out[p.gid] = np.asarray(p.results.subjects[c])  # (ids are an IdColumn: converted)
        subjects[c] = out
    tabs = _renumber([_global_tables(p.results, p.gid) for p in parts])
    rules = parts[0].reduce
    persons = [float(p.n_local) for p in parts]
    subj_w = [float(p.gid.shape[0]) for p in parts]
    approximate = sorted(k for k, r in rules.items() if r == "mean_approx")

    def weights(rule: str) -> list[float]:
        return subj_w if rule == "mean_subjects" else persons

    series = {
        k: _combine([p.results.series[k] for p in parts], weights(rules.get(k, "sum")), rules.get(k, "sum"))
        for k in first.series
    }
    figures: dict[str, Any] = {}
    for k in first.figures:
        vals = [p.results.figures.get(k) for p in parts]
        if k == "wall_s":
            figures[k] = max(float(v) for v in vals if v is not None)
        else:
            figures[k] = _combine(vals, weights(rules.get(k, "sum")), rules.get(k, "sum"))
    figures["partition_approximate"] = approximate
    res = replace(
        first,
        scenario=scenario,
        n_persons=n,
        n_orgs=S - n,
        series=series,
        records=tabs["records"],
        list_spells=tabs["list_spells"],
        sanctions=tabs["sanctions"],
        decisive=tabs["decisive"],
        subjects=subjects,
        figures=figures,
    )
    return summarize_results(res)


def run_partitioned(
    sc: Scenario, shards: int, *, executor: str = "local", workers: int | None = None, address: str | None = None
) -> Results:
    """Run ``sc`` partitioned into ``shards`` shards and merge them (refused: ValueError)."""
    from .shards import run_on_workers, shard_problems

    problems = shard_problems(sc, shards) or partition_problems(sc, shards)
    if problems:
        raise ValueError("; ".join(problems))
    data = sc.model_dump(mode="json")
    blocks = shard_blocks(sc, shards)
    payloads = [(data, shards, k, blocks[k]) for k in range(shards)]
    parts: list[PartitionedPart] = run_on_workers(
        run_partitioned_shard, payloads, sc.sim.seed, executor=executor, workers=workers, address=address
    )
    return merge_partitioned(parts)
