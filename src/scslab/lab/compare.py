"""Baseline vs reform under common random numbers: what a policy changes, for whom, how surely.

``compare("rongcheng", reform_set=["policy.detection_scale=2"], runs=10)`` runs both arms on
seeds S, S+1, ..., S+K-1 -- run i of each arm shares seed S+i, so the two arms meet the same
people, the same opportunities and the same luck, and each difference is paired. Per metric
it reports both means, the mean paired difference with its 95 % interval, and the width the
interval would have had with independent seeds (:mod:`.stats`); per person, who is better
or worse off (:mod:`.winners`). With ``out`` every run of both arms is stored whole in
``out/results.duckdb`` (``experiments``, ``experiment_runs``, ``run_metrics`` beside the
run tables), so every figure can be recomputed from the database: :func:`load_compare`.

This is the entry point the CLI (``scslab compare``) and the dashboard (``POST /api/compare``)
call; ``progress`` receives :class:`~scslab.lab.executor.Progress` counts after every change.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from scslab.jsonable import to_jsonable

from .executor import Executor, Failure, ProgressCallback
from .experiment import Planned, execute, experiment_id, run_id, use_executor
from .runs import HEADLINE, RunOutcome, RunSpec, resolve, with_seed
from .stats import paired
from .winners import PersonOutcomes, WinnersLosers, person_outcomes

if TYPE_CHECKING:
    import pandas as pd

jsonable = to_jsonable  # the name calibrate and ensemble import

__all__ = ["CompareResult", "compare", "load_compare", "people_from_db"]

ARMS = ("baseline", "reform")


@dataclass
class CompareResult:
    """The outcome of a compare; ``to_dict()``/``to_json()`` give the ``--json`` shape."""

    runs: int
    seeds: list[int]
    metrics: dict[str, dict[str, Any]]
    winners_losers: Any  # pandas DataFrame (see winners.WinnersLosers.table)
    per_run: Any  # pandas DataFrame: arm, replicate, seed, metric, value
    failures: list[Failure] = field(default_factory=list)
    out: Path | None = None
    experiment_id: str = ""
    baseline_name: str = ""
    reform_name: str = ""
    reform_set: list[str] = field(default_factory=list)
    series: dict[tuple[str, int], dict[str, np.ndarray]] = field(default_factory=dict)
    unpaired_people: int = 0  # run pairs whose arms did not hold the same people

    def to_dict(self) -> dict[str, Any]:
        """``{"runs": K, "paired": true, "metrics": {NAME: {...}}}`` with NaN as None."""
        return jsonable({"runs": self.runs, "paired": True, "metrics": self.metrics})

    def to_json(self, indent: int | None = None) -> str:
        import json

        return json.dumps(self.to_dict(), indent=indent, allow_nan=False, ensure_ascii=False)

    def metrics_frame(self):
        """One row per metric (the ``metrics`` dict as a tidy DataFrame)."""
        import pandas as pd

        return pd.DataFrame([{"metric": k, **v} for k, v in self.metrics.items()])

    def winners(self, outcome: str = "sanctions", breakdown: str = "income_quintile") -> pd.DataFrame:
        """One slice of the winners-and-losers table."""
        df = self.winners_losers
        return df[(df["outcome"] == outcome) & (df["breakdown"] == breakdown)].reset_index(drop=True)


def _arm_scenarios(
    baseline: Any,
    reform: Any,
    reform_set: Sequence[str],
    overrides: Sequence[str],
    n: int | None,
    days: int | None,
    years: float | None,
) -> tuple[dict, dict]:
    """Both arms resolved and validated once (seeds are set per run without re-validating)."""
    from scslab.scenario.errors import ScenarioError

    problems = []
    scs = []
    for src, extra in ((baseline, list(overrides)), (reform if reform is not None else baseline, [*overrides])):
        try:
            scs.append(resolve(src, n=n, days=days, years=years, overrides=extra))
        except ScenarioError as e:
            problems.extend(e.problems)
    if not problems and reform_set:
        try:
            scs[1] = resolve(scs[1], overrides=list(reform_set))
        except ScenarioError as e:
            problems.extend(_origin(e.problems, "--reform-set"))
    if problems:
        raise ScenarioError(problems)
    return scs[0].model_dump(mode="json"), scs[1].model_dump(mode="json")


def _origin(problems: Iterable[Any], origin: str) -> list[Any]:
    from scslab.scenario.errors import Problem

    return [
        Problem(origin if p.file in ("--set", "<scenario>") else p.file, p.path, p.reason, p.line) for p in problems
    ]


def compare(
    baseline: Any,
    reform: Any = None,
    *,
    reform_set: Sequence[str] = (),
    runs: int = 10,
    n: int | None = None,
    years: float | None = None,
    days: int | None = None,
    seed: int = 1,
    workers: int = 1,
    executor: str | Executor = "local",
    ray_address: str | None = None,
    out: Path | str | None = None,
    metrics: Sequence[str] = (),
    overrides: Sequence[str] = (),
    progress: ProgressCallback | None = None,
) -> CompareResult:
    """Run baseline and reform ``runs`` times each on paired seeds; see the module docstring.

    ``baseline``/``reform``: preset names, TOML paths or Scenario objects; without ``reform``
    the reform is the baseline with ``reform_set`` (``"policy.detection_scale=2"``) applied.
    ``overrides`` apply to both arms. ``executor``: ``"local"``, ``"ray"`` or an executor
    object kept warm by the caller (it is then not closed).
    """
    if runs < 1:
        raise ValueError("runs must be at least 1")
    if reform is None and not reform_set:
        raise ValueError("give a reform scenario or reform_set overrides (a compare needs two arms)")
    base_sc, reform_sc = _arm_scenarios(baseline, reform, reform_set, overrides, n, days, years)
    seeds = [int(seed) + i for i in range(runs)]
    spec = {"baseline": base_sc, "reform": reform_sc, "seeds": seeds, "metrics": sorted(metrics)}
    exp_id = experiment_id("compare", spec)
    collect = "full" if out is not None else "persons"
    planned = []
    for i, s in enumerate(seeds):
        for arm, sc, ovr in (("baseline", base_sc, tuple(overrides)), ("reform", reform_sc, (*overrides, *reform_set))):
            rs = RunSpec(
                with_seed(sc, s), s, arm=arm, replicate=i, overrides=ovr, collect=collect, metrics=tuple(metrics)
            )
            planned.append(Planned(rs, run_id(exp_id, rs.key), {}))
    figures: dict[tuple[str, int], dict[str, float]] = {}
    series: dict[tuple[str, int], dict[str, np.ndarray]] = {}
    people: dict[tuple[str, int], PersonOutcomes] = {}
    failed: set[int] = set()
    wl = WinnersLosers()
    nxt = [0]

    def on_result(p: Planned, outcome: RunOutcome | Failure) -> None:
        i = p.spec.replicate
        if isinstance(outcome, Failure):
            failed.add(i)
        else:
            key = (p.spec.arm, i)
            figures[key] = outcome.figures
            series[key] = outcome.series or {}
            people[key] = outcome.extra["persons"] if outcome.results is None else person_outcomes(outcome.results)
            outcome.results = None  # stored already; whole runs are not kept in memory
        # pairs are added in replicate order, so sums do not depend on the order runs finish in
        while nxt[0] < runs:
            j = nxt[0]
            if j in failed:
                people.pop(("baseline", j), None)
                people.pop(("reform", j), None)
            elif ("baseline", j) in people and ("reform", j) in people:
                wl.add(people.pop(("baseline", j)), people.pop(("reform", j)))
            else:
                break
            nxt[0] += 1

    name = f"{base_sc.get('name')} vs {reform_sc.get('name')}" + (f" [{' '.join(reform_set)}]" if reform_set else "")
    with use_executor(executor, workers, ray_address) as ex:
        failures, _ = execute(
            planned,
            executor=ex,
            out=out,
            experiment=(exp_id, "compare", name, spec),
            progress=progress,
            on_result=on_result,
        )
    result = _assemble(figures, runs, seeds, metrics)
    result.winners_losers = wl.table()
    result.unpaired_people = wl.skipped
    result.failures = failures
    result.out = Path(out) if out is not None else None
    result.experiment_id = exp_id
    result.baseline_name = str(base_sc.get("name"))
    result.reform_name = str(reform_sc.get("name"))
    result.reform_set = list(reform_set)
    result.series = series
    if out is not None:
        _write_files(result, Path(out))
    return result


def _assemble(
    figures: dict[tuple[str, int], dict[str, float]], runs: int, seeds: Sequence[int], metrics: Sequence[str]
) -> CompareResult:
    import pandas as pd

    pairs = [i for i in range(runs) if ("baseline", i) in figures and ("reform", i) in figures]
    names: list[str] = list(metrics)
    if not names:
        have = set().union(*(set(f) for f in figures.values())) if figures else set()
        names = [m for m in HEADLINE if m in have]
    table = {}
    for m in names:
        b = [figures[("baseline", i)].get(m, math.nan) for i in pairs]
        r = [figures[("reform", i)].get(m, math.nan) for i in pairs]
        table[m] = paired(b, r)
    rows = [
        {"arm": arm, "replicate": i, "seed": seeds[i], "metric": k, "value": v}
        for (arm, i), f in sorted(figures.items(), key=lambda kv: (kv[0][1], kv[0][0]))
        for k, v in sorted(f.items())
    ]
    return CompareResult(
        runs=len(pairs),
        seeds=[seeds[i] for i in pairs],
        metrics=table,
        winners_losers=None,
        per_run=pd.DataFrame(rows, columns=["arm", "replicate", "seed", "metric", "value"]),
    )


def _write_files(result: CompareResult, out: Path) -> None:
    import json

    (out / "compare.json").write_text(result.to_json(indent=2) + "\n", encoding="utf-8")
    result.winners_losers.to_csv(out / "winners_losers.csv", index=False)
    info = {
        "experiment_id": result.experiment_id,
        "baseline": result.baseline_name,
        "reform": result.reform_name,
        "reform_set": result.reform_set,
        "seeds": result.seeds,
        "failures": [str(f) for f in result.failures],
    }
    (out / "compare_info.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")


def load_compare(out: Path | str, experiment: str | None = None, metrics: Sequence[str] = ()) -> CompareResult:
    """Recompute a stored compare from ``out/results.duckdb`` alone (figures and winners/losers)."""
    from scslab.store.experiments import experiment_metrics, find_experiment

    exp_id = experiment or find_experiment(out, "compare")
    df = experiment_metrics(out, exp_id)
    figures: dict[tuple[str, int], dict[str, float]] = {}
    seeds: dict[int, int] = {}
    for row in df.itertuples():
        figures.setdefault((row.arm, int(row.replicate)), {})[row.metric] = float(row.value)
        seeds[int(row.replicate)] = int(row.seed)
    runs = max(seeds) + 1 if seeds else 0
    result = _assemble(figures, runs, [seeds.get(i, -1) for i in range(runs)], metrics)
    result.winners_losers = _winners_from_db(out, exp_id)
    result.out = Path(out)
    result.experiment_id = exp_id
    return result


def _winners_from_db(out: Path | str, exp_id: str) -> pd.DataFrame:
    """Winners and losers from the stored subjects, list spells and sanctions of each run pair."""
    from scslab.store.duck import connect

    con = connect(out)
    try:
        runs = con.execute(
            """SELECT r.replicate, r.arm, r.run_id, x.days FROM experiment_runs r JOIN runs x USING (run_id)
               WHERE r.experiment_id = ? AND r.status = 'done' ORDER BY r.replicate, r.arm""",
            [exp_id],
        ).fetchall()
        by = {(arm, int(rep)): (rid, int(days)) for rep, arm, rid, days in runs}
        wl = WinnersLosers()
        for i in sorted({k[1] for k in by}):
            if ("baseline", i) in by and ("reform", i) in by:
                wl.add(people_from_db(con, *by[("baseline", i)]), people_from_db(con, *by[("reform", i)]))
        return wl.table()
    finally:
        con.close()


def people_from_db(con: Any, rid: str, days: int) -> PersonOutcomes:
    """One stored run's per-person outcomes (persons only) from an open DuckDB connection.

    The dashboard's comparison of two stored runs uses it too: two runs of the same preset,
    size and seed hold the same synthetic people, so their winners and losers can be classed.
    """
    subj = con.execute(
        """SELECT subject, id, income0, income, score, "group", sex, urban, migrant FROM subjects
           WHERE run_id = ? AND type = 'person' ORDER BY subject""",
        [rid],
    ).df()
    listed = con.execute(
        """SELECT subject, count(*) AS spells, sum(greatest(coalesce(end_day, ?) - start, 0)) AS days
           FROM list_spells WHERE run_id = ? AND list_type = 'black' GROUP BY subject""",
        [days, rid],
    ).df()
    sanc = con.execute(
        "SELECT target AS subject, count(*) AS n FROM sanctions WHERE run_id = ? AND kind = 'sanction' GROUP BY target",
        [rid],
    ).df()
    idx = subj["subject"].to_numpy()
    pos = {int(s): j for j, s in enumerate(idx)}
    days_l = np.zeros(idx.size)
    ever = np.zeros(idx.size)
    for s, d in zip(listed["subject"], listed["days"]):
        if int(s) in pos:
            days_l[pos[int(s)]] = float(d)
            ever[pos[int(s)]] = 1.0
    n_s = np.zeros(idx.size)
    for s, k in zip(sanc["subject"], sanc["n"]):
        if int(s) in pos:
            n_s[pos[int(s)]] = float(k)
    lab = lambda col, names: np.array(names, dtype=object)[subj[col].fillna(0).astype(int).clip(0, 1).to_numpy()]  # noqa: E731
    return PersonOutcomes(
        ids=subj["id"].to_numpy(),
        income0=subj["income0"].to_numpy(np.float64),
        group=subj["group"].astype(object).to_numpy(),
        sex=lab("sex", ["male", "female"]),
        region=lab("urban", ["rural", "urban"]),
        hukou=lab("migrant", ["local", "migrant"]),
        outcomes={
            "ever_listed": ever,
            "days_listed": days_l,
            "sanctions": n_s,
            "income": subj["income"].to_numpy(np.float64),
            "score": subj["score"].astype(float).to_numpy(np.float64),
        },
    )
