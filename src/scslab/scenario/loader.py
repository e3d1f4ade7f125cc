"""Load scenario TOML files: presets, ``extends`` chains, ``--set`` overrides, validation.

Scenarios are data, so a broken one should read like a list of edits to make. Loading
therefore never stops at the first problem: syntax and ``extends`` problems, override
problems, schema problems, rule-expression problems and ``schedule`` problems are all
collected and raised together as one :class:`ScenarioError`.

``extends`` merging: tables merge key by key; arrays of tables whose entries all carry a
``name`` (``behaviours``, ``sources``, ``lists``, ``measures``, ...) merge *by name*: a
child entry with an inherited name updates that entry's fields, a new name is appended,
and an entry with ``remove = true`` drops the inherited entry of that name. Other arrays,
and an explicitly empty array, replace the inherited value wholesale.
"""

from __future__ import annotations

import copy
import difflib
import math
import os
import re
import stat
import tomllib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from scslab.scenario.errors import (
    KeyPath,
    PathError,
    Problem,
    ScenarioError,
    abbreviate,
    entry_segment,
    format_path,
    key_lines,
    pydantic_problems,
    raw_path,
    resolve_path,
)
from scslab.scenario.schema import Scenario

__all__ = [
    "MAGNITUDE_LIMITS",
    "MAX_DEPTH",
    "MAX_EXTENDS",
    "MAX_FILE_BYTES",
    "MAX_STRING",
    "Problem",
    "ScenarioError",
    "apply_overrides",
    "horizon_problems",
    "load_raw",
    "load_scenario",
    "load_text",
    "magnitude_problems",
    "parse_value",
    "place_problems",
    "preset_description",
    "preset_names",
    "preset_path",
    "reference_problems",
    "rule_fields",
    "size_overrides",
    "validate_file",
]

_PRESETS = Path(__file__).resolve().parent / "presets"
_EXPR_FIELDS = {"lists": ("entry", "exit", "extend_if"), "measures": ("eligible",)}

# Parsing limits (docs/reliability.md): a scenario file is data a person writes, so these are
# far above any real scenario (the largest preset is about 20 KB, 5 levels deep) and far below
# what would make parsing slow or hungry. Each is checked before the next step may cost more.
MAX_FILE_BYTES = 1 << 20  # bytes per file, checked before reading it whole
MAX_STRING = 65_536  # characters in one string value or key
MAX_DEPTH = 32  # tables and arrays inside one another (dotted keys count one level a part)
MAX_EXTENDS = 16  # files in one ``extends`` chain
MAX_ITEMS = 100_000  # values (keys and array elements) in one file
INT_MIN, INT_MAX = -(2**63), 2**63 - 1  # what the engine's int64 arrays can hold


# ---------------------------------------------------------------- presets


def preset_names() -> list[str]:
    """Names of the presets shipped with the package (sorted)."""
    return sorted(p.stem for p in _PRESETS.glob("*.toml")) if _PRESETS.is_dir() else []


def preset_path(name: str) -> Path:
    """The TOML file of preset ``name``; unknown names list the ones that exist."""
    path = _PRESETS / f"{name}.toml"
    if not re.fullmatch(r"[A-Za-z0-9_-]+", name) or not path.is_file():
        hint = difflib.get_close_matches(name, preset_names(), n=1)
        reason = f"unknown preset {name!r}" + (f"; did you mean {hint[0]!r}?" if hint else "")
        raise ScenarioError(
            [Problem(f"<preset:{name}>", "", f"{reason} (presets: {', '.join(preset_names()) or 'none'})")]
        )
    return path


def preset_description(name: str) -> str:
    """The preset's own ``description`` (not inherited), for listings."""
    data = tomllib.loads(preset_path(name).read_text(encoding="utf-8"))
    desc = data.get("description", "")
    return desc if isinstance(desc, str) else ""


# ---------------------------------------------------------------- files and extends


@dataclass
class _File:
    label: str
    path: Path
    data: dict
    lines: dict[KeyPath, int]


