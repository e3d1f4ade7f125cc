"""The last row of the day (``results``): every module's declared series, preallocated for the run.

The recorder knows no series by name. At init it asks every module of the loop for the
results it declares (:meth:`.module.Module.results`) and preallocates one array per daily
series; at the end of each day it hands each module a writer for today
(:meth:`.module.Module.record`). Cheap counters are stored daily; population-wide means and
shares (one pass over every subject) are declared with ``every=SAMPLE_EVERY``: written on
the days they are due (``out.sampling``) and on the last day, and held between samples, so
the recorder costs little next to the model itself.
"""

from __future__ import annotations

import resource
from dataclasses import asdict
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from ..codes import SANCTION_INTERNAL
from .module import SAMPLE_EVERY, Module, ResultSpec
from .results import Results, result_names

if TYPE_CHECKING:
    from .sim import Sim

__all__ = ["SAMPLE_EVERY", "DayWriter", "ResultsModule", "declared_results", "peak_rss_mb"]


def declared_results(sim: Sim) -> list[tuple[Module, ResultSpec]]:
    """Every result the run's modules declare, in loop order; a name declared twice raises."""
    out: list[tuple[Module, ResultSpec]] = []
    owner: dict[str, str] = {}
    for mod in sim.modules:
        for spec in mod.results(sim):
            if spec.name in owner:
                raise ValueError(f"result {spec.name!r} is declared by both {owner[spec.name]!r} and {mod.name!r}")
            owner[spec.name] = mod.name
            out.append((mod, spec))
    return out


class DayWriter:
    """Today's row of the run's series: ``out[name] = value`` writes ``series[name][day]``."""

    __slots__ = ("day", "sampling", "series")

    def __init__(self, series: dict[str, np.ndarray]) -> None:
        self.series = series
        self.day = 0
        self.sampling = True

    def __setitem__(self, name: str, value: Any) -> None:
        self.series[name][self.day] = value

    def __contains__(self, name: object) -> bool:
        return name in self.series


class ResultsModule(Module):
    """every module writes the day's values of its declared series"""

    name = "results"

    def init(self, sim: Sim) -> None:
        self.days = sim.scenario.sim.days
        self.specs = declared_results(sim)
        series = [spec for _, spec in self.specs if spec.kind == "series"]
        self.series = {s.name: np.zeros(self.days, np.dtype(s.dtype)) for s in series}
        self.held = [s.name for s in series if s.every > 1]
        self.writer = DayWriter(self.series)
        self.recording = [m for m in sim.modules if type(m).record is not Module.record]

    def step(self, sim: Sim, day: int) -> None:
        out = self.writer
        out.day = day
        out.sampling = day % SAMPLE_EVERY == 0 or day == self.days - 1
        for mod in self.recording:
            mod.record(sim, day, out)
        if not out.sampling and day > 0:
            for k in self.held:
                self.series[k][day] = self.series[k][day - 1]

    def collect(self, sim: Sim) -> Results:
        """The finished run as :class:`Results`: tables, series, and every declared figure and
        subject column (``Module.finish``). Its summary and indicators are computed from this
        (``Sim.finish``), not here: the recorder knows no metric."""
        sc, st = sim.scenario, sim.state
        sanc = sim.measures.rows.copy()
        for internal in SANCTION_INTERNAL:
            sanc.pop(internal)
        # the ids are an IdColumn over the population's own arrays (no copy), which indexes,
        # slices and converts like the NumPy array of str the annotation names
        subjects: dict[str, np.ndarray] = {
            "id": cast(np.ndarray, st.subject_ids()),
            "type": st.kind,
            "sex": st.sex,
            "urban": st.urban,
            "migrant": st.migrant,
            "group": st.group,
            "income0": st.base_income,
            "income": np.asarray(st.income, np.float32),
            "score": st.score,
            "grade": st.grade,
        }
        self.run_figures = {"wall_s": float(sim.wall_s), "peak_rss_mb": peak_rss_mb()}
        written: dict[str, Any] = {}
        for mod in sim.modules:
            mod.finish(sim, written)
        figures: dict[str, Any] = {}
        for mod, spec in self.specs:
            if spec.kind == "series":
                continue
            if spec.name not in written:
                raise ValueError(f"module {mod.name!r} declares {spec.kind} {spec.name!r} but did not write it")
            value = written[spec.name]
            if spec.kind == "column":
                col = np.asarray(value, spec.dtype)  # the run is over: a column of the right type is not copied
                if col.shape != (st.S,):
                    raise ValueError(f"column {spec.name!r} of {mod.name!r} has shape {col.shape}, not ({st.S},)")
                subjects[spec.name] = col
            elif spec.kind == "sanction":
                col = np.asarray(value, spec.dtype)  # the run is over: a column of the right type is not copied
                if col.shape != sanc["target"].shape:
                    raise ValueError(f"sanction column {spec.name!r} of {mod.name!r} has shape {col.shape}")
                sanc[spec.name] = col
            else:
                figures[spec.name] = _plain(value)
        return Results(
            scenario=sc.model_dump(mode="json"),
            seed=sc.sim.seed,
            days=sc.sim.days,
            n_persons=st.n,
            n_orgs=st.m,
            scale=sc.population.scale,
            series=self.series,
            records=st.records.copy(),
            list_spells=st.spells.copy(),
            sanctions=sanc,
            subjects=subjects,
            names=result_names(sc),
            figures=figures,
            # what a stored run keeps of each declaration (``reduce`` is for merging shards only:
            # ``lab.partitioned`` reads it from the specs)
            declared=[
                {"module": mod.name, **{k: v for k, v in asdict(spec).items() if k != "reduce"}}
                for mod, spec in self.specs
            ],
            decisive=st.spells.decisive.copy(),
        )

    # -- the recorder's own figures ------------------------------------------------------
    def results(self, sim: Sim) -> list[ResultSpec]:
        """What the run cost: wall time and peak memory (run-dependent, not model figures)."""
        return [
            ResultSpec("wall_s", "s", "wall-clock time of the run (init and every day)", kind="figure"),
            ResultSpec("peak_rss_mb", "MB", "peak resident memory of the process at the end of the run", kind="figure"),
            ResultSpec("adult", "flag", "1 for a person aged 18 or over (the population's ages)", "i1", kind="column"),
            ResultSpec(
                "occupation",
                "code",
                "index into names['occupation'] (population.occupations); -1 none or an organisation",
                "i1",
                kind="column",
            ),
            ResultSpec(
                "region_code",
                "code",
                "code of the subject's region (population.regions; names['regions'] lists their names in "
                "table order); -1 without a region table",
                "i2",
                kind="column",
            ),
        ]

    def finish(self, sim: Sim, out: dict[str, Any]) -> None:
        out.update(self.run_figures)
        out["adult"] = sim.state.adult
        out["occupation"] = sim.state.occupation
        codes = np.array([r.code for r in sim.scenario.population.regions], dtype=np.int16)
        reg = sim.state.region
        out["region_code"] = np.where(reg >= 0, codes[np.maximum(reg, 0)] if codes.size else -1, -1).astype(np.int16)


def peak_rss_mb() -> float:
    """Peak resident memory of this process (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _plain(value: Any) -> Any:
    """A figure as plain Python (NumPy scalars and arrays converted), so it stores as JSON."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value
