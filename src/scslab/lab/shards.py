"""Sharded runs: one scenario split by region into K shards, run by K workers, merged exactly.

``scslab run SCENARIO --shards K [--executor local|ray] [--ray-address ADDR]`` splits the
subjects into K shards by region (the province table of the population when it has one;
otherwise K contiguous ranges of persons), runs each shard in its own worker (a spawned
process, or a Ray actor), and merges the shards' parts into one :class:`Results`, which the
CLI writes as one DuckDB database and one report, exactly as an unsharded run writes its own.

**This version replicates the simulation** (``docs/scaling.md``): every shard worker
synthesises the whole population and runs the whole day loop, then keeps only its shard's
part of the results: its subjects' rows, the records and list spells of its subjects, the
sanctions that reached its subjects. The coordinator scatters the parts back into place by
their global row ids and checks that every row came from exactly one shard, and that the
run-wide series and figures (the aggregates a partitioned engine will all-reduce) agree
across the shards. Because every draw is keyed by (stream, day, subject), the merged run *is*
the unsharded run: every integer and every float identical, whatever K, the executor and
the number of workers. It buys no speed or memory yet: a shard costs what the whole run
costs. What a partitioned engine must exchange between shards instead is listed in
``docs/design.md`` (*Sharded runs and exactness*).

A shard that fails (its worker raises, or the process dies) fails the run with
:class:`ShardError` naming the shard; nothing is merged or written.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..scenario.apportion import region_shards

if TYPE_CHECKING:
    from ..engine.results import Results
    from ..engine.sim import Sim
    from ..scenario.schema import Scenario

__all__ = [
    "KILL_ENV",
    "ShardError",
    "ShardPart",
    "assign_shards",
    "check_ray_address",
    "merge_parts",
    "region_count",
    "run_on_workers",
    "run_shard",
    "run_sharded",
    "shard_problems",
]

#: fault injection for tests: the worker of the shard with this index exits at once (no result)
KILL_ENV = "SCSLAB_SHARD_KILL"

#: run-dependent figures (wall time, memory) that differ between shard workers by nature
_RUN_FIGURES = ("wall_s", "peak_rss_mb")


class ShardError(RuntimeError):
    """A shard failed (its worker raised or died) or the shards' parts do not fit together."""


# -------------------------------------------------------------------------------- planning
def region_count(sc: Scenario) -> int | None:
    """How many regions the scenario's population has (its ``population.regions`` table), or
    None when it has none (then shards are ranges of persons)."""
    regions = getattr(sc.population, "regions", None)
    return len(regions) if regions else None


def shard_problems(sc: Scenario, shards: int) -> list[str]:
    """Why ``--shards shards`` cannot run ``sc`` (empty when it can): every problem at once."""
    problems = []
    if shards < 1:
        problems.append(f"--shards must be at least 1, got {shards}")
    regions = region_count(sc)
    if regions is not None and shards > regions:
        problems.append(
            f"--shards {shards}: the population of {sc.name!r} has {regions} regions (population.regions); "
            f"a shard is one or more whole regions, so at most {regions} shards"
        )
    elif regions is None and shards > sc.population.n:
        problems.append(f"--shards {shards}: more shards than the {sc.population.n} persons simulated")
    return problems


def check_ray_address(address: str, timeout_s: float = 3.0) -> str | None:
    """None when something answers on the Ray address ``host:port`` (``ray://host:port`` too),
    else the reason it cannot be reached. ``auto`` is left to Ray (it finds a local cluster)."""
    addr = address.strip()
    if addr == "auto" or addr == "local":
        return None
    if "://" in addr:
        addr = addr.split("://", 1)[1]
    host, sep, port_text = addr.rpartition(":")
    if not sep or not host:
        return f"--ray-address {address!r}: expected host:port (e.g. 127.0.0.1:6379) or 'auto'"
    try:
        port = int(port_text)
    except ValueError:
        return f"--ray-address {address!r}: the port {port_text!r} is not a number"
    if not 0 < port < 65536:
        return f"--ray-address {address!r}: the port {port} is out of range"
    try:
        with socket.create_connection((host.strip("[]"), port), timeout=timeout_s):
            return None
    except OSError as e:
        return f"--ray-address {address}: no Ray cluster answers there ({e.strerror or e})"


