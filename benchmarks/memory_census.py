"""Census of the live arrays of a run: every NumPy array held by the population, the state
and the modules, with its owner, dtype, shape and bytes per person, largest first.

    python benchmarks/memory_census.py [--scenario rongcheng] [--n 200000] [--days 365] [--top 60]
    python benchmarks/memory_census.py --transients [--chunk 65536] ...

Walks ``sim.pop``, ``sim.state`` and every module (their attributes, and the dicts, lists,
tuples and plain objects they hold, to a few levels), counting each array's *base* buffer
once (a view is charged to the array it views, under the first name it was seen by). It
reports what is alive at the end of the day loop, before the results are collected, which is
what the engine holds while the run's peak is set (issue 12.2, docs/performance.md).

``--transients`` also runs the day loop under ``tracemalloc`` (NumPy reports its buffers to
it) and prints, per module, the largest rise of traced memory within one of its daily steps
above what was live before it, in bytes per person, and the day it happened: the
temporaries that lift the day loop's peak above the live arrays. ``--chunk`` sets
``engine.state.CHUNK_SUBJECTS`` for the run, so a small population shows the chunked
passes' temporaries as a large one would have them.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np

from scslab.engine.sim import Sim


def _base(a: np.ndarray) -> np.ndarray:
    while isinstance(a.base, np.ndarray):
        a = a.base
    return a


def walk(root: Any, name: str, out: dict[int, tuple[str, np.ndarray]], seen: set[int], depth: int = 0) -> None:
    """Add every array reachable from ``root`` (to ``depth`` 5) to ``out`` by its base's id."""
    if id(root) in seen or depth > 5:
        return
    seen.add(id(root))
    if isinstance(root, np.ndarray):
        b = _base(root)
        if b.dtype != object and id(b) not in out:
            out[id(b)] = (name, b)
        return
    if isinstance(root, dict):
        for k, v in root.items():
            walk(v, f"{name}[{k!r}]", out, seen, depth + 1)
    elif isinstance(root, (list, tuple)):
        for i, v in enumerate(root):
            walk(v, f"{name}[{i}]", out, seen, depth + 1)
    elif hasattr(root, "__dict__") and not isinstance(root, type) and type(root).__module__.startswith("scslab"):
        for k, v in vars(root).items():
            walk(v, f"{name}.{k}", out, seen, depth + 1)
    elif hasattr(root, "__slots__") and type(root).__module__.startswith("scslab"):
        for k in root.__slots__:
            if hasattr(root, k):
                walk(getattr(root, k), f"{name}.{k}", out, seen, depth + 1)


def census(sim: Sim) -> list[tuple[str, str, tuple[int, ...], int]]:
    """(owner, dtype, shape, bytes) of every live array of ``sim``, largest first."""
    out: dict[int, tuple[str, np.ndarray]] = {}
    seen: set[int] = set()
    walk(sim.pop, "pop", out, seen)
    walk(sim.state, "state", out, seen)
    for m in sim.modules:
        walk(m, m.name, out, seen)
    rows = [(name, str(a.dtype), a.shape, int(a.nbytes)) for name, a in out.values()]
    return sorted(rows, key=lambda r: -r[3])


def run_days(sim: Sim) -> dict[str, tuple[int, int]]:
    for day in range(sim.scenario.sim.days):
        sim.step(day)
    return {}


def transients(sim: Sim) -> dict[str, tuple[int, int]]:
    """Run the days under tracemalloc: module -> (largest rise in one step, bytes; its day)."""
    import tracemalloc

    tracemalloc.start()
    worst: dict[str, tuple[int, int]] = {}
    for day in range(sim.scenario.sim.days):
        sim.day = day
        sim.events.clear()
        for mod in sim.modules:
            before, _ = tracemalloc.get_traced_memory()
            tracemalloc.reset_peak()
            mod.step(sim, day)
            rise = tracemalloc.get_traced_memory()[1] - before
            if rise > worst.get(mod.name, (-1, 0))[0]:
                worst[mod.name] = (rise, day)
    tracemalloc.stop()
    return worst


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="rongcheng")
    ap.add_argument("--n", type=int, default=200_000)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--top", type=int, default=60, help="rows to print (the rest are summed)")
    ap.add_argument("--transients", action="store_true", help="also each module's largest temporaries (tracemalloc)")
    ap.add_argument("--chunk", type=int, default=0, help="engine.state.CHUNK_SUBJECTS for the run (0: as it is)")
    args = ap.parse_args()
    if args.chunk:
        import scslab.engine.state as state_mod

        state_mod.CHUNK_SUBJECTS = args.chunk
    sim = Sim(args.scenario, n=args.n, days=args.days, seed=args.seed)
    t = time.process_time()
    sim.init()
    worst = transients(sim) if args.transients else run_days(sim)
    cpu = time.process_time() - t
    rows = census(sim)
    n = sim.state.n
    total = sum(r[3] for r in rows)
    print(
        f"{args.scenario}, n = {n:,} persons, {sim.state.S:,} subjects, {args.days} days "
        f"({cpu:.1f} CPU s): {total / n:.1f} bytes per person in {len(rows)} arrays"
    )
    print(f"{'bytes/person':>12} {'cum':>7}  {'dtype':<8} {'shape':<18} owner")
    cum = 0
    for name, dtype, shape, nb in rows[: args.top]:
        cum += nb
        print(f"{nb / n:12.2f} {cum / n:7.1f}  {dtype:<8} {shape!s:<18} {name}")
    rest = rows[args.top :]
    if rest:
        print(f"{sum(r[3] for r in rest) / n:12.2f} {total / n:7.1f}  ({len(rest)} more arrays)")
    if worst:
        print("\nlargest rise of traced memory within one daily step, above what was live before it:")
        for name, (rise, day) in sorted(worst.items(), key=lambda kv: -kv[1][0]):
            print(f"{rise / n:12.2f}  {name} (day {day})")


if __name__ == "__main__":
    main()
