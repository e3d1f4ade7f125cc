"""What a run will cost, estimated from the scenario alone before any work (issue 10.2).

A scenario file is a few lines of text that can ask for fifty million agents, a century of days
or a hundred million records. :func:`estimate` turns a validated :class:`Scenario` into the
memory, records and time a run will need, with the fields that drive each figure, so that the
command line (and the web server) can refuse a run that would not fit *before* it starts,
instead of the operating system killing it half-way.

The per-agent figures are the engine's measured ones (docs/performance.md, "Memory": about
225 bytes of state per subject plus 13 per subject and behaviour, 46 bytes of household and
workplace ties per person plus 4 per friendship edge end, and about 240 bytes per person at
the peak of set-up, since synthesis draws the population block by block); expected records
multiply each behaviour's opportunities by a first-order chance of acting (the logistic of
its base log-odds plus its gain or reward) and by what the sources detect. The estimate is
meant to be within a small factor, not exact: the run itself is guarded by a record budget
(:func:`records_budget`) that stops it cleanly if records grow past what memory can hold.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .apportion import apportion, region_shards
from .schema import Scenario

__all__ = [
    "BASE_BYTES",
    "BYTES_PER_RECORD",
    "Estimate",
    "Plan",
    "available_memory",
    "estimate",
    "format_bytes",
    "parse_bytes",
    "plan",
    "records_budget",
    "shard_persons",
    "total_memory",
]

BASE_BYTES = 480 * 2**20  # the interpreter, NumPy, Numba, DuckDB, pandas, SciPy and compiled kernels
# Measured on rongcheng, 1 M persons x 1 year (docs/performance.md, "Memory"): peak RSS of
# `scslab run` 926 MiB at 1 M and 514 MiB at 100 k, i.e. 466 bytes per extra person in all.
# Block-wise synthesis (2026-12-03, main at 15b6197): the peak after synthesis rose 227-234
# bytes per extra person from 1 M to 3 M to 10 M (docs/performance.md, "Where the peak is now")
SETUP_BYTES_PER_PERSON = 240  # peak while the population and networks are drawn (was 470 before block-wise synthesis)
# 2026-12-03 (main at e497042): 410 bytes per extra person in all, after one friend network,
# scalar false-match rates and float32 economy arrays (was 466): 270 -> 225 per subject
STATE_BYTES_PER_SUBJECT = 225  # engine state and module tables per subject, transients included
BYTES_PER_SUBJECT_BEHAVIOUR = 13  # perceived detection, record counts, calendars, obligations
NETWORK_BYTES_PER_PERSON = 46  # households and workplaces (int32 rows), the friends' row offsets ...
NETWORK_BYTES_PER_FRIEND = 4  # ... plus one int32 per directed friendship edge (mean degree per person)
BYTES_PER_RECORD = 100  # 39 in the ledger's columns, doubling headroom and the copy written out
AGENT_DAYS_PER_S = 2e6  # a loaded two-core machine (docs/performance.md measures 7-22 M quiet)
# What one core does for a plan (--plan): subject-days of the whole command (synthesis, day
# loop, writing) per second of process CPU time, rongcheng 1 M x 1 year (docs/scaling.md)
AGENT_DAYS_PER_CORE_S = 12e6
MEASURED = "2026-12-03, main at e497042 (bytes per person); 2026-12-02 19:37 UTC profile (agent-days per core)"
MAX_SUBJECTS = 2**31 - 1  # subject indices are int32: one process holds at most this many subjects
MACHINE_RESERVE = 0.1  # share of a machine's memory a plan leaves to the OS and the page cache (assumed)


@dataclass(frozen=True)
class Estimate:
    """Memory (bytes), records and seconds a run is expected to need, and what drives them."""

    persons: int
    subjects: int
    days: int
    records: float
    memory_bytes: float
    seconds: float
    drivers: dict[str, str] = field(default_factory=dict)

    @property
    def agent_days(self) -> float:
        return float(self.subjects) * self.days

    def as_dict(self) -> dict[str, float | int | dict[str, str]]:
        return {
            "persons": self.persons,
            "subjects": self.subjects,
            "days": self.days,
            "records": round(self.records),
            "memory_bytes": round(self.memory_bytes),
            "seconds": round(self.seconds, 1),
            "drivers": dict(self.drivers),
        }


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, x))))


def estimate(sc: Scenario, n: int | None = None) -> Estimate:
    """The expected cost of running ``sc`` as configured (its ``population.n`` and ``sim.days``).

    With ``n``, the cost of ``n`` of its persons (one shard of a sharded run: organisations
    and government bodies pro rata).
    """
    pop = sc.population
    n = int(pop.n) if n is None else int(n)
    government = int(pop.government_bodies * n / pop.n) if n != pop.n else int(pop.government_bodies)
    orgs = int(n * (pop.enterprises_per_1000 + pop.social_orgs_per_1000) / 1000) + government
    subjects = n + orgs
    days = int(sc.sim.days)
    years = days / 365.0
    count = {
        "person": n * pop.adult_share,
        "enterprise": n * pop.enterprises_per_1000 / 1000,
        "social_org": n * pop.social_orgs_per_1000 / 1000,
        "government": float(government),
    }
    detect: dict[str, float] = {}
    false_per_year = 0.0
    for s in sc.sources:
        coverage = pop.urban_share * s.coverage_urban + (1 - pop.urban_share) * s.coverage_rural
        for b, p in s.detects.items():
            detect[b] = detect.get(b, 0.0) + p * coverage * sc.policy.detection_scale
        false_per_year += s.false_match_per_year * n
    records = false_per_year * years
    per_behaviour: list[tuple[float, str]] = []
    for beh in sc.behaviours:
        lift = beh.reward_value if beh.kind == "good_deed" else beh.gain
        acts = count[beh.subject] * beh.opportunities_per_year * years * _sigmoid(beh.base_logit + lift)
        r = acts * min(detect.get(beh.name, 0.0), float(len(sc.sources)))
        records += r
        per_behaviour.append((r, beh.name))
    state = subjects * (STATE_BYTES_PER_SUBJECT + BYTES_PER_SUBJECT_BEHAVIOUR * len(sc.behaviours))
    networks = n * (NETWORK_BYTES_PER_PERSON + NETWORK_BYTES_PER_FRIEND * pop.friends_mean_degree)
    memory = BASE_BYTES + max(state + networks, n * SETUP_BYTES_PER_PERSON) + records * BYTES_PER_RECORD
    seconds = subjects * days / AGENT_DAYS_PER_S
    top = ", ".join(f"behaviours[{name}] ~{r:,.0f}" for r, name in sorted(per_behaviour, reverse=True)[:3] if r >= 1)
    drivers = {
        "population.n": f"{n:,} persons ({subjects:,} subjects with organisations)",
        "sim.days": f"{days:,} days",
        "records": f"~{records:,.0f} expected records" + (f" (most from {top})" if top else ""),
        "behaviours": f"{len(sc.behaviours)} behaviours (state per subject and behaviour)",
    }
    return Estimate(n, subjects, days, records, float(memory), seconds, drivers)


def available_memory() -> float:
    """Bytes this process may still use: the smaller of MemAvailable and a cgroup's limit."""
    avail = math.inf
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                avail = float(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    for limit_file, usage_file in (
        ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
        ("/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes"),
    ):
        try:
            text = Path(limit_file).read_text().strip()
            if text != "max" and float(text) < 2**60:
                avail = min(avail, float(text) - float(Path(usage_file).read_text().strip()))
        except (OSError, ValueError):
            continue
    if not math.isfinite(avail):
        try:
            avail = float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_AVPHYS_PAGES"))
        except (OSError, ValueError, AttributeError):
            avail = 8 * 2**30
    return max(avail, 0.0)


def records_budget(memory_limit: float, est: Estimate) -> int:
    """How many records fit in ``memory_limit`` besides the rest of the run's memory."""
    rest = est.memory_bytes - est.records * BYTES_PER_RECORD
    return max(int((memory_limit - rest) / BYTES_PER_RECORD), 0)


_UNITS = {
    "": 1,
    "b": 1,
    "k": 2**10,
    "kb": 2**10,
    "m": 2**20,
    "mb": 2**20,
    "g": 2**30,
    "gb": 2**30,
    "t": 2**40,
    "tb": 2**40,
}


def parse_bytes(text: str) -> float:
    """``"8G"``, ``"512m"``, ``"1.5GB"``, ``"1000000"`` -> bytes (binary units); ValueError otherwise."""
    t = str(text).strip().lower().removesuffix("ib").removesuffix("i")
    num = t.rstrip("kmgtb")
    unit = t[len(num) :]
    try:
        v = float(num) if unit in _UNITS and num else math.nan
    except ValueError:
        v = math.nan
    if math.isnan(v):
        raise ValueError(f"expected a size such as 8G or 512M, got {text!r}")
    if not math.isfinite(v) or v <= 0:
        raise ValueError(f"expected a positive size, got {text!r}")
    return v * _UNITS[unit]


def format_bytes(n: float) -> str:
    for unit, size in (("TB", 2**40), ("GB", 2**30), ("MB", 2**20)):
        if n >= size:
            return f"{n / size:,.1f} {unit}"
    return f"{n / 2**10:,.0f} KB"


# ---------------------------------------------------------------- sharded runs (issue 12.5)


def shard_persons(n: int, shards: int, region_weights: list[float] | None = None) -> list[int]:
    """Persons in each of ``shards`` shards of ``n`` persons, split as ``scslab run --shards`` splits.

    Without regions: as equal as whole persons allow. With regions (``population.regions``'
    weights, in their order): persons are apportioned to regions by weight (largest
    remainder, as the population does), and regions go to shards in contiguous runs of about
    ``n / shards`` persons, a region never split (``scslab.lab.shards.assign_shards``); so a
    shard of a large province is larger than the mean.
    """
    n, shards = int(n), int(shards)
    if not region_weights or shards <= 1:
        base, extra = divmod(n, shards)
        return [base + (1 if i < extra else 0) for i in range(shards)]
    counts = apportion(n, np.asarray(region_weights, dtype=np.float64))
    per_shard = np.bincount(region_shards(counts, shards), weights=counts, minlength=shards)
    return [int(x) for x in per_shard]


@dataclass(frozen=True)
class Plan:
    """What a sharded run needs: each shard's estimate, and the machines to run them on."""

    shards: list[Estimate]
    machine_memory: float  # bytes of one machine
    machine_cores: int
    per_machine: int  # shards one machine runs at once (memory and cores allowing)
    machines: int  # machines needed to run every shard at once
    machines_given: int | None  # --machines: run in waves on these
    problems: list[str]

    @property
    def largest(self) -> Estimate:
        return max(self.shards, key=lambda e: e.memory_bytes)

    @property
    def waves(self) -> int:
        if self.per_machine <= 0:
            return 0
        used = self.machines if self.machines_given is None else min(self.machines_given, self.machines)
        return math.ceil(len(self.shards) / (used * self.per_machine))

    @property
    def shard_seconds(self) -> float:
        """Seconds of the slowest shard on one core."""
        return max(e.subjects * e.days / AGENT_DAYS_PER_CORE_S for e in self.shards)

    @property
    def wall_seconds(self) -> float:
        return self.waves * self.shard_seconds

    @property
    def core_seconds(self) -> float:
        return sum(e.subjects * e.days / AGENT_DAYS_PER_CORE_S for e in self.shards)

    def as_dict(self) -> dict[str, object]:
        return {
            "shards": [
                {
                    "shard": i,
                    "persons": e.persons,
                    "subjects": e.subjects,
                    "records": round(e.records),
                    "memory_bytes": round(e.memory_bytes),
                    "seconds_one_core": round(e.subjects * e.days / AGENT_DAYS_PER_CORE_S, 1),
                }
                for i, e in enumerate(self.shards)
            ],
            "persons": sum(e.persons for e in self.shards),
            "subjects": sum(e.subjects for e in self.shards),
            "days": self.shards[0].days,
            "machine_memory_bytes": round(self.machine_memory),
            "machine_cores": self.machine_cores,
            "shards_per_machine": self.per_machine,
            "machines_needed": self.machines,
            "machines_given": self.machines_given,
            "waves": self.waves,
            "wall_seconds": round(self.wall_seconds, 1),
            "core_hours": round(self.core_seconds / 3600, 2),
            "fits": not self.problems,
            "problems": list(self.problems),
            "constants": {
                "base_bytes": BASE_BYTES,
                "state_bytes_per_subject": STATE_BYTES_PER_SUBJECT,
                "bytes_per_subject_behaviour": BYTES_PER_SUBJECT_BEHAVIOUR,
                "network_bytes_per_person": NETWORK_BYTES_PER_PERSON,
                "network_bytes_per_friend": NETWORK_BYTES_PER_FRIEND,
                "setup_bytes_per_person": SETUP_BYTES_PER_PERSON,
                "bytes_per_record": BYTES_PER_RECORD,
                "agent_days_per_core_s": AGENT_DAYS_PER_CORE_S,
                "machine_reserve": MACHINE_RESERVE,
                "measured": MEASURED,
            },
        }


def plan(sc: Scenario, shards: int, machine_memory: float, machine_cores: int, machines: int | None = None) -> Plan:
    """Memory and time of each of ``shards`` shards of ``sc`` and the machines they need.

    One shard is one worker process on one core (its kernels' threads aside); a machine runs
    as many shards at once as its cores and ``(1 - MACHINE_RESERVE)`` of its memory allow.
    Nothing is simulated. ``problems`` says why the plan cannot run on such machines.
    """
    n = int(sc.population.n)
    problems: list[str] = []
    if shards > n:
        problems.append(f"{shards:,} shards for {n:,} persons: a shard needs at least one person")
        shards = n
    weights = [r.weight for r in sc.population.regions] or None
    ests = [estimate(sc, k) for k in shard_persons(n, shards, weights)]
    big = max(ests, key=lambda e: e.memory_bytes)
    usable = machine_memory * (1 - MACHINE_RESERVE)
    per_machine = min(int(machine_cores), int(usable // big.memory_bytes))
    if big.subjects > MAX_SUBJECTS:
        problems.append(
            f"a shard holds {big.subjects:,} subjects, more than the {MAX_SUBJECTS:,} one process can index "
            f"(int32); use more shards (--shards)"
        )
    if per_machine < 1:
        fewest = _fewest_shards(sc, usable)
        if fewest:
            hint = f"use at least {fewest:,} shards (--shards) or larger machines (--machine-memory)"
        elif sc.population.regions:
            hint = "no split into whole regions fits (a region is never split): use larger machines (--machine-memory)"
        else:
            hint = "use more shards (--shards) or larger machines (--machine-memory)"
        problems.append(
            f"a shard of {big.persons:,} persons needs an estimated {format_bytes(big.memory_bytes)} and a machine "
            f"of {format_bytes(machine_memory)} offers {format_bytes(usable)} "
            f"({100 * (1 - MACHINE_RESERVE):.0f} %, the rest left to the system); {hint}"
        )
        needed = 0
    else:
        needed = math.ceil(len(ests) / per_machine)
    return Plan(ests, float(machine_memory), int(machine_cores), max(per_machine, 0), needed, machines, problems)


def _fewest_shards(sc: Scenario, usable: float) -> int | None:
    """The fewest shards whose largest fits in ``usable`` bytes (None if no split does: not
    one person, or with regions not the largest region alone)."""
    n = int(sc.population.n)
    weights = [r.weight for r in sc.population.regions]
    if weights:  # at most one shard per region; a region is never split
        for k in range(1, len(weights) + 1):
            if estimate(sc, max(shard_persons(n, k, weights))).memory_bytes <= usable:
                return k
        return None
    if estimate(sc, 1).memory_bytes > usable:
        return None
    lo, hi = 1, n  # memory grows with the shard's persons: bisect on the shard count
    while lo < hi:
        mid = (lo + hi) // 2
        if estimate(sc, math.ceil(n / mid)).memory_bytes <= usable:
            hi = mid
        else:
            lo = mid + 1
    return lo


def total_memory() -> float:
    """Bytes of memory this machine has (``MemTotal``), the default machine size of a plan."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return float(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (OSError, ValueError, AttributeError):
        return 8 * 2**30
