"""What a request may ask for: a preset by name plus overrides of documented fields.

Why so narrow: a server must never load a file it was sent, follow an ``extends`` to a path,
or compile a rule expression someone typed. A request therefore names a shipped preset
and changes only fields whose value is a plain number or flag in the scenario schema
(``policy.detection_scale``, ``sources.camera.coverage_urban``, ...); strings (rule
expressions, names, kinds) and whole tables are refused. Everything else is the loader's
ordinary validation, so a server request and ``scslab run --set`` disagree on nothing but
what may be touched.

Every problem comes back at once as ``(field, reason)`` pairs; the API answers them with
``422``. This module is the one place that turns untrusted JSON into a :class:`Scenario`.
It loads through the scenario package's loader for untrusted input (``trusted=False``) with
the command line's checks (``cli.checks.scenario_checks``), so a request is refused for
everything ``scslab run`` would refuse.
"""

from __future__ import annotations

import functools
import inspect
import json
import math
import re
import types
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field

from scslab.web.limits import Limits

__all__ = [
    "CompareRequest",
    "CompareSpec",
    "InputError",
    "RunRequest",
    "RunSpec",
    "ScheduledChange",
    "build_compare",
    "build_scenario",
    "documented_reason",
    "preset_data",
]

Value = bool | int | float
#: ``schedule.3.set.x`` (or ``schedule[3]...``) as the loader spells a problem's path: index, rest
_SCHEDULE_PATH = re.compile(r"^schedule(?:\[(\d+)\]|\.(\d+))(.*)$")
#: set by the request's own keys (n, years, seed), never through ``set``
_OWN_KEYS = {"population.n": "n", "sim.days": "years", "sim.seed": "seed"}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class ScheduledChange(_Strict):
    """A timed change: from ``day`` on, the overrides in ``set`` apply."""

    day: int = Field(ge=0)
    set: dict[str, Value] = Field(min_length=1)


class RunRequest(_Strict):
    """``POST /api/runs``: a preset, its size and overrides of documented fields."""

    scenario: str = Field(min_length=1, max_length=64)
    n: int | None = Field(None, ge=10)
    years: float | None = Field(None, gt=0)
    seed: int | None = Field(None, ge=0, le=2**63 - 1)
    set: dict[str, Value] = Field(default_factory=dict)
    schedule: list[ScheduledChange] = Field(default_factory=list)


class CompareRequest(_Strict):
    """``POST /api/compare``: two stored runs (``a``, ``b``), or a lab experiment.

    The experiment form runs ``scenario`` twice per replicate, once as it is (the baseline) and
    once with ``reform_set`` applied, ``runs`` replicates each under common random numbers.
    """

    a: str | None = Field(None, max_length=64)
    b: str | None = Field(None, max_length=64)
    scenario: str | None = Field(None, min_length=1, max_length=64)
    n: int | None = Field(None, ge=10)
    years: float | None = Field(None, gt=0)
    seed: int | None = Field(None, ge=0, le=2**63 - 1)
    set: dict[str, Value] = Field(default_factory=dict)
    reform_set: dict[str, Value] = Field(default_factory=dict)
    runs: int = Field(3, ge=2)