@dataclass
class _Ctx:
    """What is needed to place a problem: the files of the chain (child first) and overrides."""

    files: list[_File] = field(default_factory=list)
    top: str = ""
    overrides: list[tuple[KeyPath, str]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    reported: set[KeyPath] = field(default_factory=set)
    # for untrusted input: why ``extends`` may not read a parent file (None: it may)
    refuse_parent: Any = None

    def locate(self, canon: KeyPath) -> tuple[str, int | None, bool]:
        for f in self.files:
            if canon in f.lines:
                return f.label, f.lines[canon], True
        for f in self.files:  # a table-level problem: point at the table's first key
            below = [no for key, no in f.lines.items() if canon and key[: len(canon)] == canon]
            if below:
                return f.label, min(below), False
        for k in range(len(canon) - 1, 0, -1):
            for f in self.files:
                if canon[:k] in f.lines:
                    return f.label, f.lines[canon[:k]], False
        return self.top, None, False

    def add(self, canon: KeyPath, reason: str) -> None:
        self.reported.add(canon)
        label, line, exact = self.locate(canon)
        for o, origin in self.overrides:
            if canon[: len(o)] == o or (canon and not exact and o[: len(canon)] == canon):
                self.problems.append(Problem(origin, format_path(canon), reason))
                return
        self.problems.append(Problem(label, format_path(canon), reason, line))


def _is_file(path: Path) -> bool:
    """``path.is_file()`` that answers False for names the OS refuses (too long, NUL, loops)."""
    try:
        return path.is_file()
    except (OSError, ValueError, RuntimeError):
        return False


def _unreadable(path: Path) -> str | None:
    """Why the OS cannot open ``path`` other than its absence (a symlink loop, a too-long name)."""
    try:
        os.stat(path)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as e:
        return getattr(e, "strerror", None) or str(e)
    return None


def _resolve_source(source: str | Path) -> tuple[Path, str]:
    if isinstance(source, Path):
        return source, str(source)
    if source.endswith(".toml") or "/" in source or "\\" in source or _is_file(Path(source)):
        return Path(source), source
    return preset_path(source), f"<preset:{source}>"


def _resolved(path: Path) -> Path:
    """The absolute, symlink-free path (as far as it resolves: loops and odd names stay as given)."""
    try:
        return path.resolve()
    except (OSError, ValueError, RuntimeError):
        return path.absolute()


def _read_text(path: Path, label: str, ctx: _Ctx) -> str | None:
    """The file's text: at most MAX_FILE_BYTES, valid UTF-8, else a problem (with its line)."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):  # a FIFO or device would block or never end
            ctx.problems.append(Problem(label, "", "cannot read file (not a regular file)"))
            return None
        with open(path, "rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except (OSError, ValueError) as e:  # ValueError: a NUL in the name
        why = getattr(e, "strerror", None) or str(e)
        ctx.problems.append(Problem(label, "", f"cannot read file ({why})"))
        return None
    if len(raw) > MAX_FILE_BYTES:
        ctx.problems.append(
            Problem(label, "", f"file is larger than the limit of {MAX_FILE_BYTES:,} bytes (a scenario is a few KB)")
        )
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        col = e.start - (raw.rfind(b"\n", 0, e.start) + 1) + 1
        bad = raw[e.start : e.end].hex(" ")
        ctx.problems.append(Problem(label, "", f"not valid UTF-8: byte(s) {bad} at column {col}", line))
        return None


def _limit_problems(data: dict) -> list[tuple[tuple, str]]:
    """(raw path, reason) for values past the parsing limits; iterative, so depth cannot hurt."""
    found: list[tuple[tuple, str]] = []
    stack: list[tuple[tuple, Any]] = [((), data)]
    items = 0
    while stack and len(found) < 20:
        path, node = stack.pop()
        items += 1
        if items > MAX_ITEMS:
            found.append(((), f"more than {MAX_ITEMS:,} values in one file"))
            break
        if len(path) > MAX_DEPTH:
            found.append((path[:MAX_DEPTH], f"nested more than {MAX_DEPTH} levels deep"))
            continue
        if isinstance(node, dict):
            for k, v in node.items():
                if len(k) > MAX_STRING:
                    found.append((path, f"a key is longer than {MAX_STRING:,} characters"))
                    continue
                stack.append((path + (k,), v))
        elif isinstance(node, list):
            stack.extend((path + (i,), v) for i, v in enumerate(node))
        elif isinstance(node, str) and len(node) > MAX_STRING:
            found.append((path, f"text of {len(node):,} characters is longer than the limit of {MAX_STRING:,}"))
        elif isinstance(node, bool):
            continue
        elif isinstance(node, int) and not INT_MIN <= node <= INT_MAX:
            found.append((path, f"integer {abbreviate(node, 24)} does not fit in 64 bits"))
        elif isinstance(node, float) and not math.isfinite(node):
            found.append((path, f"{node} is not a finite number"))
    return found


def _read(path: Path, label: str, ctx: _Ctx, text: str | None = None) -> dict | None:
    """Parse one file (or ``text`` standing for it) within the limits; None after a problem."""
    if text is None:
        text = _read_text(path, label, ctx)
    if text is None:
        return None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        msg = str(e)
        m = re.search(r"\(at line (\d+), column (\d+)\)", msg)
        line = int(m.group(1)) if m else (text.count("\n") + 1 if "end of document" in msg else None)
        reason = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", msg)
        col = f" (column {m.group(2)})" if m else ""
        ctx.problems.append(Problem(label, "", f"TOML syntax error: {reason}{col}", line))
        return None
    except RecursionError:
        ctx.problems.append(Problem(label, "", f"arrays or inline tables nested more than {MAX_DEPTH} levels deep"))
        return None
    except ValueError as e:  # integers of more than 4,300 digits (int_max_str_digits)
        m = re.search(r"\d{4301}", text)
        line = text.count("\n", 0, m.start()) + 1 if m else None
        ctx.problems.append(Problem(label, "", f"a value cannot be read: {e}".split("; use sys.")[0], line))
        return None
    over = _limit_problems(data)
    if over:
        where = key_lines(text)
        for raw, reason in over:
            line = next((where[raw[:k]] for k in range(len(raw), 0, -1) if raw[:k] in where), None)
            ctx.problems.append(Problem(label, format_path(raw_path(data, raw)), reason, line))
        return None
    lines: dict[KeyPath, int] = {}
    for raw, no in key_lines(text).items():
        lines.setdefault(raw_path(data, raw), no)
    ctx.files.append(_File(label, path, data, lines))
    return data


def _load_chain(path: Path, label: str, ctx: _Ctx, stack: list[tuple[Path, str]], text: str | None = None) -> dict:
    """Load ``path`` (or ``text`` standing for it) and, recursively, what it extends; return the merged dict."""
    data = _read(path, label, ctx, text)
    if data is None:
        return {}
    me = ctx.files[-1]
    data = dict(data)
    parent = data.pop("extends", None)
    if parent is None:
        return copy.deepcopy(data)
    line = me.lines.get(("extends",))
    if not isinstance(parent, str) or not parent:
        ctx.problems.append(Problem(label, "extends", "must be a preset name or a file path", line))
        return copy.deepcopy(data)
    if parent.endswith(".toml") or "/" in parent or "\\" in parent:
        ppath = Path(parent) if ctx.refuse_parent else Path(parent).expanduser()
        if not ppath.is_absolute():
            ppath = path.parent / ppath  # relative to the child file, not the working directory
        plabel = _shipped_label(ppath) or str(ppath)
    elif re.fullmatch(r"[A-Za-z0-9_-]{1,100}", parent):
        ppath, plabel = _PRESETS / f"{parent}.toml", f"<preset:{parent}>"
    else:
        hint = difflib.get_close_matches(parent, preset_names(), n=1)
        reason = f"unknown preset {abbreviate(parent, 60)}" + (f"; did you mean {hint[0]!r}?" if hint else "")
        ctx.problems.append(Problem(label, "extends", reason, line))
        return copy.deepcopy(data)
    key = _resolved(ppath)
    seen = [p for p, _ in stack]
    if key in seen:
        cycle = [lab for _, lab in stack[seen.index(key) :]] + [plabel]
        ctx.problems.append(Problem(label, "extends", "circular extends: " + " -> ".join(cycle), line))
        return copy.deepcopy(data)
    if len(stack) >= MAX_EXTENDS:
        ctx.problems.append(
            Problem(label, "extends", f"extends chain longer than {MAX_EXTENDS} files (from {stack[0][1]})", line)
        )
        return copy.deepcopy(data)
    why = ctx.refuse_parent(ppath, plabel) if ctx.refuse_parent else None
    if why:
        ctx.problems.append(Problem(label, "extends", why, line))
        return copy.deepcopy(data)
    unreadable = _unreadable(ppath)
    if unreadable and not plabel.startswith("<preset:"):
        ctx.problems.append(
            Problem(label, "extends", f"parent file cannot be read: {abbreviate(parent, 120)} ({unreadable})", line)
        )
        return copy.deepcopy(data)
    if not _is_file(ppath):
        what = "preset" if plabel.startswith("<preset:") else "file"
        shown = abbreviate(str(ppath), 120)
        ctx.problems.append(
            Problem(
                label,
                "extends",
                f"parent {what} not found: {abbreviate(parent, 120)}"
                + (f" (looked for {shown})" if what == "file" else ""),
                line,
            )
        )
        return copy.deepcopy(data)
    base = _load_chain(ppath, plabel, ctx, stack + [(key, plabel)])
    return _merge(base, data, (), me, ctx)


def _shipped_label(path: Path) -> str | None:
    """``<preset:base/china-judicial>`` for a file shipped with the presets (trusted like a
    preset, so untrusted input may extend a preset that extends a shared base), else None."""
    where, root = _resolved(path), _resolved(_PRESETS)
    if root in where.parents and where.suffix == ".toml":
        return f"<preset:{where.relative_to(root).with_suffix('').as_posix()}>"
    return None


def _named(items: Any) -> bool:
    return isinstance(items, list) and all(isinstance(e, dict) and isinstance(e.get("name"), str) for e in items)


def _merge(parent: dict, child: dict, path: KeyPath, me: _File, ctx: _Ctx) -> dict:
    """Deep-merge ``child`` over ``parent`` (both left untouched); see the module doc."""
    out = copy.deepcopy(parent)
    for k, v in child.items():
        pv = out.get(k)
        if isinstance(pv, dict) and isinstance(v, dict):
            out[k] = _merge(pv, v, path + (k,), me, ctx)
        elif v and _named(v) and (pv is None or _named(pv)):
            out[k] = _merge_named(pv or [], v, path + (k,), me, ctx)
        else:
            out[k] = copy.deepcopy(v)
    return out


def _merge_named(parent: list, child: list, path: KeyPath, me: _File, ctx: _Ctx) -> list:
    out = copy.deepcopy(parent)
    for entry in child:
        entry = dict(entry)
        remove = entry.pop("remove", False)
        names = [e["name"] for e in out]
        at = names.index(entry["name"]) if entry["name"] in names else None
        if remove is True:
            if at is None:
                canon = path + (("name", entry["name"]), "remove")
                ctx.problems.append(
                    Problem(
                        me.label,
                        format_path(canon),
                        "remove = true but no inherited entry has this name",
                        me.lines.get(canon),
                    )
                )
            else:
                del out[at]
        elif at is None:
            out.append(copy.deepcopy(entry))
        else:
            out[at] = _merge(out[at], entry, path + (("name", entry["name"]),), me, ctx)
    return out


def load_raw(source: str | Path) -> tuple[dict, Path | None]:
    """The merged dict after resolving ``extends`` (before validation) and the top file."""
    ctx = _Ctx()
    data, path = _load(source, ctx)
    if ctx.problems:
        raise ScenarioError(ctx.problems)
    return data, path


def _load(source: str | Path, ctx: _Ctx) -> tuple[dict, Path | None]:
    path, label = _resolve_source(source)
    ctx.top = label
    return _load_chain(path, label, ctx, [(_resolved(path), label)]), path


# ---------------------------------------------------------------- overrides


def parse_value(text: str) -> Any:
    """A ``--set`` value as a TOML value (``1``, ``0.5``, ``true``, ``[1, 2]``), else a bare string."""
    try:
        doc = tomllib.loads(f"v = {text}")
    except tomllib.TOMLDecodeError:
        return text
    return doc["v"] if list(doc) == ["v"] else text


def _apply(data: dict, items: Iterable[tuple[str, Any]], origin: str, ctx: _Ctx) -> None:
    for dotted, value in items:
        try:
            node, key, canon = resolve_path(data, str(dotted).strip().split("."), create=True)
        except PathError as e:
            ctx.problems.append(Problem(origin, str(dotted).strip(), str(e)))
            continue
        old = node.get(key) if isinstance(node, dict) else node[key]
        node[key] = (
            _merge(old, value, (), _File(origin, Path(), {}, {}), ctx)
            if isinstance(old, dict) and isinstance(value, dict)
            else copy.deepcopy(value)
        )
        ctx.overrides.append((canon, origin))


def _split_overrides(overrides: Iterable[str], origin: str, ctx: _Ctx) -> list[tuple[str, Any]]:
    items = []
    for text in overrides:
        path, eq, value = str(text).partition("=")
        if not eq:
            ctx.problems.append(Problem(origin, path.strip(), "expected PATH=VALUE"))
        else:
            items.append((path, parse_value(value.strip())))
    return items


def size_overrides(
    *, n: int | None = None, seed: int | None = None, days: int | None = None, years: float | None = None
) -> list[str]:
    """The ``--n/--seed/--days/--years`` arguments as overrides (``years`` wins over ``days``),
    so that ``Sim``, the lab and the command line size a run the same way."""
    out = []
    if n is not None:
        out.append(f"population.n={int(n)}")
    if seed is not None:
        out.append(f"sim.seed={int(seed)}")
    if years is not None:
        days = int(round(years * 365))
    if days is not None:
        out.append(f"sim.days={int(days)}")
    return out


def apply_overrides(data: dict, overrides: Iterable[str], origin: str = "--set") -> dict:
    """A copy of ``data`` with ``"a.b.c=value"`` overrides applied (entries by name or index).

    Only the path's reachability is checked here; unknown keys surface at validation.
    """
    ctx = _Ctx(top=origin)
    out = copy.deepcopy(data)
    _apply(out, _split_overrides(overrides, origin, ctx), origin, ctx)
    if ctx.problems:
        raise ScenarioError(ctx.problems)
    return out


# ---------------------------------------------------------------- validation


def _validate(data: dict, lenient: bool = False) -> tuple[Scenario | None, list[tuple[KeyPath, str]]]:
    try:
        return Scenario.model_validate(data), []
    except ValidationError as err:
        return None, pydantic_problems(err, data, lenient)


def rule_fields(data: dict) -> list[tuple[KeyPath, str]]:
    """Every rule expression of a (merged, raw) scenario: (canonical path, text).

    Rules live in ``lists`` (entry, exit, extend_if) and ``measures`` (eligible), and in
    ``schedule[i].set`` values whose key names one of those fields (``lists.x.entry``).
    """
    out: list[tuple[KeyPath, str]] = []
    for section, names in _EXPR_FIELDS.items():
        entries = data.get(section)
        for i, entry in enumerate(entries if isinstance(entries, list) else []):
            for name in names:
                text = entry.get(name) if isinstance(entry, dict) else None
                if isinstance(text, str):
                    out.append(((section, entry_segment(entry, i), name), text))
    items = data.get("schedule")
    for i, item in enumerate(items if isinstance(items, list) else []):
        sets = item.get("set") if isinstance(item, dict) else None
        for key, value in sets.items() if isinstance(sets, dict) else []:
            parts = str(key).split(".")
            if len(parts) == 3 and parts[2] in _EXPR_FIELDS.get(parts[0], ()) and isinstance(value, str):
                out.append((("schedule", ("idx", i), "set", key), value))
    return out


def _check_expressions(data: dict, ctx: _Ctx) -> None:
    """Syntax-check every rule now, so a typo fails at load time rather than mid-run.

    Names are not checked here: which attributes exist is the engine's business (the command
    line passes that check in ``checks``, see ``scslab.cli.checks``).
    """
    from scslab.scenario.expr import compile_expr  # lazy: numpy only when a scenario is checked

    for canon, text in rule_fields(data):
        if canon in ctx.reported:
            continue
        try:
            compile_expr(text)
        except (ValueError, RecursionError) as e:  # ExprError is a ValueError
            where = getattr(e, "position", None)
            at = f" (column {where + 1})" if isinstance(where, int) and where >= 0 else ""
            ctx.add(canon, f"bad expression {abbreviate(text, 60)}: {getattr(e, 'message', e)}{at}")


def reference_problems(data: dict, scenario: Scenario | None) -> list[tuple[KeyPath, str]]:
    """Names the epidemic and letters settings refer to that the scenario lacks (the engine
    would otherwise stop while initialising)."""
    if scenario is None:
        return []
    found: list[tuple[KeyPath, str]] = []
    behaviours = [b.name for b in scenario.behaviours]
    sources = [x.name for x in scenario.sources]
    ep = scenario.epidemic
    if ep.enabled:
        for name, known, what in (
            ("violation_behaviour", behaviours, "behaviour"),
            ("case_record_behaviour", behaviours, "behaviour"),
            ("case_record_source", sources, "source"),
        ):
            value = getattr(ep, name)
            if value is not None and value not in known:
                found.append((("epidemic", name), f"unknown {what} {value!r} (have: {', '.join(known) or 'none'})"))
        if (ep.case_record_behaviour is None) != (ep.case_record_source is None):
            missing = "case_record_source" if ep.case_record_source is None else "case_record_behaviour"
            found.append((("epidemic", missing), "case_record_behaviour and case_record_source go together"))
    if scenario.letters.enabled:
        obligations = [b.name for b in scenario.behaviours if b.kind == "obligation"]
        if scenario.letters.behaviour not in obligations:
            found.append(
                (
                    ("letters", "behaviour"),
                    f"{scenario.letters.behaviour!r} is not an obligation of this scenario "
                    f"(obligations: {', '.join(obligations) or 'none'})",
                )
            )
    return found


def horizon_problems(data: dict, scenario: Scenario | None) -> list[tuple[KeyPath, str]]:
    """Configured days the run never reaches: each would be a silent no-op.

    Checked: ``schedule`` entries, ``letters.send_days``, measures' ``from_day`` (an agency
    joining) and ``epidemic.start_day``, each against ``sim.days`` (days 0 .. days-1). The
    command line applies it to ``validate`` and ``run``; the Python API does not, so a short
    test run of a long preset stays possible there.
    """
    if scenario is None:  # the scenario did not validate: check what the raw data says
        return _raw_horizon(data)
    days = scenario.sim.days
    found: list[tuple[KeyPath, str]] = []
    raw = data.get("schedule")
    raw_items: list[Any] = raw if isinstance(raw, list) else []
    for i, item in enumerate(scenario.schedule):
        if item.day >= days:
            seg = entry_segment(raw_items[i] if i < len(raw_items) else None, i)
            found.append((("schedule", seg, "day"), _beyond(item.day, days, "this schedule entry would never apply")))
    if scenario.letters.enabled:
        bad = sorted(d for d in scenario.letters.send_days if d >= days)
        if bad:
            what = "no letter would go out" if len(bad) == len(scenario.letters.send_days) else "letters not sent"
            also = f" (also day(s) {', '.join(map(str, bad[1:]))})" if bad[1:] else ""
            found.append((("letters", "send_days"), _beyond(bad[0], days, what) + also))
    for m in scenario.measures:
        if m.from_day >= days:
            found.append(
                (("measures", ("name", m.name), "from_day"), _beyond(m.from_day, days, "the agency would never join"))
            )
    if scenario.epidemic.enabled and scenario.epidemic.start_day >= days:
        found.append((("epidemic", "start_day"), _beyond(scenario.epidemic.start_day, days, "no outbreak")))
    return found


def _beyond(day: int, days: int, what: str) -> str:
    return (
        f"day {day:,} is outside the run's horizon of {days:,} days (sim.days; days 0-{days - 1:,}): "
        f"{what}; run longer (--days/--years) or change the day"
    )


def _raw_horizon(data: dict) -> list[tuple[KeyPath, str]]:
    """The schedule and measure days of a scenario that did not validate, as far as they are plain."""
    sim = data.get("sim")
    days = sim.get("days", 365) if isinstance(sim, dict) else 365
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        return []
    found: list[tuple[KeyPath, str]] = []
    for section, key, what in (
        ("schedule", "day", "this schedule entry would never apply"),
        ("measures", "from_day", "the agency would never join"),
    ):
        items = data.get(section)
        for i, item in enumerate(items if isinstance(items, list) else []):
            day = item.get(key) if isinstance(item, dict) else None
            if isinstance(day, int) and not isinstance(day, bool) and day >= days:
                found.append(((section, entry_segment(item, i), key), _beyond(day, days, what)))
    return found


# Upper bounds for the fields the schema leaves open above: far beyond any real value, and low
# enough that the engine's float64 arithmetic (incomes x months x agents x scale) cannot overflow.
MAGNITUDE_LIMITS: dict[str, float] = {
    "population.scale": 1e10,
    "population.income_median_per_year": 1e9,
    "population.savings_months_mean": 1200.0,
    "population.honesty_alpha": 1e4,
    "population.honesty_beta": 1e4,
    "model.subsistence_per_year": 1e9,
    "model.peer_household": 1e3,
    "model.peer_work": 1e3,
    "model.peer_friends": 1e3,
    "scoring.start": 1e9,
    "scoring.min": 1e9,
    "scoring.max": 1e9,
    "scoring.annual_bonus": 1e9,
}


def magnitude_problems(data: dict, scenario: Scenario | None) -> list[tuple[KeyPath, str]]:
    """Values the schema accepts but the engine's arithmetic cannot carry (``income = 1e308``)."""
    if scenario is None:
        return []
    found: list[tuple[KeyPath, str]] = []

    def check(path: KeyPath, value: float, limit: float) -> None:
        if abs(value) > limit:
            found.append(
                (path, f"{value:g} is beyond the limit of {limit:g} (magnitudes above it overflow the engine)")
            )

    for dotted, limit in MAGNITUDE_LIMITS.items():
        section, name = dotted.split(".")
        check((section, name), float(getattr(getattr(scenario, section), name)), limit)
    for i, band in enumerate(scenario.scoring.bands):
        check(("scoring", "bands", ("name", band.name) if band.name else ("idx", i), "min"), float(band.min), 1e9)
    for m in scenario.measures:
        check(("measures", ("name", m.name), "benefit"), float(m.benefit), 1e9)
    return found


