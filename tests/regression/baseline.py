"""The committed regression baseline: every preset's figures at a small fixed size and seed.

Why: a refactor of the engine must not move the model's numbers silently. The baseline
holds, for each preset at ``N`` persons and seed ``SEED`` over its own horizon, every
summary figure, every preset indicator, the total of every daily series and the size of
every table. ``tests/regression/test_baseline.py`` compares a fresh run with it: integers
exactly, floats to ``RTOL``. When a change is *meant* to move figures, regenerate it
(``make baseline``) and the change shows up as a diff of ``baseline.json`` in review.

Run as a script to regenerate: ``python tests/regression/baseline.py [--write]``.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np

N = 3000
SEED = 1
RTOL = 1e-6
PATH = Path(__file__).with_name("baseline.json")
# run-dependent, not model figures
VOLATILE = {"wall_s", "agent_days_per_s", "peak_rss_mb", "out", "run_id"}


def _flatten(prefix: str, value: Any, out: dict[str, Any]) -> None:
    if isinstance(value, dict):
        for k in sorted(value, key=str):
            _flatten(f"{prefix}.{k}" if prefix else str(k), value[k], out)
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            _flatten(f"{prefix}[{i}]", v, out)
    elif isinstance(value, (np.generic,)):
        _flatten(prefix, value.item(), out)
    elif isinstance(value, float) and not math.isfinite(value):
        out[prefix] = None
    else:
        out[prefix] = value


def collect(preset: str) -> dict[str, Any]:
    """The figures of one preset's baseline run, flattened to dotted keys."""
    import scslab

    res = scslab.Sim(preset, n=N, seed=SEED).run()
    out: dict[str, Any] = {}
    _flatten("summary", {k: v for k, v in res.summary.items() if k not in VOLATILE}, out)
    _flatten("indicators", res.indicators, out)
    for name, series in sorted(res.series.items()):
        total = float(np.nansum(np.asarray(series, np.float64)))
        out[f"series_total.{name}"] = total
    for table in ("records", "list_spells", "sanctions", "subjects"):
        cols = getattr(res, table)
        out[f"rows.{table}"] = int(len(next(iter(cols.values())))) if cols else 0
    return out


def collect_all() -> dict[str, dict[str, Any]]:
    from scslab.scenario.loader import preset_names

    return {p: collect(p) for p in preset_names()}


def differences(expected: dict[str, Any], got: dict[str, Any], rtol: float = RTOL) -> list[str]:
    """Every figure that moved, was added or disappeared (empty when the run matches)."""
    problems = []
    for key in sorted(set(expected) | set(got)):
        if key not in got:
            problems.append(f"{key}: missing (baseline {expected[key]!r})")
            continue
        if key not in expected:
            problems.append(f"{key}: new figure {got[key]!r} (not in the baseline)")
            continue
        a, b = expected[key], got[key]
        if isinstance(a, bool) or isinstance(b, bool) or not isinstance(a, (int, float)) or a is None:
            if a != b:
                problems.append(f"{key}: {a!r} -> {b!r}")
        elif isinstance(a, int) and isinstance(b, int):
            if a != b:
                problems.append(f"{key}: {a} -> {b}")
        elif not isinstance(b, (int, float)) or not math.isclose(a, b, rel_tol=rtol, abs_tol=1e-12):
            problems.append(f"{key}: {a!r} -> {b!r}")
    return problems


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help=f"write {PATH.name} (default: compare with it)")
    ap.add_argument("presets", nargs="*", help="only these presets (default: all)")
    args = ap.parse_args(argv)
    from scslab.scenario.loader import preset_names

    names = args.presets or preset_names()
    figures = {p: collect(p) for p in names}
    if args.write:
        data = json.loads(PATH.read_text()) if PATH.exists() and args.presets else {}
        data.update(figures)
        meta = {"n": N, "seed": SEED, "rtol": RTOL}
        body = {"_about": meta, **{k: data[k] for k in sorted(data) if k != "_about"}}
        PATH.write_text(json.dumps(body, indent=1, sort_keys=True) + "\n")
        print(f"wrote {PATH} ({len(figures)} presets)")
        return 0
    base = json.loads(PATH.read_text())
    bad = 0
    for p in names:
        diff = differences(base.get(p, {}), figures[p])
        bad += bool(diff)
        for line in diff:
            print(f"{p}: {line}")
    print("baseline matches" if not bad else f"{bad} preset(s) moved")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