class InputError(Exception):
    """Every problem of a request at once, as ``(field, reason)`` pairs (answered with 422)."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(f"{f}: {r}" for f, r in self.problems))


@dataclass
class RunSpec:
    """A validated request: the scenario as JSON (what a worker process rebuilds) and what was asked."""

    scenario: dict[str, Any]
    preset: str
    n: int
    days: int
    seed: int
    overrides: dict[str, Value] = field(default_factory=dict)
    schedule: list[dict[str, Any]] = field(default_factory=list)

    @property
    def agent_days(self) -> int:
        return self.n * self.days


# ---------------------------------------------------------------------------- documented fields


def _unwrap(t: Any) -> Any:
    """``X | None`` -> ``X`` (only optional unions; a real union stays as it is)."""
    if get_origin(t) in (Union, types.UnionType):
        args = [a for a in get_args(t) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return t


def _is_model(t: Any) -> bool:
    return inspect.isclass(t) and issubclass(t, BaseModel)


def _scalar(t: Any) -> bool:
    return t in (bool, int, float)


def documented_reason(path: str, preset_data: dict[str, Any]) -> str | None:
    """Why ``path`` may not be set by a request (``None`` when it may).

    A documented field is one the scenario schema declares with a number or flag type:
    reached through tables, entries of the preset's own lists by name (no new entries) and
    existing keys of a number table (``sources.camera.detects.traffic_violation``).
    """
    from scslab.scenario.schema import Scenario

    if path in _OWN_KEYS:
        return f"set with the request's own key {_OWN_KEYS[path]!r}"
    parts = path.split(".")
    if not all(parts) or len(parts) > 6:
        return "not a field path (dot-separated names)"
    t: Any = Scenario
    node: Any = preset_data
    i = 0
    while i < len(parts):
        p = parts[i]
        if not _is_model(t) or p not in t.model_fields:
            return "not a documented scenario field"
        ann = _unwrap(t.model_fields[p].annotation)
        node = node.get(p) if isinstance(node, dict) else None
        origin = get_origin(ann)
        last = i == len(parts) - 1
        if _scalar(ann):
            return None if last else "a value, not a table"
        if _is_model(ann):
            if last:
                return "a whole table cannot be set; set one of its fields"
            t = ann
        elif origin is list and _is_model(get_args(ann)[0]):
            if last or len(parts) < i + 3:
                return "entries cannot be added, removed or replaced; set one field of an entry by name"
            names = [e.get("name") for e in node or [] if isinstance(e, dict)]
            if parts[i + 1] not in names:
                return f"no entry {parts[i + 1]!r} in {p} (have: {', '.join(map(str, names)) or 'none'})"
            node = next(e for e in node if isinstance(e, dict) and e.get("name") == parts[i + 1])
            t = get_args(ann)[0]
            i += 2
            continue
        elif origin is dict and _scalar(_unwrap(get_args(ann)[1])):
            if len(parts) != i + 2:
                return "set one key of this number table, e.g. " + ".".join(parts[: i + 1]) + ".KEY"
            have = list(node or {})
            if parts[i + 1] not in have:
                return f"no key {parts[i + 1]!r} in {'.'.join(parts[: i + 1])} (have: {', '.join(have) or 'none'})"
            return None
        else:
            return "text and lists (rule expressions, names, kinds) cannot be set through the server"
        i += 1
    return "not a documented scenario field"


def _check_value(field_name: str, v: Any, problems: list[tuple[str, str]]) -> None:
    if isinstance(v, float) and not math.isfinite(v):
        problems.append((field_name, "must be a finite number"))


# ---------------------------------------------------------------------------- building


@functools.lru_cache(maxsize=64)
def _preset_json(name: str) -> str:
    from scslab.scenario.loader import load_scenario

    return json.dumps(load_scenario(name).model_dump(mode="json"))


def preset_data(name: str) -> dict[str, Any]:
    """The preset as validated JSON data (defaults filled in), a fresh copy each call."""
    return json.loads(_preset_json(name))


def _canon(path: str, data: dict[str, Any]) -> str:
    """The loader's readable form of a dotted path (``sources[camera].coverage_urban``)."""
    from scslab.scenario.errors import PathError, format_path, resolve_path

    try:
        return format_path(resolve_path(data, path.split("."), create=False)[2])
    except PathError:
        return path


