"""Write docs/validation.md from the presets (``make validation``).

Every published figure a preset can be compared with is listed in ``tools/validation.toml``
(or, for the calibrated presets, in the packaged targets file the spec names); this tool
runs each preset over the spec's seeds, and writes one table per preset: the published
figure and its source, the model's mean with a Student-t 95 % interval and the spread
(standard deviation) over seeds, the relative error, and whether the figure was used for
fitting, only for checking, or is a prediction of a withheld figure.

Why a generator: a hand-written validation page drifts as soon as the engine changes. The
page says which engine state (commit) and which seeds made it.

Usage::

    python tools/validation.py                    # writes docs/validation.md
    python tools/validation.py --spec S --out P   # another spec (the tests use a tiny one)
    python tools/validation.py --workers 2        # runs in spawned processes

Generation is bounded: each group runs ``len(seeds)`` runs at the group's ``n``.
"""

from __future__ import annotations

import argparse
import math
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scslab.lab.calibrate import TargetFit, evaluate
from scslab.lab.targets import Target, TargetsSpec, load_targets

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "tools" / "validation.toml"
PAGE = ROOT / "docs" / "validation.md"
USES = ("fitted", "check", "predicted")
USE_LABEL = {"fitted": "fitted", "check": "check only", "predicted": "prediction (figure withheld)"}


@dataclass
class Figure:
    name: str
    metric: str
    value: float | None
    source: str
    use: str
    unit: str = "count"
    scale: bool = False
    day: int | None = None
    bound: str = ""  # "lower": the published figure is a lower bound (">")


@dataclass
class Group:
    preset: str
    title: str
    n: int | None
    seeds: tuple[int, ...]
    overrides: tuple[str, ...]
    figures: list[Figure]
    note: str = ""
    command: str = ""
    targets: str | None = None
    fits: list[TargetFit] = field(default_factory=list)
    seconds: float = 0.0


def _figure(raw: dict[str, Any], where: str) -> Figure:
    use = raw.get("use", "check")
    if use not in USES:
        raise SystemExit(f"{where}: use must be one of {USES}, not {use!r}")
    value = raw.get("value")
    if value is None and use != "predicted":
        raise SystemExit(f"{where}: a figure without a published value must have use = 'predicted'")
    return Figure(
        name=str(raw["name"]),
        metric=str(raw["metric"]),
        value=None if value is None else float(value),
        source=str(raw.get("source", "")),
        use=use,
        unit=str(raw.get("unit", "count")),
        scale=bool(raw.get("scale", False)),
        day=raw.get("day"),
        bound=str(raw.get("bound", "")),
    )


def load_spec(path: Path) -> tuple[dict[str, Any], list[Group]]:
    """The spec's header and its groups (a group = one preset with one set of overrides)."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    seeds = tuple(int(s) for s in data.get("seeds", (1, 2, 3)))
    groups = []
    for i, g in enumerate(data.get("group", [])):
        where = f"{path}: group[{i}]"
        figures = [_figure(f, f"{where}.figures[{j}]") for j, f in enumerate(g.get("figures", []))]
        targets = g.get("targets")
        n = g.get("n")
        overrides = tuple(g.get("overrides", ()))
        if targets is not None:
            spec = load_targets(targets)
            n = n if n is not None else spec.n
            overrides = tuple(spec.overrides) + overrides
            for t in spec.targets:
                figures.append(
                    Figure(
                        t.name,
                        t.metric,
                        t.value,
                        t.source,
                        "check" if t.holdout else "fitted",
                        scale=t.scale,
                        day=t.day,
                        bound="lower" if "(>)" in t.name else "",  # the targets files mark bounds so
                    )
                )
        groups.append(
            Group(
                preset=str(g["preset"]),
                title=str(g.get("title", g["preset"])),
                n=None if n is None else int(n),
                seeds=tuple(int(s) for s in g.get("seeds", seeds)),
                overrides=overrides,
                figures=figures,
                note=str(g.get("note", "")).strip(),
                command=str(g.get("command", "")).strip(),
                targets=targets,
            )
        )
    return data, groups


def run_group(group: Group, workers: int = 1) -> None:
    """Run the group's preset over its seeds and fill ``group.fits`` (one per figure)."""
    targets = tuple(
        Target(
            name=f.name,
            metric=f.metric,
            value=math.nan if f.value is None else f.value,
            day=f.day,
            scale=f.scale,
            source=f.source,
            holdout=f.use != "fitted",
        )
        for f in group.figures
    )
    spec = TargetsSpec(
        scenario=group.preset,
        parameters=(),
        targets=targets,
        n=group.n,
        seeds=group.seeds,
        overrides=group.overrides,
        file=f"validation:{group.preset}",
    )
    t0 = time.perf_counter()
    group.fits = evaluate(group.preset, spec, n=group.n, workers=workers)
    group.seconds = time.perf_counter() - t0


