"""Step 5: subjects enter and leave red lists, blacklists and watch lists.

Entry rules are evaluated only for *candidates*: subjects whose institution-visible state
changed (a record arrived, expired or was corrected; an obligation opened or was settled)
and subjects with an open obligation, whose ``unpaid_days`` grow daily. Terms end through a
day-keyed queue; a rule at term end may extend the spell; an exit rule removes a subject
within ``exit_within_days`` of performance. A spell remembers the record that caused it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..scenario.expr import compile_expr
from .attributes import SubjectView, attribute_names
from .columns import Columns
from .module import Module
from .queue import DayQueue
from .results import END_REASONS

if TYPE_CHECKING:
    from .sim import Sim

__all__ = ["ListsModule"]

SPELL_DTYPES = {
    "subject": "i4",
    "list": "i2",
    "start": "i4",
    "end": "i4",
    "cause_record": "i8",
    "end_reason": "i1",
    "wrongful": "?",
}
TERM, PERFORMANCE, CORRECTED = (END_REASONS.index(r) for r in ("term", "performance", "corrected"))
SUBJECTS = {"person": (0,), "enterprise": (1,), "any": (0, 1, 2, 3)}
DOMAIN_CODES = {"government": 0, "commercial": 1, "social": 2, "judicial": 3}


class ListsModule(Module):
    """subjects enter or leave red lists, blacklists and watch lists"""

    name = "lists"

    def init(self, sim: Sim) -> None:
        self.sim_state = sim.state
        self.spells = Columns(SPELL_DTYPES, capacity=4096)
        self.term_q = DayQueue()
        nl = len(sim.scenario.lists)
        self.exit_q = [DayQueue() for _ in range(nl)]
        self.count = np.zeros(nl, np.int64)
        self.entries_today = np.zeros(nl, np.int64)
        self.exits_today = np.zeros(nl, np.int64)
        self.configure(sim)

    def configure(self, sim: Sim) -> None:
        """Compile the rules (at start and after a scheduled change of a list's rules or terms)."""
        sc = sim.scenario
        self.specs = sc.lists
        self.getters = SubjectView.getters(sim)
        names = attribute_names(sim)
        self.entry = [compile_expr(x.entry, names) for x in self.specs]
        self.exit = [compile_expr(x.exit, names) if x.exit else None for x in self.specs]
        self.extend = [compile_expr(x.extend_if, names) if x.extend_if else None for x in self.specs]
        bidx = {f"records_{b.name}": i for i, b in enumerate(sc.behaviours)}
        self.cause_behaviours = [frozenset(bidx[nm] for nm in e.names if nm in bidx) for e in self.entry]
        for bs in self.cause_behaviours:
            sim.ledger.track(set(bs))
        self.types = np.array([{"black": 0, "red": 1, "watch": 2}[x.type] for x in self.specs], np.int8)
        self.kind_ok = [np.isin(np.arange(4), SUBJECTS[x.subjects]) for x in self.specs]
        self.exit_reads_time = [
            e is not None and any(nm == "day" or nm.startswith(("days_listed_", "unpaid_days")) for nm in e.names)
            for e in self.exit
        ]

    # -- rule attributes ----------------------------------------------------------------
    def on_type(self, idx: np.ndarray, type_name: str) -> np.ndarray:
        code = {"black": 0, "red": 1, "watch": 2}[type_name]
        rows = np.flatnonzero(self.types == code)
        if rows.size == 0:
            return np.zeros(idx.size, bool)
        return self._listed(rows, idx)

    def _listed(self, rows: np.ndarray, idx: np.ndarray) -> np.ndarray:
        return self.sim_state.listed[rows][:, idx].any(axis=0)

    def days_listed(self, k: int, idx: np.ndarray, day: int) -> np.ndarray:
        sp = self.sim_state.spell_of[k, idx]
        if len(self.spells) == 0:
            return np.zeros(idx.size, np.int32)
        start = self.spells["start"][np.maximum(sp, 0)]
        return np.where(sp >= 0, day - start, 0)

    def view(self, sim: Sim, idx: np.ndarray) -> SubjectView:
        return SubjectView(sim, idx, self.getters)

    # -- the step -----------------------------------------------------------------------
    def step(self, sim: Sim, day: int) -> None:
        st = sim.state
        self.entries_today[:] = 0
        self.exits_today[:] = 0
        self._terms(sim, day)
        for owing in sim.behaviour.open_idx:  # unpaid_days grows daily for open obligations
            st.dirty[owing] = True
        cand_idx = np.flatnonzero(st.dirty)
        for k, spec in enumerate(self.specs):
            self._exits(sim, k, day, cand_idx)
            full = spec.full_review_days > 0 and day % spec.full_review_days == 0
            if not full and (day % spec.review_every_days or cand_idx.size == 0):
                continue
            pool = np.arange(st.S) if full else cand_idx
            idx = pool[self.kind_ok[k][st.kind[pool]] & ~st.listed[k, pool]]
            if idx.size == 0:
                continue
            enter = idx[self.entry[k].condition(self.view(sim, idx), idx.size)]
            if enter.size:
                self.start(sim, k, enter, day)
        st.dirty[:] = False

    def start(self, sim: Sim, k: int, who: np.ndarray, day: int) -> np.ndarray:
        spec, st, led = self.specs[k], sim.state, sim.ledger
        cause = led.cause(who, None if spec.domain is None else DOMAIN_CODES[spec.domain], self.cause_behaviours[k])
        wrongful = np.zeros(who.size, bool)
        has = cause >= 0
        wrongful[has] = ~led.rec["true"][cause[has]]
        ids = self.spells.append(
            subject=who, list=k, start=day, end=-1, cause_record=cause, end_reason=0, wrongful=wrongful
        )
        st.listed[k, who] = True
        st.spell_of[k, who] = ids
        st.ever_listed[who] |= self.types[k] == 0
        st.wrongly_listed[who] |= wrongful & (self.types[k] == 0)
        if spec.term_days > 0:
            self.term_q.push(day + spec.term_days, ids)
        self.entries_today[k] += who.size
        self.count[k] += who.size
        sim.measures.on_spell_start(sim, k, ids, who, day)
        return ids

    def end(self, sim: Sim, ids: np.ndarray, reason: int, day: int) -> None:
        ids = ids[self.spells["end"][ids] < 0]
        if ids.size == 0:
            return
        st = sim.state
        subj, lst = self.spells["subject"][ids], self.spells["list"][ids]
        self.spells["end"][ids] = day
        self.spells["end_reason"][ids] = reason
        st.listed[lst, subj] = False
        st.spell_of[lst, subj] = -1
        st.pending_exit[lst, subj] = -1
        st.dirty[subj] = True
        np.add.at(self.exits_today, lst, 1)
        np.add.at(self.count, lst, -1)
        sim.measures.on_spell_end(sim, ids, day)

    def _terms(self, sim: Sim, day: int) -> None:
        ids = self.term_q.pop(day)
        ids = ids[self.spells["end"][ids] < 0] if ids.size else ids
        if ids.size == 0:
            return
        lst = self.spells["list"][ids]
        for k in np.unique(lst):
            mine = ids[lst == k]
            ext = self.extend[k]
            if ext is not None and self.specs[k].extension_days > 0:
                subj = self.spells["subject"][mine].astype(np.int64)
                more = ext.condition(self.view(sim, subj), subj.size)
                self.term_q.push(day + self.specs[k].extension_days, mine[more])
                mine = mine[~more]
            self.end(sim, mine, TERM, day)

    def _exits(self, sim: Sim, k: int, day: int, cand: np.ndarray) -> None:
        """Removal on performance: checked for listed candidates (or all listed if the rule reads time)."""
        st, spec = sim.state, self.specs[k]
        if self.exit[k] is None:
            return
        due = self.exit_q[k].pop(day)
        if due.size:
            due = due[self.spells["end"][due] < 0]
            self.end(sim, due, PERFORMANCE, day)
        if self.exit_reads_time[k]:
            listed = np.flatnonzero(st.listed[k])
        else:
            listed = cand[st.listed[k, cand]]
        todo = listed[st.pending_exit[k, listed] < 0]
        if todo.size == 0:
            return
        ok = todo[self.exit[k].condition(self.view(sim, todo), todo.size)]
        if ok.size:
            u = sim.streams.uniform(f"lists.{spec.name}.exit_delay", day, ok)
            delay = np.floor(u * (spec.exit_within_days + 1)).astype(np.int32)
            st.pending_exit[k, ok] = day + delay
            now = delay == 0
            later = ok[~now]
            self.exit_q[k].push(day + delay[~now], st.spell_of[k, later])
            if now.any():
                self.end(sim, st.spell_of[k, ok[now]].astype(np.int64), PERFORMANCE, day)

    def on_corrected(self, sim: Sim, record_ids: np.ndarray, day: int) -> None:
        """A corrected record ends the open spells it caused."""
        if record_ids.size == 0 or len(self.spells) == 0:
            return
        open_ = np.flatnonzero(self.spells["end"] < 0)
        hit = open_[np.isin(self.spells["cause_record"][open_], record_ids)]
        self.end(sim, hit, CORRECTED, day)
