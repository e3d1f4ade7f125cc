"""Problems found in scenario files: what is wrong, at which field, in which file and line.

A scenario author fixes files, not tracebacks: every problem carries the file, a readable
field path and, where it can be found, the line. Field paths are kept as tuples of
segments (:data:`Segment`) in which list entries are named by their ``name`` where they
have one, because names survive ``extends`` merging and indices do not. ``tomllib`` keeps no positions, so
:func:`key_lines` rebuilds them with a small line scanner that tracks table headers,
arrays of tables and dotted keys; it is a heuristic (inline tables are not entered) and
answers "no line" rather than a wrong one when unsure.
"""

from __future__ import annotations

import difflib
import inspect
import re
import types
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from scslab.scenario.schema import Scenario

__all__ = [
    "KeyPath",
    "PathError",
    "Problem",
    "ScenarioError",
    "Segment",
    "abbreviate",
    "entry_segment",
    "format_path",
    "key_lines",
    "loc_path",
    "printable",
    "pydantic_problems",
    "raw_path",
    "resolve_path",
]

# A path segment: a table key (str), or a list entry as ("name", entry_name) / ("idx", i).
Segment = str | tuple[str, Any]
KeyPath = tuple[Segment, ...]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario, phrased for the person editing the file."""

    file: str
    path: str
    reason: str
    line: int | None = None

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        text = f"{where}: {self.path}: {self.reason}" if self.path else f"{where}: {self.reason}"
        return printable(text)


def printable(text: str) -> str:
    """``text`` safe to print on a terminal: control, format and line-separator characters
    (ANSI escapes, bidi overrides, NUL, U+2028 ...) written as escapes (``\\x1b``), so a
    message quotes what the user wrote instead of acting on the terminal."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


class ScenarioError(Exception):
    """Every problem of a scenario at once, so one edit round fixes them all."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)

    def __reduce__(self):  # keep the problems when crossing process boundaries
        return (type(self), (self.problems,))


def format_path(segments: tuple[Segment, ...] | list[Segment]) -> str:
    """``("lists", ("name", "blacklist"), "term_days")`` -> ``lists[blacklist].term_days``.

    Entries are named by their ``name`` when they have one: names survive ``extends``
    merging and reordering, indices do not.
    """
    out = ""
    for seg in segments:
        if isinstance(seg, tuple):
            out += f"[{seg[1]}]"
        else:
            out += f".{seg}" if out else str(seg)
    return out


def abbreviate(value: Any, width: int = 40) -> str:
    """A short repr of a bad input value for an error message."""
    text = repr(value)
    return text if len(text) <= width else text[: width - 3] + "..."


# ---------------------------------------------------------------- paths


def entry_segment(entry: Any, i: int) -> Segment:
    """How a list entry is named in a path: by its ``name`` if it has one, else by index."""
    if isinstance(entry, dict) and isinstance(entry.get("name"), str):
        return ("name", entry["name"])
    return ("idx", i)


def raw_path(data: Any, raw: tuple) -> KeyPath:
    """Rewrite a file's raw key path (ints for array-of-table entries) with entry names."""
    out: list[Segment] = []
    node = data
    for seg in raw:
        if isinstance(seg, int):
            ok = isinstance(node, list) and seg < len(node)
            out.append(entry_segment(node[seg], seg) if ok else ("idx", seg))
            node = node[seg] if ok else None
        else:
            out.append(seg)
            node = node.get(seg) if isinstance(node, dict) else None
    return tuple(out)


class PathError(ValueError):
    """A dotted path that leads nowhere (no such entry, or through a plain value)."""


