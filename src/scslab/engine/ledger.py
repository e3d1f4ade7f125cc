"""Step 3: observations become records in an append-only columnar ledger.

A record keeps the ground truth (``true``: did the event really happen to this subject?)
beside what the institution recorded, so false records can be followed through lists and
measures. Records are never deleted: expiry, repair and correction change ``status``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..scenario.schema import DOMAINS, SEVERITIES
from .columns import Columns
from .module import Module
from .results import RECORD_STATUS

if TYPE_CHECKING:
    from .sim import Sim

__all__ = ["ACTIVE", "CORRECTED", "DISPUTED", "EXPIRED", "REPAIRED", "LedgerModule"]

ACTIVE, EXPIRED, REPAIRED, CORRECTED, DISPUTED = (RECORD_STATUS.index(s) for s in RECORD_STATUS)

RECORD_DTYPES = {
    "subject": "i4",
    "domain": "i1",
    "behaviour": "i2",
    "source": "i2",
    "day": "i4",
    "points": "f4",
    "true": "?",
    "severity": "i1",
    "status": "i1",
    "end_day": "i4",
}


class LedgerModule(Module):
    """observations due today become records (with their ground truth)"""

    name = "ledger"

    def init(self, sim: Sim) -> None:
        self.rec = Columns(RECORD_DTYPES, capacity=max(1024, sim.state.S // 8))
        self.configure(sim)
        self.last_bad = np.full((4, sim.state.S), -1, np.int32)
        self.last_any = np.full(sim.state.S, -1, np.int32)
        self.last_by_behaviour: dict[int, np.ndarray] = {}
        self.new_today = np.empty(0, np.int64)

    def configure(self, sim: Sim) -> None:
        """Points, domain and severity a new record of each behaviour gets (scheduled changes apply
        to records written from then on)."""
        specs = sim.scenario.behaviours
        self.b_points = np.array([b.points for b in specs], np.float32)
        self.b_domain = np.array([DOMAINS.index(b.domain) for b in specs], np.int8)
        self.b_sev = np.array([SEVERITIES.index(b.severity) for b in specs], np.int8)

    def step(self, sim: Sim, day: int) -> None:
        """Append today's due observations (their ids in ``new_today``)."""
        obs = sim.sources.due(day)
        if obs is None:
            self.new_today = np.empty(0, np.int64)
            return
        subj, beh, src, happened = obs
        keep = self._still_open(sim, subj, beh, src)
        if not keep.all():
            subj, beh, src, happened = subj[keep], beh[keep], src[keep], happened[keep]
            if subj.size == 0:
                self.new_today = np.empty(0, np.int64)
                return self.new_today
        ids = self.rec.append(
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
        self._count(sim, ids, +1)
        pts = self.b_points[beh]
        bad = pts < 0
        # the newest record explains a later listing: keep it per subject and domain
        self.last_bad[self.b_domain[beh[bad]], subj[bad]] = ids[bad]
        self.last_any[subj] = ids
        for b, last in self.last_by_behaviour.items():
            mine = beh == b
            last[subj[mine]] = ids[mine]
        self.new_today = ids

    def _still_open(self, sim: Sim, subj: np.ndarray, beh: np.ndarray, src: np.ndarray) -> np.ndarray:
        """Drop true obligation reports from sources that report only still-unpaid obligations."""
        keep = np.ones(subj.size, bool)
        bm = sim.behaviour
        for k, spec in enumerate(sim.scenario.sources):
            if not spec.only_if_still_open:
                continue
            for name, j in bm.obl_index.items():
                b = bm.specs.index(next(x for x in bm.specs if x.name == name))
                hit = (src == k) & (beh == b)
                if hit.any():
                    keep[hit] = bm.open_since[j, subj[hit]] >= 0
        return keep

    def track(self, behaviours: set[int]) -> None:
        """Keep the newest record per subject for these behaviours (lists whose rules name them)."""
        for b in behaviours:
            if b not in self.last_by_behaviour:
                self.last_by_behaviour[b] = np.full(self.last_any.size, -1, np.int32)

    def cause(self, who: np.ndarray, domain: int | None, behaviours: frozenset[int] = frozenset()) -> np.ndarray:
        """The newest live record (active or disputed) that can explain listing each subject.

        A list whose rule names behaviours (``records_<b>``) is explained by their records;
        otherwise by the newest bad record of the list's domain, or the newest record at all.
        The per-subject caches are checked first; where that record has since been retired
        (expired, repaired, corrected) the ledger is searched for the next newest live one.
        """
        if behaviours:
            cache = np.max(np.stack([self.last_by_behaviour[b][who] for b in sorted(behaviours)]), axis=0)
        elif domain is not None:
            cache = self.last_bad[domain, who]
        else:
            cache = self.last_any[who]
        cause = cache.astype(np.int64)
        if len(self.rec) == 0:
            return cause
        has = cause >= 0
        stale = np.zeros(who.size, bool)
        stale[has] = ~np.isin(self.rec["status"][cause[has]], (ACTIVE, DISPUTED))
        if stale.any():
            st = self.rec.view()
            live = np.isin(st["status"], (ACTIVE, DISPUTED)) & np.isin(st["subject"], who[stale])
            if behaviours:
                live &= np.isin(st["behaviour"], list(behaviours))
            elif domain is not None:
                live &= (st["domain"] == domain) & (st["points"] < 0)
            rows = np.flatnonzero(live)
            newest = {int(s): int(r) for s, r in zip(st["subject"][rows], rows)}  # later rows win
            for k in np.flatnonzero(stale):
                cause[k] = newest.get(int(who[k]), -1)
        return cause

    def _count(self, sim: Sim, ids: np.ndarray, sign: int) -> None:
        """Maintain active-record counters (add on entry, subtract on retirement)."""
        st = sim.state
        subj = self.rec["subject"][ids]
        pts = self.rec["points"][ids]
        dom = self.rec["domain"][ids]
        sev = self.rec["severity"][ids]
        np.add.at(st.n_records, subj, sign)
        np.add.at(st.bad_records, subj[pts < 0], sign)
        np.add.at(st.good_records, subj[pts > 0], sign)
        np.add.at(st.serious_records, subj[(sev == 2) & (pts <= 0)], sign)
        np.add.at(st.domain_records, (dom, subj), sign)
        np.add.at(st.behaviour_records, (self.rec["behaviour"][ids], subj), sign)
        st.dirty[subj] = True

    def retire(self, sim: Sim, ids: np.ndarray, status: int, day: int) -> np.ndarray:
        """End the effect of active (or disputed) records; returns the ids actually retired."""
        ids = np.asarray(ids, np.int64)
        live = ids[np.isin(self.rec["status"][ids], (ACTIVE, DISPUTED))]
        if live.size == 0:
            return live
        self._count(sim, live, -1)
        self.rec["status"][live] = status
        self.rec["end_day"][live] = day
        sim.scoring.retire(sim, live)
        return live