Check = Callable[[dict, "Scenario | None"], Iterable[tuple[KeyPath, str]]]


# What a run cannot change half-way: the population and the run itself, which entries
# exist, and the fields that decide how an entry's state is kept (a list's subjects, a
# measure's list, blocks and links, a behaviour's kind and subjects, the kind of score).
_FROZEN_TOP = ("population", "sim", "schedule", "extends", "name", "description", "indicators", "services")
_FROZEN_FIELDS = {
    "scoring": {"kind", "subjects", "opt_in_share", "dimensions"},
    "behaviours": {"name", "kind", "subject", "domain", "adults_only"},
    "sources": {"name"},
    "lists": {"name", "type", "subjects", "domain"},
    "measures": {"name", "list", "kind", "blocks", "applies_to"},
    "epidemic": {"enabled"},
    "letters": {"enabled"},
}


def frozen_reason(key: str) -> str | None:
    """Why a ``schedule`` key may not change mid-run (None if it may)."""
    parts = key.split(".")
    if parts[0] in _FROZEN_TOP:
        return f"'{parts[0]}' cannot change during a run"
    fields = _FROZEN_FIELDS.get(parts[0], set())
    if len(parts) == 1 and parts[0] in ("behaviours", "sources", "lists", "measures"):
        return f"entries of '{parts[0]}' cannot be added or removed during a run"
    field = parts[1] if parts[0] in ("scoring", "epidemic", "letters") else (parts[2] if len(parts) > 2 else None)
    if len(parts) == 2 and parts[0] in ("behaviours", "sources", "lists", "measures"):
        return f"entries of '{parts[0]}' cannot be added or removed during a run"
    if field in fields:
        return f"'{field}' of {parts[0]} cannot change during a run"
    return None