def resolve_path(data: dict, parts: list[str], create: bool) -> tuple[Any, Any, KeyPath]:
    """Find the container and key a dotted path names; list entries by name or index."""
    node: Any = data
    canon: list[Segment] = []
    if not parts or any(not p for p in parts):
        raise PathError("empty path or empty path segment")
    for i, p in enumerate(parts):
        if isinstance(node, list):
            names = [e.get("name") for e in node if isinstance(e, dict)]
            idx = (
                int(p)
                if p.isdigit() and int(p) < len(node)
                else (names.index(p) if p in names and not p.isdigit() else None)
            )
            if idx is None:
                have = ", ".join(str(n) for n in names if n) or f"{len(node)} entries"
                raise PathError(f"no entry {p!r} in {format_path(canon)} (have: {have})")
            canon.append(entry_segment(node[idx], idx))
            key: Any = idx
        elif isinstance(node, dict):
            canon.append(p)
            key = p
            if p == "set" and i < len(parts) - 1 and len(canon) == 3 and canon[0] == "schedule":
                # a timed change's ``set`` is keyed by whole dotted paths: the rest of the
                # path is one key (``schedule.0.set.measures.rail_ban.attempts_per_year``)
                if not isinstance(node.get("set"), dict):
                    if not create:
                        raise PathError(f"no key {p!r}")
                    node["set"] = {}
                rest = ".".join(parts[i + 1 :])
                return node["set"], rest, (*canon, rest)
            if i < len(parts) - 1 and p not in node:
                if not create:
                    raise PathError(f"no key {p!r}")
                node[p] = {}
        else:
            raise PathError(f"{format_path(canon)} is a value, not a table")
        if i == len(parts) - 1:
            return node, key, tuple(canon)
        node = node[key]
    raise AssertionError("unreachable")


# ---------------------------------------------------------------- pydantic errors


def _unwrap(t: Any) -> Any:
    """``list[X]`` / ``X | None`` -> ``X``, to walk model classes along an error's loc."""
    while True:
        origin = get_origin(t)
        if origin in (Union, types.UnionType):
            args = [a for a in get_args(t) if a is not type(None)]
            if len(args) != 1:
                return t
            t = args[0]
        elif origin is list:
            t = get_args(t)[0]
        else:
            return t


def _fields_at(loc: tuple) -> list[str]:
    """Field names of the model at ``loc`` (for "did you mean" hints)."""
    t: Any = Scenario
    for seg in loc:
        if isinstance(seg, int):
            continue
        if not (inspect.isclass(t) and issubclass(t, BaseModel)) or seg not in t.model_fields:
            return []
        t = _unwrap(t.model_fields[seg].annotation)
    return list(t.model_fields) if inspect.isclass(t) and issubclass(t, BaseModel) else []


def loc_path(data: Any, loc: tuple) -> KeyPath:
    """Pydantic's ``loc`` in the data's terms; trailing union-member tags are dropped."""
    out: list[Segment] = []
    node = data
    for seg in loc:
        if isinstance(seg, int) and isinstance(node, list) and seg < len(node):
            out.append(entry_segment(node[seg], seg))
            node = node[seg]
        elif isinstance(seg, str) and isinstance(node, dict):
            out.append(seg)
            if seg not in node:
                break
            node = node[seg]
        else:
            break
    return tuple(out)


def _reason(e: Mapping[str, Any]) -> str:
    loc, kind, value = e["loc"], e["type"], e.get("input")
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        if loc and loc[-1] == "remove":
            return "unknown key ('remove = true' only drops an entry inherited through extends)"
        hint = difflib.get_close_matches(str(loc[-1]), _fields_at(loc[:-1]), n=1)
        return "unknown key" + (f"; did you mean {hint[0]!r}?" if hint else "")
    msg = re.sub(r"^(Value|Assertion) error, ", "", e["msg"])
    return msg if isinstance(value, dict) else f"{msg} (got {abbreviate(value)})"


def pydantic_problems(err: ValidationError, data: dict, lenient: bool) -> list[tuple[KeyPath, str]]:
    """One (path, reason) per problem; union alternatives at one path are joined."""
    grouped: dict[KeyPath, list[str]] = {}
    for e in err.errors(include_url=False):
        if lenient and (e["type"] == "missing" or not e["loc"]):
            continue  # a missing or broken parent would have supplied these
        if not e["loc"] and e["type"] == "value_error":
            for part in _reason(e).split("; "):
                dotted, sep, reason = part.partition(": ")
                try:
                    canon = resolve_path(data, dotted.split("."), create=False)[2] if sep else ()
                except PathError:
                    canon = tuple(dotted.split("."))
                grouped.setdefault(canon, []).append(reason if sep else part)
            continue
        grouped.setdefault(loc_path(data, e["loc"]), []).append(_reason(e))
    return [(c, _join(list(dict.fromkeys(rs)))) for c, rs in grouped.items()]


