"""The ``scslab`` command line: parse, call the Python API, print.

Why it is shaped this way: a scenario author's mistakes must read as a list of edits
(``file:line: field.path: reason``, exit code 2), never as a traceback, and a failed run must
leave nothing behind on disk. So ``run`` loads and validates first, then simulates (the engine
compiles rule expressions against its attribute names during ``init``), and only when the
simulation has finished creates the output folder and writes into it. Heavy modules (NumPy,
Numba, DuckDB) are imported inside the commands so that ``scslab --help`` stays instant.

Each command lives in a module of its own with ``NAME``, ``register(subparsers)`` and
``main(args) -> exit code``; adding a command is one module and one line in ``COMMANDS``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from . import calibrate, compare, inspect, presets, report, run, runs, sensitivity, serve, sweep, validate
from .common import UserError, dumps, err, to_jsonable

__all__ = ["COMMANDS", "UserError", "build_parser", "dumps", "main", "to_jsonable"]

# the commands in the order ``scslab --help`` lists them
COMMANDS = (run, compare, sweep, sensitivity, calibrate, presets, validate, inspect, runs, report, serve)
_COMMANDS = {m.NAME: m.main for m in COMMANDS}


def build_parser() -> argparse.ArgumentParser:
    from scslab import __version__

    p = argparse.ArgumentParser(
        prog="scslab",
        description="A laboratory for social credit systems over synthetic populations.",
        epilog="Set SCSLAB_DEBUG=1 to see tracebacks of internal errors.",
    )
    p.add_argument("--version", action="version", version=f"scslab {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.register(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code (0 ok, 2 user error, 1 bug)."""
    args = build_parser().parse_args(argv)
    from scslab.scenario.errors import ScenarioError
    from scslab.scenario.expr import ExprError

    try:
        return _COMMANDS[args.command](args)
    except ScenarioError as e:
        err("scenario problems:" if len(e.problems) > 1 else "scenario problem:")
        for p in e.problems:
            err(str(p))
        return 2
    except ExprError as e:
        err(f"bad expression: {e}")
        return 2
    except UserError as e:
        err(f"error: {e}")
        return 2
    except KeyboardInterrupt:
        err("interrupted")
        return 130
    except BrokenPipeError:  # `scslab runs out | head`
        return 0
    except Exception as e:
        # checked through sys.modules: if the module was never imported, e cannot be its exception
        store, duckdb = sys.modules.get("scslab.store.duck"), sys.modules.get("duckdb")
        if duckdb is not None and isinstance(e, duckdb.InterruptException):  # Ctrl-C inside a query
            err("interrupted")
            return 130
        if store is not None and isinstance(e, store.ResultsError):  # a damaged or foreign database
            err(f"error: {e}")
            return 2
        if duckdb is not None and isinstance(e, duckdb.Error) and "Corrupt database file" in str(e):
            err(f"error: damaged results database: {str(e).splitlines()[0]}")
            return 2
        if os.environ.get("SCSLAB_DEBUG"):
            raise
        err(f"internal error: {type(e).__name__}: {e}")
        err("rerun with SCSLAB_DEBUG=1 to see the traceback, and please report it")
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
