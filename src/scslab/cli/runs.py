"""``scslab runs``: the runs stored in a results folder, with what each changed.

Two runs of one preset into the same folder differ only by what was set on the command line
(``--n``, ``--set``...), so every run shows its size (``persons``) and its ``overrides``: the
fields of its stored scenario that differ from the preset of the same name, as
``path=value`` (``—`` for none; a scenario file that is no preset shows ``(file)``).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from .common import dumps, require_db

NAME = "runs"
COLUMNS = (
    "run_id",
    "name",
    "seed",
    "persons",
    "days",
    "created_at",
    "wall_s",
    "records",
    "ever_listed",
    "compliance_rate",
    "overrides",
)


def register(sub: Any) -> None:
    s = sub.add_parser(NAME, help="list the runs stored in an output folder")
    s.add_argument("out", type=Path, metavar="OUT_DIR")
    s.add_argument("--json", action="store_true")


def _flat(obj: Any, prefix: str = "") -> dict[str, Any]:
    """Dotted paths of a scenario dump; entries of a named list are keyed by their name."""
    out: dict[str, Any] = {}
    if isinstance(obj, dict):
        for k, v in obj.items():
            out.update(_flat(v, f"{prefix}.{k}" if prefix else str(k)))
    elif isinstance(obj, list) and obj and all(isinstance(x, dict) and "name" in x for x in obj):
        for x in obj:
            out.update(_flat(x, f"{prefix}.{x['name']}"))
    else:
        out[prefix] = obj
    return out


def overrides(name: str, scenario: dict[str, Any]) -> str:
    """The fields of a stored scenario that differ from preset ``name``'s, as ``path=value``."""
    from scslab.scenario.loader import load_scenario, preset_names

    if name not in preset_names():
        return "(file)"
    base = _flat(load_scenario(name).model_dump(mode="json"))
    run = _flat(scenario)
    changed = [k for k in run if base.get(k, object()) != run[k]] + [k for k in base if k not in run]
    return ", ".join(f"{k}={json.dumps(run.get(k))}" for k in changed) or "—"


def main(args: argparse.Namespace) -> int:
    from scslab.store.duck import connect, list_runs

    require_db(args.out)
    df = list_runs(args.out)
    if not df.empty:
        con = connect(args.out)
        try:
            stored = dict(con.execute("SELECT run_id, scenario_json FROM runs").fetchall())
        finally:
            con.close()
        df["overrides"] = [overrides(str(n), json.loads(stored[r])) for r, n in zip(df["run_id"], df["name"])]
    if args.json:
        print(dumps(df.to_dict(orient="records"), indent=2))
        return 0
    if df.empty:
        print(f"no runs in {args.out}")
        return 0
    cols = [c for c in COLUMNS if c in df.columns]
    print(df[cols].to_string(index=False))
    return 0
