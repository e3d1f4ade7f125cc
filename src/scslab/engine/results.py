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

from ..scenario.schema import DOMAINS, SEVERITIES, SUBJECT_TYPES

if TYPE_CHECKING:
    from ..scenario.schema import Scenario

__all__ = ["END_REASONS", "RECORD_STATUS", "SUBJECT_DTYPES", "VIA", "Results", "result_names"]

RECORD_STATUS = ("active", "expired", "repaired", "corrected", "disputed")
END_REASONS = ("open", "term", "performance", "corrected", "repaired")
VIA = ("self", "legal_rep", "represented_firms", "spouse", "children", "household")
#: The fixed columns of ``subjects`` (declared subject columns come on top).
SUBJECT_DTYPES = {
    "type": "i1",
    "sex": "i1",
    "urban": "i1",
    "migrant": "i1",
    "group": "i1",
    "income0": "f4",
    "income": "f4",
    "score": "f4",
    "grade": "i1",
}


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
        "subject_type": list(SUBJECT_TYPES),
        "via": list(VIA),
        "record_status": list(RECORD_STATUS),
        "end_reason": list(END_REASONS),
        "severity": list(SEVERITIES),
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

    def to_df(self):
        """Per-day series as a pandas DataFrame indexed by day (one column per series)."""
        import pandas as pd

        df = pd.DataFrame({k: np.asarray(v) for k, v in self.series.items()})
        df.index.name = "day"
        return df

    def table(self, name: str):
        """One of ``records``, ``list_spells``, ``sanctions`` or ``subjects`` as a DataFrame."""
        import pandas as pd

        return pd.DataFrame(getattr(self, name))
