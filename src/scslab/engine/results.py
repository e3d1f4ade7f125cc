"""What a run leaves behind: per-day series, the ledger, list spells, sanctions, subjects.

Everything is columnar NumPy so the store and the report can write it without loops.
Tables (column -> dtype):

- ``records``: subject int32, domain int8, behaviour int16, source int16, day int32,
  points float32, true bool, severity int8, status int8 (see ``RECORD_STATUS``), end_day int32
- ``list_spells``: subject int32, list int16, start int32, end int32 (-1 = still listed),
  cause_record int64 (-1 = none), end_reason int8 (see ``END_REASONS``), wrongful bool
- ``sanctions``: target int32, measure int16, spell int64, start int32, end int32, via int8
  (see ``VIA``), wrongful bool, and the cascade the measures row declares
  (``ResultSpec(kind="sanction")``): origin_subject int32, origin_record int64 (-1 = none),
  depth int8 (links from the origin subject to the target; 0 = the listed subject)
- ``decisive``: spell int64, record int64 -- the false records decisive for a wrongful spell
  (the but-for test, :mod:`scslab.engine.wrongful`); a sanction's are those of its spell
- ``subjects``: id (str), type int8 (index into ``SUBJECT_TYPES``), sex int8, urban int8,
  migrant int8, group int8, income0 float32, income float32, score float32, grade int8 (-1 none)

``names`` maps each coded column to its labels, e.g. ``names["list"][spell_list]``
(:func:`result_names` builds it from the scenario, so a stored run gets the same codes).

``figures`` holds the per-run figures the modules declare (``ResultSpec(kind="figure")``:
run totals, the run's wall time and memory); the subject columns they declare
(``kind="column"``) join ``subjects``, the sanction columns (``kind="sanction"``) join
``sanctions``. ``declared`` lists every declaration (name, module,
kind, unit, description, dtype). The run-level metrics (``metrics.summary``) read only
these, never the live simulation, so they can be recomputed from a results database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..codes import (
    DOMAINS,
    END_REASONS,
    HUKOU,
    RECORD_STATUS,
    REGION,
    SEVERITIES,
    SEX,
    SUBJECT_DTYPES,
    SUBJECT_TYPES,
    TABLE_LABELS,
    VIA,
)

if TYPE_CHECKING:
    import pandas as pd

    from ..scenario.schema import Scenario

__all__ = [
    "END_REASONS",
    "HUKOU",
    "RECORD_STATUS",
    "REGION",
    "SEX",
    "SUBJECT_DTYPES",
    "TABLE_LABELS",
    "VIA",
    "Results",
    "result_names",
]

# the codes and column dtypes live in scslab.codes (one source); re-exported here


def result_names(sc: Scenario) -> dict[str, list[str]]:
    """Labels of every coded column of a run of ``sc`` (``Results.names``)."""
    return {
        "domain": list(DOMAINS),
        "behaviour": [b.name for b in sc.behaviours],
        "source": [x.name for x in sc.sources],
        "list": [x.name for x in sc.lists],
        "list_type": [x.type for x in sc.lists],
        "measure": [m.name for m in sc.measures],
        "measure_kind": [m.kind for m in sc.measures],
        "measure_agency": [m.agency for m in sc.measures],
        "measure_category": [m.category for m in sc.measures],
        "grade": [b.name for b in sc.scoring.bands],
        "group": [g.name for g in sc.population.groups],
        "occupation": [o.name for o in sc.population.occupations],
        "regions": [r.name for r in sc.population.regions],
        "subject_type": list(SUBJECT_TYPES),
        "via": list(VIA),
        "record_status": list(RECORD_STATUS),
        "end_reason": list(END_REASONS),
        "severity": list(SEVERITIES),
        "sex": list(SEX),
        "region": list(REGION),
        "hukou": list(HUKOU),
    }


@dataclass
class Results:
    """The outcome of one run. ``summary`` holds the headline figures printed by ``--json``."""

    scenario: dict[str, Any]
    seed: int
    days: int
    n_persons: int
    n_orgs: int
    scale: float
    series: dict[str, np.ndarray]
    records: dict[str, np.ndarray]
    list_spells: dict[str, np.ndarray]
    sanctions: dict[str, np.ndarray]
    subjects: dict[str, np.ndarray]
    names: dict[str, list[str]]
    figures: dict[str, Any] = field(default_factory=dict)
    declared: list[dict[str, Any]] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    indicators: dict[str, Any] = field(default_factory=dict)
    decisive: dict[str, np.ndarray] = field(
        default_factory=lambda: {"spell": np.zeros(0, np.int64), "record": np.zeros(0, np.int64)}
    )

    @property
    def name(self) -> str:
        return str(self.scenario.get("name", "unnamed"))

    def to_df(self, wide: bool = False) -> pd.DataFrame:
        """The per-day series as a pandas DataFrame.

        Long form by default (tidy: one row per day and series, columns ``day``, ``metric``,
        ``value``, ``unit``; the unit is the one the module declared, "" where none was);
        ``wide=True`` gives the wide table, indexed by day with one column per series.
        """
        import pandas as pd

        wide_df = pd.DataFrame({k: np.asarray(v) for k, v in self.series.items()})
        wide_df.index.name = "day"
        if wide:
            return wide_df
        units = {d["name"]: d.get("unit", "") for d in self.declared if d.get("kind") == "series"}
        long = wide_df.reset_index().melt(id_vars="day", var_name="metric", value_name="value")
        long["metric"] = pd.Categorical(long["metric"], categories=list(self.series))
        long["unit"] = long["metric"].map(lambda m: units.get(m, "")).astype(str)
        return long.sort_values(["day", "metric"], kind="stable").reset_index(drop=True)

    def table(self, name: str, labels: bool = True) -> pd.DataFrame:
        """One of ``records``, ``list_spells``, ``sanctions`` or ``subjects`` as a DataFrame.

        Coded columns (domain, behaviour, source, list, measure, via, sex, region, hukou,
        group, grade ...) come as pandas categoricals of their labels (a ``-1`` "none" code
        is missing); ``labels=False`` keeps the integer codes. ``list_spells`` gains
        ``list_type`` and ``sanctions`` the measure's ``kind``.
        """
        import pandas as pd

        df = pd.DataFrame(getattr(self, name))
        if not labels:
            return df
        extra = {"list_spells": ("list", "list_type"), "sanctions": ("measure", "measure_kind")}.get(name)
        if extra and extra[0] in df and self.names.get(extra[1]):
            col = "kind" if extra[1] == "measure_kind" else extra[1]
            df[col] = _labelled(df[extra[0]], list(self.names[extra[1]]), unique=False)
        for col, key in TABLE_LABELS.get(name, {}).items():
            if col in df and self.names.get(key) is not None:
                df[col] = _labelled(df[col], list(self.names[key]))
        return df

    def plot(self, metrics: list[str] | None = None, smooth: int = 1) -> Any:  # a plotly Figure (untyped)
        """A plotly figure of the main series (or of ``metrics``), one panel per unit; offline.

        Default: the list sizes, records (true and false) and sanctions in force: what the
        institution did over the run. ``smooth`` > 1 draws a trailing mean over that many days.
        """
        import plotly.graph_objects as go
        from plotly.subplots import make_subplots

        names = [m for m in (metrics or _MAIN_SERIES) if m in self.series]
        if metrics is not None and len(names) != len(metrics):
            missing = sorted(set(metrics) - set(self.series))
            raise KeyError(f"no series {', '.join(missing)} in this run (have: {', '.join(sorted(self.series))})")
        units = {d["name"]: d.get("unit", "") for d in self.declared if d.get("kind") == "series"}
        groups: dict[str, list[str]] = {}
        for m in names:
            groups.setdefault(units.get(m, "") or "value", []).append(m)
        fig = make_subplots(rows=max(len(groups), 1), cols=1, shared_xaxes=True, subplot_titles=list(groups))
        days = np.arange(self.days)
        for row, (unit, ms) in enumerate(groups.items(), start=1):
            for m in ms:
                y = np.asarray(self.series[m], np.float64)
                if smooth > 1:
                    y = np.convolve(np.nan_to_num(y), np.ones(smooth) / smooth, mode="full")[: y.size]
                fig.add_trace(go.Scatter(x=days[: y.size], y=y, name=m, mode="lines"), row=row, col=1)
            fig.update_yaxes(title_text=unit, row=row, col=1)
        fig.update_xaxes(title_text="day", row=max(len(groups), 1), col=1)
        fig.update_layout(title=f"{self.name} (seed {self.seed})", height=260 * max(len(groups), 1) + 80)
        return fig


#: what ``Results.plot()`` draws by default (those the run has)
_MAIN_SERIES = ("listed_total", "wrongful_listed", "records", "records_false", "sanctions_active", "score_mean")


def _labelled(codes: Any, labels: list[str], unique: bool = True) -> pd.Categorical:
    """Integer codes as a categorical of their labels (-1 and out-of-range codes missing)."""
    import pandas as pd

    c = np.asarray(codes, np.int64)
    cats = list(dict.fromkeys(labels)) if not unique or len(set(labels)) != len(labels) else labels
    pos = {lab: i for i, lab in enumerate(cats)}
    remap = np.array([pos[lab] for lab in labels] + [-1], np.int64)
    c = np.where((c >= 0) & (c < len(labels)), c, len(labels))
    return pd.Categorical.from_codes(remap[c], categories=cats)