def _join(reasons: list[str]) -> str:
    """Several reasons at one path come from union alternatives: say the input once."""
    if len(reasons) == 1:
        return reasons[0]
    got = {r[r.rfind(" (got ") :] for r in reasons if " (got " in r}
    if len(got) == 1 and all(" (got " in r for r in reasons):
        tail = got.pop()
        reasons = [r[: -len(tail)] for r in reasons]
        return "no allowed type fits: " + " | ".join(reasons) + tail
    return " | ".join(reasons)


# ---------------------------------------------------------------- line scanner

_BARE = r"[A-Za-z0-9_-]+"
_BASIC = r'"(?:[^"\\]|\\.)*"'
_LITERAL = r"'[^']*'"
_KEYPART = rf"(?:{_BARE}|{_BASIC}|{_LITERAL})"
_KEY = rf"{_KEYPART}(?:\s*\.\s*{_KEYPART})*"
_KEY_RE = re.compile(rf"^\s*({_KEY})\s*=(.*)$")
_HEADER_RE = re.compile(rf"^\s*(\[\[?)\s*({_KEY})\s*(\]\]?)\s*(?:#.*)?$")
_PART_RE = re.compile(_KEYPART)


def _split_key(text: str) -> tuple[str, ...]:
    """Split a dotted TOML key, unquoting quoted parts (escapes kept simple)."""
    parts = []
    for m in _PART_RE.finditer(text):
        p = m.group(0)
        if p[0] in "\"'":
            p = p[1:-1]
            if m.group(0)[0] == '"':
                p = p.encode("utf-8").decode("unicode_escape") if "\\" in p else p
        parts.append(p)
    return tuple(parts)


def _scan_value(text: str, depth: int, ml: str | None) -> tuple[int, str | None]:
    """Advance over a value fragment; return bracket depth and any open ``\"\"\"``/``'''``.

    Lets the scanner skip the continuation lines of multi-line arrays and strings, so
    their contents are never mistaken for keys.
    """
    i, n = 0, len(text)
    while i < n:
        if ml:
            j = text.find(ml, i)
            if j < 0:
                return depth, ml
            i, ml = j + 3, None
            continue
        c = text[i]
        if c == "#":
            break
        if text.startswith('"""', i) or text.startswith("'''", i):
            ml, i = text[i : i + 3], i + 3
            continue
        if c == '"':
            m = re.compile(_BASIC).match(text, i)
            i = m.end() if m else n
            continue
        if c == "'":
            j = text.find("'", i + 1)
            i = n if j < 0 else j + 1
            continue
        if c in "[{":
            depth += 1
        elif c in "]}":
            depth = max(0, depth - 1)
        i += 1
    return depth, ml


def key_lines(text: str) -> dict[tuple[Any, ...], int]:
    """Map each key path assigned in ``text`` to its 1-based line.

    Paths use the file's own raw shape: str keys, and ints for the n-th ``[[array]]``
    table of that array in this file. Table headers are recorded too, so a problem inside
    a table whose key is absent (a missing field) can still point at the table.
    """
    lines: dict[tuple[Any, ...], int] = {}
    aot: dict[tuple[Any, ...], int] = {}
    table: tuple[Any, ...] = ()
    depth, ml = 0, None

    def resolve(parts: tuple[str, ...]) -> tuple[Any, ...]:
        out: tuple[Any, ...] = ()
        for p in parts:
            out += (p,)
            if out in aot:
                out += (aot[out] - 1,)
        return out

    # TOML ends lines at \n only: str.splitlines() would also split at U+2028, U+2029, U+0085,
    # \v, \f and others, which tomllib reads as plain characters, and shift every later line
    for no, line in enumerate(text.split("\n"), start=1):
        line = line.removesuffix("\r")
        if depth or ml:
            depth, ml = _scan_value(line, depth, ml)
            continue
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        h = _HEADER_RE.match(line)
        if h and len(h.group(1)) == len(h.group(3)):
            parts = _split_key(h.group(2))
            if h.group(1) == "[[":
                arr = resolve(parts[:-1]) + (parts[-1],)
                idx = aot.get(arr, 0)
                aot[arr] = idx + 1
                table = arr + (idx,)
            else:
                table = resolve(parts)
            lines.setdefault(table, no)
            continue
        k = _KEY_RE.match(line)
        if k:
            lines.setdefault(table + _split_key(k.group(1)), no)
            depth, ml = _scan_value(k.group(2), 0, None)
    return lines