def _check_schedule(data: dict, ctx: _Ctx) -> None:
    """Each ``schedule[i].set`` key must name a field that accepts the value and may change mid-run."""
    items = data.get("schedule")
    if not isinstance(items, list) or not items:
        return
    base = {k: v for k, v in data.items() if k != "schedule"}
    known = set(_validate(base)[1])
    for i, item in enumerate(items):
        sets = item.get("set") if isinstance(item, dict) else None
        for key, value in sets.items() if isinstance(sets, dict) else []:
            where = ("schedule", ("idx", i), "set", key)
            if where in ctx.reported:
                continue  # already wrong as a value, whatever it targets
            why = frozen_reason(key)
            if why:
                ctx.add(where, why)
                continue
            trial = copy.deepcopy(base)
            try:
                node, k, _ = resolve_path(trial, key.split("."), create=True)
                node[k] = value
            except PathError as e:
                ctx.add(where, str(e))
                continue
            for canon, reason in _validate(trial)[1]:
                if (canon, reason) not in known:
                    same = format_path(canon) == key
                    ctx.add(where, reason if same else f"{format_path(canon)}: {reason}")


def place_problems(source: str | Path, overrides: Iterable[str], found: Iterable[tuple[tuple, str]]) -> list[Problem]:
    """Turn (canonical path, reason) pairs found later -- e.g. by the engine, which knows which
    attribute names exist -- into Problems with the file and line the loader would give them."""
    ctx = _Ctx()
    data, _ = _load(source, ctx)
    _apply(data, _split_overrides(overrides, "--set", ctx), "--set", ctx)
    ctx.problems.clear()
    for canon, reason in found:
        ctx.add(canon, reason)
    return list(ctx.problems)


