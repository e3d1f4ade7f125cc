"""What every command shares: the user-error type, strict JSON, argument types, number formatting."""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any

from scslab.jsonable import dumps, to_jsonable  # one converter for the CLI, the lab and the server

__all__ = [
    "MAX_DAYS",
    "UserError",
    "atomic_write_text",
    "check_out",
    "days_arg",
    "dumps",
    "err",
    "int_arg",
    "num",
    "positive_float",
    "positive_int",
    "require_db",
    "safe_folder_name",
    "to_jsonable",
    "years_arg",
]

MAX_DAYS = 36_500  # the schema's limit of sim.days (100 years)


class UserError(Exception):
    """A mistake in the command line or its inputs: printed as is, exit code 2."""


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


def days_arg(text: str) -> int:
    """``--days``: a whole number of days within the schema's limit."""
    v = positive_int(text)
    if v > MAX_DAYS:
        raise argparse.ArgumentTypeError(f"at most {MAX_DAYS:,} days (100 years), got {v:,}")
    return v


def years_arg(text: str) -> float:
    """``--years``: positive, finite, and at most 100 years (``1e308`` would overflow the day count)."""
    v = positive_float(text)
    if v > MAX_DAYS / 365 + 0.001:
        raise argparse.ArgumentTypeError(f"at most {MAX_DAYS // 365} years, got {text!r}")
    if round(v * 365) < 1:
        raise argparse.ArgumentTypeError(f"shorter than one day, got {text!r}")
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
    """One message on stderr, control characters written as escapes (user text is quoted, not obeyed)."""
    print("\n".join(_printable(line) for line in str(msg).split("\n")), file=sys.stderr)


def _printable(text: str) -> str:
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def atomic_write_text(path: Path, text: str) -> Path:
    """Write ``path`` whole or not at all: a temporary file beside it, flushed, then renamed over it
    (a reader, a crash or Ctrl-C sees the old file or the new one, never half of one)."""
    import os

    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def safe_folder_name(name: str, default: str = "unnamed") -> str:
    """A folder name from a scenario's ``name``, which is a label and never a path.

    Letters, digits, ``.``, ``_`` and ``-`` are kept (after Unicode NFKC), every other run of
    characters (``/``, ``\\``, spaces, controls) becomes one ``-``; leading dots and dashes go (no
    ``..``, no hidden folder), at most 64 characters; nothing left gives ``default``.
    """
    import re
    import unicodedata

    text = unicodedata.normalize("NFKC", str(name))
    text = re.sub(r"[^A-Za-z0-9._-]+", "-", text.encode("ascii", "ignore").decode("ascii"))
    text = re.sub(r"-{2,}", "-", text).lstrip(".-")[:64].rstrip(".-")
    return text or default


def check_out(out: Path, flag: str = "--out") -> None:
    """Fail now, before simulating, if ``out`` cannot become the output folder.

    Every existing part of the path must be a folder, and the nearest existing one must let us
    create a folder in it (probed by creating and removing an empty temporary folder, which is
    the only honest test: permissions, read-only mounts and /proc all answer it).
    """
    import os
    import tempfile

    out = Path(out)
    if out.exists():
        if not out.is_dir():
            raise UserError(f"{flag} {out}: exists and is not a folder")
        probe_in = out
    else:
        probe_in = out.parent if str(out.parent) else Path(".")
        while not probe_in.exists() and probe_in != probe_in.parent:
            probe_in = probe_in.parent
        if not probe_in.is_dir():
            raise UserError(f"{flag} {out}: {probe_in} is a file, not a folder")
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".scslab-probe-", dir=probe_in))
    except OSError as e:
        raise UserError(f"{flag} {out}: cannot write in {probe_in} ({e.strerror or e})") from None
    from scslab.store.duck import connect, db_path

    if db_path(out).exists() or db_path(out).is_symlink():  # a run appends to it: it must be ours and sound
        connect(out, read_only=True).close()


def require_db(out: Path) -> None:
    """A results folder given on the command line must hold a results database."""
    from scslab.store.duck import db_path

    if not db_path(out).is_file():
        raise UserError(f"no results database at {db_path(out)} (run a scenario with --out {out} first)")
