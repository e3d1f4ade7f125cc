"""Checks that need more than the scenario package: rule names, indicator names, the horizon.

The loader checks syntax, types, ranges and references; which names a rule may read depends on
the engine (its lists, behaviours, groups and extension modules) and which indicators exist on
the metrics registry, both above the scenario package in the import graph. These checks are
handed to :func:`scslab.scenario.loader.load_scenario` (``checks=``), so their findings come
out with every other problem at once, with the file, line and field path the loader gives.

:func:`preflight` is what ``scslab validate`` and ``scslab run`` call before any simulation
work; the web server calls the same functions for scenarios from a browser (``trusted=False``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

__all__ = [
    "DEFAULT_MAX_HOURS",
    "EXPR_FIELDS",
    "RecordBudget",
    "add_limit_options",
    "indicator_problems",
    "init_checked",
    "preflight",
    "resource_limits",
    "rule_name_problems",
    "rule_problems",
    "scenario_checks",
]

EXPR_FIELDS = {"lists": ("entry", "exit", "extend_if"), "measures": ("eligible",)}


def _named(items: Any) -> list[Any]:
    """Entries of a raw array of tables that carry a string ``name`` (others are reported elsewhere)."""
    out = []
    for e in items if isinstance(items, list) else []:
        if isinstance(e, dict) and isinstance(e.get("name"), str):
            out.append(SimpleNamespace(**{k: v for k, v in e.items() if isinstance(k, str) and k.isidentifier()}))
    return out


def _names_view(data: dict, scenario: Any) -> Any:
    """What :func:`scslab.engine.attributes.attribute_names` reads, from the validated scenario
    or, when it did not validate, from the raw data (so rule names are still checked)."""
    from scslab.engine.sim import EXTENSIONS

    if scenario is not None:
        sc = scenario
    else:
        raw_pop, raw_scoring = data.get("population"), data.get("scoring")
        pop: dict[str, Any] = raw_pop if isinstance(raw_pop, dict) else {}
        scoring: dict[str, Any] = raw_scoring if isinstance(raw_scoring, dict) else {}
        if "bands" in scoring:
            bands = _named(scoring["bands"])
        else:
            from scslab.scenario.schema import Scoring

            bands = list(Scoring().bands)
        behaviours = [
            SimpleNamespace(name=b.name, kind=getattr(b, "kind", "prohibition")) for b in _named(data.get("behaviours"))
        ]
        sc = SimpleNamespace(
            lists=_named(data.get("lists")),
            population=SimpleNamespace(groups=_named(pop.get("groups")), occupations=_named(pop.get("occupations"))),
            behaviours=behaviours,
            scoring=SimpleNamespace(bands=bands),
        )
    enabled = []
    for key, cls in EXTENSIONS.items():
        if scenario is not None:
            on = getattr(getattr(scenario, key, None), "enabled", False)
        else:
            table = data.get(key)
            on = isinstance(table, dict) and table.get("enabled")
        if on is True:
            enabled.append(cls)
    return SimpleNamespace(scenario=sc, modules=enabled)


def rule_name_problems(data: dict, scenario: Any) -> list[tuple[tuple, str]]:
    """Rules (in lists, measures and schedule overrides) that read a name the engine lacks."""
    from scslab.engine.attributes import attribute_names
    from scslab.scenario.expr import ExprError, compile_expr
    from scslab.scenario.loader import rule_fields

    try:
        names = attribute_names(_names_view(data, scenario))
    except Exception:  # a shape too broken to name anything: the loader has reported it
        return []
    found = []
    for canon, text in rule_fields(data):
        try:
            compile_expr(text, names)
        except ExprError as e:
            found.append((canon, f"bad expression {_short(text)}: {e.message}"))
        except (ValueError, RecursionError):  # syntax: the loader reports it
            continue
    return found


def indicator_problems(data: dict, scenario: Any) -> list[tuple[tuple, str]]:
    """Names in ``indicators`` that no indicator module registers (the run would fail at its end)."""
    from scslab.metrics.indicators import indicator_names

    wanted = data.get("indicators")
    if not isinstance(wanted, list):
        return []
    known = indicator_names()
    bad = [w for w in wanted if isinstance(w, str) and w not in known]
    if not bad:
        return []
    import difflib

    hints = [h for w in bad for h in difflib.get_close_matches(w, known, n=1)]
    hint = f"; did you mean {', '.join(repr(h) for h in hints)}?" if hints else ""
    return [(("indicators",), f"unknown indicator(s) {', '.join(repr(b) for b in bad)}{hint}")]


def scenario_checks(horizon: bool = True) -> tuple:
    """The checks ``load_scenario(checks=...)`` gets from the command line and the web server."""
    from scslab.scenario.loader import horizon_problems

    return (rule_name_problems, indicator_problems, *((horizon_problems,) if horizon else ()))


def _short(text: str) -> str:
    from scslab.scenario.errors import abbreviate

    return abbreviate(text, 60)


def preflight(
    source: str | Path,
    overrides: Sequence[str] = (),
    *,
    n: int | None = None,
    days: int | None = None,
    years: float | None = None,
    seed: int | None = None,
    trusted: bool = True,
) -> Any:
    """The validated Scenario for ``scslab run``/``validate``, or a ScenarioError listing every
    problem (file, line, field path), before any simulation work."""
    from scslab.scenario.loader import load_scenario, size_overrides

    extra = size_overrides(n=n, seed=seed, days=days, years=years)
    return load_scenario(source, [*extra, *overrides], checks=scenario_checks(), trusted=trusted)


def rule_problems(sim: Any, source: str, overrides: Sequence[str], err: Exception) -> list[Any]:
    """Rule expressions that do not compile against the engine's attribute names, as Problems.

    A fallback for code paths that skipped :func:`preflight`: each failing rule is traced back
    to its file and line the way the loader places its own problems.
    """
    from scslab.engine.attributes import attribute_names
    from scslab.scenario.errors import Problem, abbreviate, format_path
    from scslab.scenario.expr import ExprError, compile_expr

    try:
        names = attribute_names(sim)
    except Exception:  # the engine failed too early to know its names
        return [Problem(source, "", f"bad expression: {err}")]
    found = []
    for section, fields in EXPR_FIELDS.items():
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


def init_checked(sim: Any, source: str, overrides: Sequence[str]) -> None:
    """``sim.init()``, turning an unknown-attribute ExprError into a ScenarioError."""
    from scslab.scenario.errors import ScenarioError
    from scslab.scenario.expr import ExprError

    try:
        sim.init()
    except ExprError as e:
        raise ScenarioError(rule_problems(sim, source, overrides, e)) from None


# ---------------------------------------------------------------- resource bounds (issue 10.2)

DEFAULT_MAX_HOURS = 2.0  # a long coffee break; longer runs say so with --max-hours


def add_limit_options(parser: Any) -> None:
    """``--max-memory``, ``--max-records`` and ``--max-hours`` (also SCSLAB_MAX_MEMORY, ...)."""
    g = parser.add_argument_group("resource limits (a run that would exceed them is refused before it starts)")
    g.add_argument(
        "--max-memory",
        metavar="SIZE",
        help="memory the run may use, e.g. 16G (default: 80%% of available memory; env SCSLAB_MAX_MEMORY)",
    )
    g.add_argument(
        "--max-records",
        metavar="N",
        help="records the run may create (default: what fits in --max-memory; env SCSLAB_MAX_RECORDS)",
    )
    g.add_argument(
        "--max-hours",
        metavar="H",
        help=f"estimated hours the run may take (default {DEFAULT_MAX_HOURS:g}; env SCSLAB_MAX_HOURS)",
    )


def _limit(args: Any, name: str, env: str, parse: Any) -> Any:
    import os

    from .common import UserError

    text = getattr(args, name, None)
    origin = f"--{name.replace('_', '-')}"
    if text is None:
        text, origin = os.environ.get(env), env
    if text is None or text == "":
        return None
    try:
        return parse(text)
    except ValueError as e:
        raise UserError(f"{origin}: {e}") from None


def _positive(text: str) -> float:
    import math

    v = float(str(text).replace("_", ""))
    if not math.isfinite(v) or v <= 0:
        raise ValueError(f"expected a positive number, got {text!r}")
    return v


def resource_limits(args: Any, sc: Any) -> tuple[Any, int]:
    """Estimate the run and refuse it (UserError, exit 2) if it would not fit; returns the
    estimate and the record budget the day loop enforces."""
    from scslab.scenario.budget import (
        MAX_SUBJECTS,
        available_memory,
        estimate,
        format_bytes,
        parse_bytes,
        records_budget,
    )

    from .common import UserError

    est = estimate(sc)
    mem_set = _limit(args, "max_memory", "SCSLAB_MAX_MEMORY", parse_bytes)
    max_records = _limit(args, "max_records", "SCSLAB_MAX_RECORDS", _positive)
    hours = _limit(args, "max_hours", "SCSLAB_MAX_HOURS", _positive) or DEFAULT_MAX_HOURS
    avail = available_memory()
    mem_limit = mem_set if mem_set is not None else 0.8 * avail
    budget = int(max_records) if max_records is not None else records_budget(mem_limit, est)
    d = est.drivers
    problems = []
    if est.subjects > MAX_SUBJECTS:
        problems.append(
            f"the run has {est.subjects:,} subjects ({d['population.n']}) and one process holds at most "
            f"{MAX_SUBJECTS:,} (int32 subject indices); lower population.n (--n)"
        )
    if est.memory_bytes > mem_limit:
        what = "the limit set" if mem_set is not None else f"80% of the {format_bytes(avail)} available"
        problems.append(
            f"the run needs an estimated {format_bytes(est.memory_bytes)} of memory and {what} is "
            f"{format_bytes(mem_limit)}; driven by population.n = {d['population.n']}, {d['records']}, "
            f"{d['behaviours']}. Lower population.n (--n) or sim.days, or raise the limit with "
            f"--max-memory SIZE (or SCSLAB_MAX_MEMORY)"
        )
    elif est.records > budget:
        problems.append(
            f"the run is expected to create {est.records:,.0f} records and the record budget is {budget:,} "
            f"({'--max-records' if max_records is not None else 'what fits in the memory limit'}); driven by "
            f"{d['records']} over {d['sim.days']}. Lower population.n, sim.days or the behaviours' "
            f"opportunities_per_year, or raise --max-records / --max-memory"
        )
    if est.seconds > hours * 3600:
        problems.append(
            f"the run is estimated to take {est.seconds / 3600:,.1f} hours ({est.agent_days:,.0f} agent-days: "
            f"{d['population.n']} over {d['sim.days']}) and the limit is {hours:g} hours; "
            f"raise it with --max-hours H (or SCSLAB_MAX_HOURS)"
        )
    if problems:
        raise UserError("\n".join(problems))
    return est, budget


class RecordBudget:
    """``Sim.run(on_day=...)``: stop the run cleanly when its records pass the budget."""

    def __init__(self, sim: Any, budget: int, then: Any = None) -> None:
        self.sim, self.budget, self.then = sim, int(budget), then

    def __call__(self, done: int, total: int) -> None:
        n = len(self.sim.state.records)
        if n > self.budget:
            from .common import UserError

            raise UserError(
                f"run stopped on day {done:,} of {total:,}: {n:,} records passed the record budget of "
                f"{self.budget:,} (--max-records / --max-memory); nothing was written. Lower population.n, "
                f"sim.days or opportunities_per_year, or raise the limit"
            )
        if self.then is not None:
            self.then(done, total)