def load_scenario(
    source: str | Path,
    overrides: Iterable[str] = (),
    *,
    extra: dict | None = None,
    checks: Sequence[Check] = (),
    trusted: bool = True,
) -> Scenario:
    """Load, merge, override and validate a scenario; raise one error listing every problem.

    ``source`` is a preset name or a file path. ``overrides`` are ``"a.b.c=value"`` strings
    (values parsed as TOML). ``extra`` maps dotted paths (or nested tables) to already-typed
    values, e.g. one point of a sweep; it is applied after ``overrides``. ``checks`` are more
    checks ``f(data, scenario_or_None) -> [(path, reason)]`` whose findings join the loader's
    own, placed at their file and line (the command line adds the engine's rule names, the
    indicator names and :func:`horizon_problems`). ``trusted=False`` (input from a browser or
    another person): ``extends`` may name presets and files under the scenario's own folder only.
    """
    ctx = _Ctx()
    if not trusted:
        ctx.refuse_parent = _confine(source)
    data, _ = _load(source, ctx)
    return _finish(data, ctx, overrides, extra, checks)


def load_text(
    text: str,
    overrides: Iterable[str] = (),
    *,
    label: str = "<input>",
    extra: dict | None = None,
    checks: Sequence[Check] = (),
) -> Scenario:
    """A scenario from untrusted TOML text (a browser, a request body): the same limits and
    checks as a file, and ``extends`` may name presets only (never a file)."""
    ctx = _Ctx(top=label)
    ctx.refuse_parent = lambda path, plabel: (
        None if plabel.startswith("<preset:") else "only a preset may be extended here, not a file"
    )
    data = _load_text(text, label, ctx)
    return _finish(data, ctx, overrides, extra, checks)


