"""What every command shares: the user-error type, strict JSON, argument types, number formatting."""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

__all__ = ["UserError", "dumps", "err", "int_arg", "num", "positive_float", "positive_int", "require_db", "to_jsonable"]


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


def positive_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {v}")
    return v


def positive_float(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(v) or v <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive finite number, got {text!r}")
    return v


def int_arg(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None


def num(v: Any, fmt: str = ",") -> str:
    """A number for people: ``fmt`` applied, ``n/a`` for None."""
    if v is None:
        return "n/a"
    try:
        return format(v, fmt)
    except (TypeError, ValueError):
        return str(v)


def err(msg: str) -> None:
    print(msg, file=sys.stderr)


def require_db(out: Path) -> None:
    """A results folder given on the command line must hold a results database."""
    from scslab.store.duck import db_path

    if not db_path(out).is_file():
        raise UserError(f"no results database at {db_path(out)} (run a scenario with --out {out} first)")