def _num(v: float, unit: str) -> str:
    if not math.isfinite(v):
        return "—"
    if unit == "share":
        return f"{v:.1%}"
    if unit == "score":
        return f"{v:,.2f}"
    if abs(v) >= 1e6:
        return f"{v / 1e6:,.2f} M"
    return f"{v:,.0f}"


def _spread(f: TargetFit, unit: str) -> str:
    vals = [v for v in f.per_seed if math.isfinite(v)]
    if len(vals) < 2:
        return "—"
    m = sum(vals) / len(vals)
    sd = math.sqrt(sum((v - m) ** 2 for v in vals) / (len(vals) - 1))
    return _num(sd, unit).replace("—", "0")


def _rel(f: TargetFit, fig: Figure) -> str:
    if fig.value is None or not math.isfinite(f.mean) or not fig.value:
        return "—"
    if fig.bound == "lower":
        return "bound met" if f.mean >= fig.value else f"below bound ({(f.mean - fig.value) / fig.value:+.1%})"
    return f"{(f.mean - fig.value) / fig.value:+.1%}"


def table(group: Group) -> str:
    rows = [
        "| figure | published | source | model: mean [95% CI] | sd over seeds | rel. error | use |",
        "|---|---:|---|---:|---:|---:|---|",
    ]
    for fig, f in zip(group.figures, group.fits):
        pub = "withheld" if fig.value is None else (">" if fig.bound == "lower" else "") + _num(fig.value, fig.unit)
        ci = f"[{_num(f.ci_low, fig.unit)}, {_num(f.ci_high, fig.unit)}]" if math.isfinite(f.ci_low) else ""
        rows.append(
            f"| {fig.name} | {pub} | {fig.source or '—'} | {_num(f.mean, fig.unit)} {ci} | "
            f"{_spread(f, fig.unit)} | {_rel(f, fig)} | {USE_LABEL[fig.use]} |"
        )
    return "\n".join(rows)


def _commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
        return out.stdout.strip() or "unknown"
    except OSError:
        return "unknown"


def render(header: dict[str, Any], groups: list[Group]) -> str:
    lines = [
        "# Validation: presets against published figures",
        "",
        "<!-- generated by tools/validation.py from tools/validation.toml (make validation); do not edit -->",
        "",
        str(header.get("intro", "")).strip(),
        "",
        f"Generated on the engine at commit `{_commit()}`. "
        "Model values are the mean over seeds with a Student-t 95 % interval of the mean and the "
        "standard deviation over seeds (the spread a single run has); counts of people are agents × "
        "the preset's `population.scale`. **use**: *fitted* figures were targets of a calibration "
        "(their agreement is not evidence), *check only* figures were never fitted (out of sample), "
        "*prediction* rows are figures withheld from the fact sheet: the model's value is what "
        "the mechanism predicts.",
        "",
    ]
    by_preset: dict[str, list[Group]] = {}
    for g in groups:
        by_preset.setdefault(g.preset, []).append(g)
    for preset, gs in by_preset.items():
        lines += [f"## {preset}", ""]
        for g in gs:
            if g.title != preset:
                lines += [f"### {g.title}", ""]
            seeds = ", ".join(str(s) for s in g.seeds)
            where = f"targets file `{g.targets}`, " if g.targets else ""
            ovr = f", overrides `{' '.join(g.overrides)}`" if g.overrides else ""
            lines += [f"n = {g.n if g.n else 'preset default'}, seeds {seeds} ({where}{len(g.seeds)} runs{ovr}).", ""]
            lines += [table(g), ""]
            if g.command:
                lines += ["```", g.command, "```", ""]
            if g.note:
                lines += [g.note, ""]
    tail = str(header.get("outro", "")).strip()
    if tail:
        lines += [tail, ""]
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--spec", type=Path, default=SPEC)
    ap.add_argument("--out", type=Path, default=PAGE)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--only", default=None, help="only the groups of this preset (the page is not written)")
    a = ap.parse_args(argv)
    header, groups = load_spec(a.spec)
    if a.only:
        groups = [g for g in groups if g.preset == a.only]
    for g in groups:
        run_group(g, a.workers)
        print(f"{g.preset} / {g.title}: {len(g.seeds)} runs in {g.seconds:.0f} s", file=sys.stderr)
        if a.only:
            print(table(g))
    if not a.only:
        a.out.write_text(render(header, groups), encoding="utf-8")
        print(f"wrote {a.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