def _confine(source: str | Path) -> Callable[[Path, str], str | None]:
    """A refuse_parent for untrusted files: presets, or files under the top file's folder."""
    try:
        top, _ = _resolve_source(source)
    except ScenarioError:
        top = Path(".")
    root = _resolved(top).parent

    def refuse(path: Path, plabel: str) -> str | None:
        if plabel.startswith("<preset:"):
            return None
        where = _resolved(path if path.is_absolute() else root / path)
        if where == root or root in where.parents:
            return None
        return f"extends may name a preset or a file under {root.name or root}/ only (untrusted input)"

    return refuse


def _load_text(text: str, label: str, ctx: _Ctx) -> dict:
    """Like reading a file, for text held in memory."""
    encoded = text.encode("utf-8", "surrogatepass")
    if len(encoded) > MAX_FILE_BYTES:
        ctx.problems.append(Problem(label, "", f"text is larger than the limit of {MAX_FILE_BYTES:,} bytes"))
        return {}
    return _load_chain(Path(label), label, ctx, [(Path(label), label)], text)


def _finish(data: dict, ctx: _Ctx, overrides: Iterable[str], extra: dict | None, checks: Sequence[Check]) -> Scenario:
    lenient = bool(ctx.problems)
    _apply(data, _split_overrides(overrides, "--set", ctx), "--set", ctx)
    if extra:
        _apply(data, list(extra.items()), "extra", ctx)
    over = _limit_problems(data)  # overrides and extra pass the file limits too
    for raw, reason in over:
        ctx.add(tuple(s for s in raw if isinstance(s, str)), reason)
    if over:
        raise ScenarioError(ctx.problems)
    scenario, found = _validate(data, lenient)
    for canon, reason in found:
        ctx.add(canon, reason)
    _check_expressions(data, ctx)
    _check_schedule(data, ctx)
    for check in (reference_problems, magnitude_problems, *checks):
        for canon, reason in check(data, scenario):
            if canon not in ctx.reported:
                ctx.add(canon, reason)
    if ctx.problems or scenario is None:
        raise ScenarioError(ctx.problems)
    return scenario


def validate_file(path: str | Path) -> list[Problem]:
    """Every problem of a scenario file or preset; ``[]`` when it is valid."""
    try:
        load_scenario(path)
    except ScenarioError as e:
        return e.problems
    return []
