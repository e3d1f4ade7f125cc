"""The ``scslab`` command line: parse, call the Python API, print.

Why it is shaped this way: a scenario author's mistakes must read as a list of edits
(``file:line: field.path: reason``, exit code 2), never as a traceback, and a failed run must
leave nothing behind on disk. So ``run`` loads and validates first, then simulates (the engine
compiles rule expressions against its attribute names during ``init``), and only when the
simulation has finished creates the output folder and writes into it. Heavy modules (NumPy,
Numba, DuckDB) are imported inside the commands so that ``scslab --help`` stays instant.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["UserError", "build_parser", "dumps", "main", "to_jsonable"]

_LONG_RUN = 20_000_000  # agent-days above which a progress bar is shown even without a TTY
_EXPR_FIELDS = {"lists": ("entry", "exit", "extend_if"), "measures": ("eligible",)}


class UserError(Exception):
    """A mistake in the command line or its inputs: printed as is, exit code 2."""


# ---------------------------------------------------------------------------- JSON


def to_jsonable(obj: Any) -> Any:
    """Plain Python values for ``json``: NumPy scalars/arrays unwrapped, NaN and inf -> None."""
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set, frozenset)):
        return [to_jsonable(v) for v in obj]
    if hasattr(obj, "tolist") and hasattr(obj, "dtype"):  # numpy scalar or array
        return to_jsonable(obj.tolist())
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if obj is None or isinstance(obj, (bool, int, str)):
        return obj
    if isinstance(obj, Path):
        return str(obj)
    return str(obj)  # datetimes, decimals: readable rather than a crash


def dumps(obj: Any, indent: int | None = None) -> str:
    """Strict JSON (no NaN tokens) of anything :func:`to_jsonable` accepts."""
    return json.dumps(to_jsonable(obj), indent=indent, allow_nan=False, ensure_ascii=False)


# ---------------------------------------------------------------------------- argument types


def _positive_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {v}")
    return v


def _positive_float(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(v) or v <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive finite number, got {text!r}")
    return v


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="scslab",
        description="A laboratory for social credit systems over synthetic populations.",
        epilog="Set SCSLAB_DEBUG=1 to see tracebacks of internal errors.",
    )
    p.add_argument("--version", action="version", version="scslab 0.1.0")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    r = sub.add_parser("run", help="run a scenario and write results, report and summary")
    r.add_argument("scenario", metavar="SCENARIO", help="preset name or TOML file")
    r.add_argument("--n", type=_positive_int, help="persons simulated (agents)")
    span = r.add_mutually_exclusive_group()
    span.add_argument("--years", type=_positive_float, help="simulated years")
    span.add_argument("--days", type=_positive_int, help="simulated days")
    r.add_argument("--seed", type=_int, help="random seed")
    r.add_argument("--out", type=Path, help="output folder (default: out/<scenario name>)")
    r.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="override a scenario field, e.g. policy.detection_scale=0.5 (repeatable)",
    )
    r.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    r.add_argument("--no-report", action="store_true", help="do not write report.html")
    r.add_argument("--parquet", action="store_true", help="also export the run's tables as Parquet")
    r.add_argument("--quiet", action="store_true", help="no progress bar; print only the output folder")

    sub.add_parser("presets", help="list the shipped presets")

    v = sub.add_parser("validate", help="check a scenario file or preset")
    v.add_argument("scenario", metavar="FILE_OR_PRESET")

    i = sub.add_parser("inspect", help="one subject's credit file with its causal chains")
    i.add_argument("out", type=Path, metavar="OUT_DIR")
    i.add_argument("subject", metavar="SUBJECT_ID")
    i.add_argument("--run", dest="run_id", metavar="RUN_ID", help="run id (default: the latest)")
    i.add_argument("--json", action="store_true")

    s = sub.add_parser("runs", help="list the runs stored in an output folder")
    s.add_argument("out", type=Path, metavar="OUT_DIR")
    s.add_argument("--json", action="store_true")
    return p


# ---------------------------------------------------------------------------- rule names


def _rule_problems(sim: Any, source: str, overrides: Sequence[str], err: Exception) -> list[Any]:
    """Rule expressions that do not compile against the engine's attribute names, as Problems.

    The loader only checks syntax (which names exist is the engine's business), so the engine
    finds unknown names in ``Sim.init``; here each failing rule is traced back to its file and
    line the way the loader places its own problems.
    """
    from scslab.engine.attributes import attribute_names
    from scslab.scenario.errors import Problem, abbreviate, format_path
    from scslab.scenario.expr import ExprError, compile_expr

    try:
        names = attribute_names(sim)
    except Exception:  # the engine failed too early to know its names
        return [Problem(source, "", f"bad expression: {err}")]
    found = []
    for section, fields in _EXPR_FIELDS.items():
        for entry in getattr(sim.scenario, section, []) or []:
            for field in fields:
                text = getattr(entry, field, None)
                if not isinstance(text, str) or not text:
                    continue
                try:
                    compile_expr(text, names)
                except ExprError as e:
                    found.append(
                        ((section, ("name", entry.name), field), f"bad expression {abbreviate(text, 60)}: {e.message}")
                    )
    if not found:
        return [Problem(source, "", f"bad expression: {err}")]
    from scslab.scenario.loader import place_problems

    try:
        return place_problems(source, overrides, found)
    except Exception:  # placing is a courtesy: never hide the problems themselves
        return [Problem(source, format_path(c), r) for c, r in found]


def _init_checked(sim: Any, source: str, overrides: Sequence[str]) -> None:
    """``sim.init()``, turning an unknown-attribute ExprError into a ScenarioError."""
    from scslab.scenario.errors import ScenarioError
    from scslab.scenario.expr import ExprError

    try:
        sim.init()
    except ExprError as e:
        raise ScenarioError(_rule_problems(sim, source, overrides, e)) from None


# ---------------------------------------------------------------------------- commands


def _cmd_run(args: argparse.Namespace) -> int:
    from scslab.engine.sim import Sim

    out = args.out
    if out is not None and out.exists() and not out.is_dir():
        raise UserError(f"--out {out}: exists and is not a folder")
    sim = Sim(args.scenario, n=args.n, seed=args.seed, days=args.days, years=args.years, overrides=args.overrides)
    sc = sim.scenario
    long_run = sc.population.n * sc.sim.days >= _LONG_RUN
    sim.progress = not (args.quiet or args.json) and (sys.stderr.isatty() or long_run)
    # keep stdout for the one JSON object: anything the engine prints goes to stderr
    guard = contextlib.redirect_stdout(sys.stderr) if args.json else contextlib.nullcontext()
    with guard:
        _init_checked(sim, args.scenario, args.overrides)
        results = sim.run()
        out = out if out is not None else Path("out") / sc.name
        if out.exists() and not out.is_dir():
            raise UserError(f"output folder {out}: exists and is not a folder")
        payload, report = _write_outputs(results, out, sim.wall_s, args)
    if args.json:
        print(dumps(payload))
    elif args.quiet:
        print(out)
    else:
        print(_human_summary(payload, report))
    return 0


def _write_outputs(results: Any, out: Path, wall_s: float, args: argparse.Namespace) -> tuple[dict, Path | None]:
    from scslab.store.duck import export_parquet, write_run

    out.mkdir(parents=True, exist_ok=True)
    run_id = write_run(results, out, wall_s=wall_s)
    report = None
    if not args.no_report:
        from scslab.report.html import write_report

        report = write_report(results, out / "report.html", wall_s=wall_s)
    payload = dict(results.summary)
    payload.update(indicators=results.indicators, out=str(out), run_id=run_id)
    (out / "summary.json").write_text(dumps(payload, indent=2) + "\n", encoding="utf-8")
    if args.parquet:
        export_parquet(out, run_id)
    return payload, report


def _num(v: Any, fmt: str = ",") -> str:
    if v is None:
        return "n/a"
    try:
        return format(v, fmt)
    except (TypeError, ValueError):
        return str(v)


def _human_summary(s: dict, report: Path | None) -> str:
    lines = [
        f"scenario {s.get('scenario')} (seed {s.get('seed')}): {_num(s.get('persons'))} persons, "
        f"{_num(s.get('days'))} days in {_num(s.get('wall_s'), '.1f')} s "
        f"({_num(s.get('agent_days_per_s'), ',.0f')} agent-days/s, peak {_num(s.get('peak_rss_mb'), ',.0f')} MB)",
        f"  records          {_num(s.get('records'))} ({_num(s.get('records_false'))} false)",
        f"  compliance rate  {_num(s.get('compliance_rate'), '.3f')}",
        f"  listed now       {_num(s.get('listed_now'))} (ever {_num(s.get('ever_listed'))}, "
        f"wrongful {_num(s.get('wrongful_listings'))})",
        f"  sanctions        {_num(s.get('sanctions_applied'))}",
    ]
    if s.get("score_mean") is not None:
        lines.append(f"  mean score       {_num(s.get('score_mean'), ',.1f')}")
    shares = s.get("grade_shares")
    if isinstance(shares, dict) and shares:
        lines.append("  grades           " + "  ".join(f"{k} {_num(v, '.1%')}" for k, v in shares.items()))
    lines.append(f"run {s.get('run_id')} stored in {Path(s['out']) / 'results.duckdb'}")
    if report is not None:
        lines.append(f"report: {report}")
    return "\n".join(lines)


def _cmd_presets(args: argparse.Namespace) -> int:
    from scslab.scenario.loader import preset_description, preset_names

    names = preset_names()
    width = max((len(n) for n in names), default=0)
    for name in names:
        print(f"{name:<{width}}  {preset_description(name)}")
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from scslab.engine.sim import Sim
    from scslab.scenario.loader import load_scenario

    sc = load_scenario(args.scenario)
    # rule names are only known to the engine: initialise a tiny population to check them
    _init_checked(Sim(sc, n=min(sc.population.n, 200), days=1), args.scenario, ())
    print(f"ok: {sc.name}")
    return 0


def _open_db(out: Path) -> None:
    from scslab.store.duck import db_path

    if not db_path(out).is_file():
        raise UserError(f"no results database at {db_path(out)} (run a scenario with --out {out} first)")


def _cmd_inspect(args: argparse.Namespace) -> int:
    from scslab.store.inspect import credit_file, format_credit_file

    _open_db(args.out)
    try:
        d = credit_file(args.out, args.subject, run_id=args.run_id)
    except KeyError as e:
        raise UserError(e.args[0] if e.args else str(e)) from None
    print(dumps(d, indent=2) if args.json else format_credit_file(d))
    return 0


def _cmd_runs(args: argparse.Namespace) -> int:
    from scslab.store.duck import list_runs

    _open_db(args.out)
    df = list_runs(args.out)
    if args.json:
        print(dumps(df.to_dict(orient="records"), indent=2))
        return 0
    if df.empty:
        print(f"no runs in {args.out}")
        return 0
    cols = [
        c
        for c in (
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
        )
        if c in df.columns
    ]
    print(df[cols].to_string(index=False))
    return 0


_COMMANDS = {
    "run": _cmd_run,
    "presets": _cmd_presets,
    "validate": _cmd_validate,
    "inspect": _cmd_inspect,
    "runs": _cmd_runs,
}


# ---------------------------------------------------------------------------- entry point


def _err(msg: str) -> None:
    print(msg, file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code (0 ok, 2 user error, 1 bug)."""
    args = build_parser().parse_args(argv)
    from scslab.scenario.errors import ScenarioError
    from scslab.scenario.expr import ExprError

    try:
        return _COMMANDS[args.command](args)
    except ScenarioError as e:
        _err("scenario problems:" if len(e.problems) > 1 else "scenario problem:")
        for p in e.problems:
            _err(str(p))
        return 2
    except ExprError as e:
        _err(f"bad expression: {e}")
        return 2
    except UserError as e:
        _err(f"error: {e}")
        return 2
    except KeyboardInterrupt:
        _err("interrupted")
        return 130
    except BrokenPipeError:  # `scslab runs out | head`
        return 0
    except Exception as e:
        if os.environ.get("SCSLAB_DEBUG"):
            raise
        _err(f"internal error: {type(e).__name__}: {e}")
        _err("rerun with SCSLAB_DEBUG=1 to see the traceback, and please report it")
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