def build_scenario(
    scenario: str,
    *,
    n: int | None,
    years: float | None,
    seed: int | None,
    overrides: dict[str, Any],
    schedule: Sequence[ScheduledChange] | Sequence[dict[str, Any]] = (),
    limits: Limits,
    field_prefix: str = "",
) -> RunSpec:
    """Validate a request against the presets, the documented fields and the server limits.

    Raises :class:`InputError` listing every problem (field paths as the request spells them).
    """
    from scslab.cli.checks import scenario_checks
    from scslab.scenario.errors import ScenarioError
    from scslab.scenario.loader import load_scenario, preset_names

    pre = field_prefix
    problems: list[tuple[str, str]] = []
    if scenario not in preset_names():
        raise InputError([(f"{pre}scenario", f"unknown preset {scenario!r} (presets: {', '.join(preset_names())})")])
    raw = preset_data(scenario)
    if n is not None and n > limits.max_n:
        problems.append((f"{pre}n", f"{n:,} persons exceeds the server limit max_n = {limits.max_n:,}"))
    if years is not None and years > limits.max_years:
        problems.append((f"{pre}years", f"{years:g} years exceeds the server limit max_years = {limits.max_years:g}"))
    if len(overrides) > limits.max_overrides:
        problems.append((f"{pre}set", f"{len(overrides)} overrides exceeds the server limit max_overrides"))
    items = [s if isinstance(s, dict) else s.model_dump() for s in schedule]
    if len(items) > limits.max_schedule:
        problems.append((f"{pre}schedule", f"{len(items)} timed changes exceeds the server limit max_schedule"))
    for path, v in overrides.items():
        why = documented_reason(path, raw)
        if why:
            problems.append((f"{pre}set.{path}", why))
        _check_value(f"{pre}set.{path}", v, problems)
    for k, it in enumerate(items):
        for path, v in it["set"].items():
            why = documented_reason(path, raw)
            if why:
                problems.append((f"{pre}schedule.{k}.set.{path}", why))
            _check_value(f"{pre}schedule.{k}.set.{path}", v, problems)
    if problems:
        raise InputError(problems)

    extra: dict[str, Any] = dict(overrides)
    if n is not None:
        extra["population.n"] = int(n)
    if years is not None:
        extra["sim.days"] = max(1, int(round(years * 365)))
    if seed is not None:
        extra["sim.seed"] = int(seed)
    if items:
        extra["schedule"] = list(raw.get("schedule") or []) + [{"day": it["day"], "set": it["set"]} for it in items]
    back = {_canon(p, raw): f"{pre}set.{p}" for p in overrides}
    back.update({"population.n": f"{pre}n", "sim.days": f"{pre}years", "sim.seed": f"{pre}seed"})
    first = len(raw.get("schedule") or [])  # the request's timed changes follow the preset's own
    try:
        # the command line's own checks (rule and indicator names), as for `scslab run`; the horizon
        # check is left out: a preset's own later changes may lie beyond a shorter web run (the
        # request's timed changes are checked against it below)
        sc = load_scenario(scenario, extra=extra, checks=scenario_checks(horizon=False), trusted=False)
    except ScenarioError as e:
        out = []
        for p in e.problems:
            where = back.get(p.path)
            m = _SCHEDULE_PATH.match(p.path or "")
            if where is None and m and int(m[1] or m[2]) >= first:
                rest = m[3].replace("[", ".").replace("]", "")
                where = f"{pre}schedule.{int(m[1] or m[2]) - first}{rest}"
            out.append((where or pre + (p.path or "scenario"), p.reason))
        raise InputError(out) from None
    days = sc.sim.days
    if n is None and sc.population.n > limits.max_n:
        problems.append((f"{pre}n", f"the preset's {sc.population.n:,} persons exceeds the server limit max_n"))
    if years is None and days / 365 > limits.max_years:
        problems.append((f"{pre}years", f"the preset's {days:,} days exceeds the server limit max_years"))
    for k, it in enumerate(items):
        if it["day"] >= days:
            problems.append((f"{pre}schedule.{k}.day", f"day {it['day']} is after the run's last day ({days - 1})"))
    agent_days = sc.population.n * days
    if agent_days > limits.max_agent_days:
        problems.append(
            (
                f"{pre}n",
                f"{sc.population.n:,} persons x {days:,} days = {agent_days:,} agent-days exceeds the server "
                f"limit max_agent_days = {limits.max_agent_days:,}",
            )
        )
    if problems:
        raise InputError(problems)
    return RunSpec(
        scenario=sc.model_dump(mode="json"),
        preset=scenario,
        n=sc.population.n,
        days=days,
        seed=sc.sim.seed,
        overrides=dict(overrides),
        schedule=[{"day": it["day"], "set": it["set"]} for it in items],
    )


