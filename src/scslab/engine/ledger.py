"""Row 4: observations due today become records in the append-only records table.

A record keeps the ground truth (``true``: did the event really happen to this subject?)
beside what the institution recorded, so false records can be followed through lists and
measures. The table and its per-subject counters are shared state (``sim.state.records``,
:mod:`.records`); the ledger is the module that writes new rows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..codes import DOMAINS, SEVERITIES
from .module import Module, ResultSpec
from .records import ACTIVE, RecordTable

if TYPE_CHECKING:
    from .sim import Sim

__all__ = ["LedgerModule"]


class LedgerModule(Module):
    """observations due today become records (events.records_written)"""

    name = "ledger"

    def init(self, sim: Sim) -> None:
        sim.state.records = RecordTable(sim.state.S, len(DOMAINS))
        self.configure(sim)

    def configure(self, sim: Sim) -> None:
        """Points, domain and severity a new record of each behaviour gets (scheduled changes apply
        to records written from then on), and which obligations sources report only if unpaid."""
        specs = sim.scenario.behaviours
        self.b_points = np.array([b.points for b in specs], np.float32)
        self.b_domain = np.array([DOMAINS.index(b.domain) for b in specs], np.int8)
        self.b_sev = np.array([SEVERITIES.index(b.severity) for b in specs], np.int8)
        self.only_open = [k for k, s in enumerate(sim.scenario.sources) if s.only_if_still_open]

    def step(self, sim: Sim, day: int) -> None:
        """Append the observations due today (from ``sim.state.observations``)."""
        obs = sim.state.observations.pop(day)
        if obs is None:
            return
        subj, beh, src, happened = obs
        keep = self._still_open(sim, subj, beh, src)
        if not keep.all():
            subj, beh, src, happened = subj[keep], beh[keep], src[keep], happened[keep]
            if subj.size == 0:
                return
        sim.events.records_written = sim.state.records.append(
            sim.state,
            subject=subj,
            domain=self.b_domain[beh],
            behaviour=beh,
            source=src,
            day=day,
            points=self.b_points[beh],
            true=happened,
            severity=self.b_sev[beh],
            status=ACTIVE,
            end_day=-1,
        )

    def _still_open(self, sim: Sim, subj: np.ndarray, beh: np.ndarray, src: np.ndarray) -> np.ndarray:
        """Drop true obligation reports from sources that report only still-unpaid obligations."""
        keep = np.ones(subj.size, bool)
        ob = sim.state.obligations
        for k in self.only_open:
            for j, b in enumerate(ob.behaviour):
                hit = (src == k) & (beh == b)
                if hit.any():
                    keep[hit] = ob.open_since[j, subj[hit]] >= 0
        return keep

    # -- results --------------------------------------------------------------------------
    def results(self, sim: Sim) -> list[ResultSpec]:
        """Records written today, and how many of them record something that did not happen."""
        return [
            ResultSpec("records", "records", "records written today"),
            ResultSpec("records_false", "records", "records written today of acts that did not happen"),
        ]

    def record(self, sim: Sim, day: int, out: Any) -> None:
        new = sim.events.records_written
        out["records"] = new.size
        out["records_false"] = (~sim.state.records["true"][new]).sum() if new.size else 0