def assign_shards(sim: Sim, shards: int) -> np.ndarray:
    """The shard of every subject (int16, shape ``(S,)``): persons by region, organisations
    with their legal representative (a firm and its representative share a shard), those
    without one by their own region or index range.

    Regions (``state.region``, when the population has a region table; persons are in
    region order) go to shards in contiguous runs of roughly equal population, a region never
    split; without regions the persons are split into ``shards`` contiguous ranges of equal size.
    """
    st = sim.state
    n, S = st.n, st.S
    out = np.zeros(S, np.int16)
    out[:n] = (np.arange(n, dtype=np.int64) * shards // max(n, 1)).astype(np.int16)
    if n < S:
        out[n:] = (np.arange(S - n, dtype=np.int64) * shards // (S - n)).astype(np.int16)
    region = getattr(st, "region", None)  # index into population.regions, -1 without regions
    if region is not None and shards > 1 and region.size and int(region.min()) >= 0:
        region = np.asarray(region, np.int64)
        counts = np.bincount(region[:n], minlength=int(region.max()) + 1)
        # contiguous runs of regions with about n / shards persons each (a region is never split),
        # the split --plan sizes (scenario.budget.shard_persons)
        out[: region.shape[0]] = region_shards(counts, shards)[region]
    rep = np.asarray(st.legal_rep)
    has = rep >= 0
    out[n:][has] = out[rep[has]]
    return out


# ------------------------------------------------------------------------------ one shard
@dataclass
class ShardPart:
    """What one shard hands back: its rows of every per-subject table, with their global row
    ids, and the run-wide series and figures (to be checked against the other shards')."""

    shard: int
    shards: int
    subjects_of: np.ndarray  # global subject indices of this shard
    subjects: dict[str, np.ndarray]
    rows: dict[str, np.ndarray]  # table -> global row ids of this shard's rows
    tables: dict[str, dict[str, np.ndarray]]  # table -> columns of this shard's rows
    lengths: dict[str, int]  # table -> rows in the whole run
    series: dict[str, np.ndarray]
    figures: dict[str, Any]
    head: dict[str, Any] = field(default_factory=dict)  # scenario, seed, days, n, m, scale, names, declared


#: per-subject tables and the column that names the subject a row belongs to
_OWNER = {"records": "subject", "list_spells": "subject", "sanctions": "target"}


def run_shard(payload: tuple[dict[str, Any], int, int]) -> ShardPart:
    """Run shard ``k`` of ``shards`` of a scenario (a worker's task; picklable in and out)."""
    from ..engine.sim import Sim
    from ..scenario.schema import Scenario

    data, shards, k = payload
    if os.environ.get(KILL_ENV, "") == str(k):
        os._exit(3)  # a worker that dies without a word (tests: the run must fail cleanly)
    sim = Sim(Scenario.model_validate(data))
    sim.init()
    owner = assign_shards(sim, shards)
    res = sim.run()
    mine = owner == k
    part_rows: dict[str, np.ndarray] = {}
    part_tables: dict[str, dict[str, np.ndarray]] = {}
    lengths: dict[str, int] = {}
    for name, col in _OWNER.items():
        table = getattr(res, name)
        lengths[name] = int(table[col].shape[0])
        keep = np.flatnonzero(mine[table[col]])
        part_rows[name] = keep
        part_tables[name] = {c: v[keep] for c, v in table.items()}
    # the decisive false records of a wrongful spell travel with the spell
    spell_mine = np.zeros(lengths["list_spells"], np.bool_)
    spell_mine[part_rows["list_spells"]] = True
    dec = res.decisive
    keep = np.flatnonzero(spell_mine[dec["spell"]]) if dec["spell"].size else np.zeros(0, np.int64)
    lengths["decisive"] = int(dec["spell"].shape[0])
    part_rows["decisive"] = keep
    part_tables["decisive"] = {c: v[keep] for c, v in dec.items()}
    idx = np.flatnonzero(mine)
    return ShardPart(
        shard=k,
        shards=shards,
        subjects_of=idx,
        subjects={c: v[idx] for c, v in res.subjects.items()},
        rows=part_rows,
        tables=part_tables,
        lengths=lengths,
        series=res.series,
        figures=res.figures,
        head={
            "scenario": res.scenario,
            "seed": res.seed,
            "days": res.days,
            "n_persons": res.n_persons,
            "n_orgs": res.n_orgs,
            "scale": res.scale,
            "names": res.names,
            "declared": res.declared,
        },
    )


# ---------------------------------------------------------------------------------- merge
def merge_parts(parts: list[ShardPart]) -> Results:
    """One :class:`Results` from the shards' parts (its summary and indicators recomputed from
    the merged results, as ``scslab report`` does from a database).

    Raises :class:`ShardError` when the parts do not fit: a subject or row claimed by no shard
    or by two, or run-wide series and figures that differ between shards.
    """
    from ..engine.results import Results
    from ..engine.sim import summarize_results

    parts = sorted(parts, key=lambda p: p.shard)
    shards = parts[0].shards
    if [p.shard for p in parts] != list(range(shards)):
        raise ShardError(f"expected the parts of shards 0..{shards - 1}, got {[p.shard for p in parts]}")
    head = parts[0].head
    S = int(head["n_persons"]) + int(head["n_orgs"])
    subjects = {
        c: _scatter(S, [(p.subjects_of, p.subjects[c]) for p in parts], f"subjects.{c}") for c in parts[0].subjects
    }
    tables: dict[str, dict[str, np.ndarray]] = {}
    for name in (*_OWNER, "decisive"):
        total = parts[0].lengths[name]
        if any(p.lengths[name] != total for p in parts):
            raise ShardError(f"the shards disagree on the length of {name}: {[p.lengths[name] for p in parts]}")
        cols = parts[0].tables[name]
        tables[name] = {
            c: _scatter(total, [(p.rows[name], p.tables[name][c]) for p in parts], f"{name}.{c}") for c in cols
        }
    first = parts[0]
    for p in parts[1:]:
        bad = [k for k in first.series if not _same(first.series[k], p.series.get(k))]
        bad += [k for k in first.figures if k not in _RUN_FIGURES and not _same(first.figures[k], p.figures.get(k))]
        if bad or set(p.series) != set(first.series):
            raise ShardError(f"shard {p.shard} disagrees with shard 0 on run-wide results: {', '.join(bad[:8])}")
    figures = dict(first.figures)
    # the run took as long as its slowest shard; its memory is the sum over the shards' workers
    figures["wall_s"] = max(float(p.figures["wall_s"]) for p in parts)
    figures["peak_rss_mb"] = sum(float(p.figures["peak_rss_mb"]) for p in parts)
    res = Results(
        scenario=head["scenario"],
        seed=head["seed"],
        days=head["days"],
        n_persons=head["n_persons"],
        n_orgs=head["n_orgs"],
        scale=head["scale"],
        series=first.series,
        records=tables["records"],
        list_spells=tables["list_spells"],
        sanctions=tables["sanctions"],
        subjects=subjects,
        names=head["names"],
        figures=figures,
        declared=head["declared"],
        decisive=tables["decisive"],
    )
    return summarize_results(res)


def _scatter(size: int, pieces: list[tuple[np.ndarray, np.ndarray]], what: str) -> np.ndarray:
    """Place each piece's values at its row ids; every row must come from exactly one piece."""
    values = [v for _, v in pieces]
    dtype = values[0].dtype if values else np.float64
    out = np.empty((size, *values[0].shape[1:]) if values else (size,), dtype)
    seen = np.zeros(size, np.int32)
    for idx, v in pieces:
        out[idx] = v
        np.add.at(seen, idx, 1)
    if size and not np.all(seen == 1):
        raise ShardError(
            f"{what}: {int((seen == 0).sum())} rows from no shard, {int((seen > 1).sum())} from two or more"
        )
    return out


def _same(a: Any, b: Any) -> bool:
    """Bit-identical (NaN equal to NaN) for arrays and for the JSON-like figures."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)) or a.shape != b.shape:
            return False
        return bool(np.array_equal(a, b, equal_nan=a.dtype.kind == "f"))
    if isinstance(a, float) and isinstance(b, float) and a != a and b != b:
        return True
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


# -------------------------------------------------------------------------------- the run
def run_sharded(
    sc: Scenario,
    shards: int,
    *,
    executor: str = "local",
    workers: int | None = None,
    address: str | None = None,
) -> Results:
    """Run ``sc`` as ``shards`` shards on ``workers`` workers (default: one per shard) of the
    ``executor`` (``local``: spawned processes, ``ray``: Ray actors) and merge them."""
    problems = shard_problems(sc, shards)
    if problems:
        raise ValueError("; ".join(problems))
    data = sc.model_dump(mode="json")
    payloads = [(data, shards, k) for k in range(shards)]
    parts = run_on_workers(run_shard, payloads, sc.sim.seed, executor=executor, workers=workers, address=address)
    return merge_parts(parts)


def run_on_workers(
    fn: Any,
    payloads: list[Any],
    seed: int,
    *,
    executor: str = "local",
    workers: int | None = None,
    address: str | None = None,
) -> list[Any]:
    """``fn(payloads[k])`` for every shard k on ``workers`` workers of the ``executor``, in shard order.

    Shared by the replicated and the partitioned runs: a shard that raises or dies raises
    ``ShardError`` naming it, before anything is merged, and the workers are closed either way."""
    from .executor import Failure, LocalExecutor, RayExecutor, Task

    shards = len(payloads)
    workers = min(max(1, workers or shards), shards)
    tasks = [Task(key=(k,), payload=payload, seed=seed) for k, payload in enumerate(payloads)]
    ex: Any = RayExecutor(workers, address=address) if executor == "ray" else LocalExecutor(workers)
    parts: list[Any] = []
    try:
        for task, value in ex.map(fn, tasks):
            if isinstance(value, Failure):
                raise ShardError(f"shard {task.key[0]} of {shards} failed: {value.error}")
            parts.append(value)
    finally:
        ex.close()
    return parts