@dataclass
class CompareSpec:
    """A validated compare experiment: both arms' scenarios as JSON and what was asked."""

    baseline: dict[str, Any]
    reform: dict[str, Any]
    preset: str
    n: int
    days: int
    seed: int
    runs: int
    overrides: dict[str, Value] = field(default_factory=dict)
    reform_set: dict[str, Value] = field(default_factory=dict)


def build_compare(req: CompareRequest, *, limits: Limits) -> CompareSpec:
    """Validate the experiment form of ``POST /api/compare`` (every problem at once).

    The baseline is the preset with ``set``; the reform is the same with ``reform_set`` on
    top. Both arms are checked like a run request; the experiment as a whole is bounded by
    ``max_compare_runs`` (arms x replicates) and by ``max_agent_days`` over all its runs.
    """
    problems: list[tuple[str, str]] = []
    if req.scenario is None:
        raise InputError(
            [("scenario", "give a preset to run as a compare experiment, or two finished runs as 'a' and 'b'")]
        )
    if not req.reform_set:
        problems.append(
            ("reform_set", "a compare needs a reform: change at least one field (e.g. policy.detection_scale)")
        )
    if 2 * req.runs > limits.max_compare_runs:
        problems.append(
            (
                "runs",
                f"{req.runs} replicates x 2 arms = {2 * req.runs} runs exceeds the server limit "
                f"max_compare_runs = {limits.max_compare_runs}",
            )
        )
    for path in req.reform_set:
        if path in req.set and req.set[path] == req.reform_set[path]:
            problems.append((f"reform_set.{path}", "the same value as the baseline: the arms would not differ"))

    def arm(overrides: dict[str, Value]) -> RunSpec:
        return build_scenario(
            req.scenario or "", n=req.n, years=req.years, seed=req.seed, overrides=overrides, limits=limits
        )

    base = reform = None
    try:
        base = arm(req.set)
    except InputError as e:
        problems.extend(e.problems)
    if req.reform_set:
        try:
            reform = arm({**req.set, **req.reform_set})
        except InputError as e:
            # a problem of a reform field is the reform's, not the baseline's
            problems.extend(
                (f"reform_set.{f[4:]}" if f.startswith("set.") and f[4:] in req.reform_set else f, r)
                for f, r in e.problems
            )
    if base is not None and reform is not None and base.scenario == reform.scenario and not problems:
        problems.append(
            ("reform_set", "the reform sets every field to the value it has already: the arms would not differ")
        )
    if base is not None:
        total = 2 * req.runs * base.agent_days
        if total > limits.max_agent_days:
            problems.append(
                (
                    "runs",
                    f"{2 * req.runs} runs x {base.n:,} persons x {base.days:,} days = {total:,} agent-days exceeds "
                    f"the server limit max_agent_days = {limits.max_agent_days:,}",
                )
            )
    if problems or base is None or reform is None:
        raise InputError(list(dict.fromkeys(problems)))
    return CompareSpec(
        baseline=base.scenario,
        reform=reform.scenario,
        preset=req.scenario,
        n=base.n,
        days=base.days,
        seed=base.seed,
        runs=req.runs,
        overrides=dict(req.set),
        reform_set=dict(req.reform_set),
    )
