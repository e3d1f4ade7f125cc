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
import re
import tomllib
from collections.abc import Iterable
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
    "Problem",
    "ScenarioError",
    "apply_overrides",
    "load_raw",
    "load_scenario",
    "parse_value",
    "place_problems",
    "preset_description",
    "preset_names",
    "preset_path",
    "validate_file",
]

_PRESETS = Path(__file__).resolve().parent / "presets"
_EXPR_FIELDS = {"lists": ("entry", "exit", "extend_if"), "measures": ("eligible",)}


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


def _resolve_source(source: str | Path) -> tuple[Path, str]:
    if isinstance(source, Path):
        return source, str(source)
    if source.endswith(".toml") or "/" in source or "\\" in source or Path(source).is_file():
        return Path(source), source
    return preset_path(source), f"<preset:{source}>"


def _read(path: Path, label: str, ctx: _Ctx) -> dict | None:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        ctx.problems.append(Problem(label, "", f"cannot read file ({e.strerror or e})"))
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
    lines: dict[KeyPath, int] = {}
    for raw, no in key_lines(text).items():
        lines.setdefault(raw_path(data, raw), no)
    ctx.files.append(_File(label, path, data, lines))
    return data


def _load_chain(path: Path, label: str, ctx: _Ctx, stack: list[tuple[Path, str]]) -> dict:
    """Load ``path`` and, recursively, what it extends; return the merged dict."""
    data = _read(path, label, ctx)
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
        ppath = Path(parent).expanduser()
        if not ppath.is_absolute():
            ppath = path.parent / ppath  # relative to the child file, not the working directory
        plabel = str(ppath)
    else:
        ppath, plabel = _PRESETS / f"{parent}.toml", f"<preset:{parent}>"
    key = ppath.resolve()
    seen = [p for p, _ in stack]
    if key in seen:
        cycle = [lab for _, lab in stack[seen.index(key) :]] + [plabel]
        ctx.problems.append(Problem(label, "extends", "circular extends: " + " -> ".join(cycle), line))
        return copy.deepcopy(data)
    if not ppath.is_file():
        what = "preset" if plabel.startswith("<preset:") else "file"
        ctx.problems.append(
            Problem(
                label,
                "extends",
                f"parent {what} not found: {parent!r}" + (f" (looked for {ppath})" if what == "file" else ""),
                line,
            )
        )
        return copy.deepcopy(data)
    base = _load_chain(ppath, plabel, ctx, stack + [(key, plabel)])
    return _merge(base, data, (), me, ctx)


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
    return _load_chain(path, label, ctx, [(path.resolve(), label)]), path


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


def _check_expressions(data: dict, ctx: _Ctx) -> None:
    """Syntax-check every rule now, so a typo fails at load time rather than mid-run.

    Names are not checked here: which attributes exist is the engine's business.
    """
    from scslab.scenario.expr import compile_expr  # lazy: numpy only when a scenario is checked

    for section, names in _EXPR_FIELDS.items():
        entries = data.get(section)
        for i, entry in enumerate(entries if isinstance(entries, list) else []):
            for name in names:
                text = entry.get(name) if isinstance(entry, dict) else None
                if not isinstance(text, str):
                    continue
                try:
                    compile_expr(text)
                except (ValueError, RecursionError) as e:  # ExprError is a ValueError
                    where = getattr(e, "position", None)
                    at = f" (column {where + 1})" if isinstance(where, int) and where >= 0 else ""
                    ctx.add(
                        (section, entry_segment(entry, i), name),
                        f"bad expression {abbreviate(text, 60)}: {getattr(e, 'message', e)}{at}",
                    )


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


def load_scenario(source: str | Path, overrides: Iterable[str] = (), *, extra: dict | None = None) -> Scenario:
    """Load, merge, override and validate a scenario; raise one error listing every problem.

    ``source`` is a preset name or a file path. ``overrides`` are ``"a.b.c=value"`` strings
    (values parsed as TOML). ``extra`` maps dotted paths (or nested tables) to already-typed
    values, e.g. one point of a sweep; it is applied after ``overrides``.
    """
    ctx = _Ctx()
    data, _ = _load(source, ctx)
    lenient = bool(ctx.problems)
    _apply(data, _split_overrides(overrides, "--set", ctx), "--set", ctx)
    if extra:
        _apply(data, list(extra.items()), "extra", ctx)
    scenario, found = _validate(data, lenient)
    for canon, reason in found:
        ctx.add(canon, reason)
    _check_expressions(data, ctx)
    _check_schedule(data, ctx)
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
