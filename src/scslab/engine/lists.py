"""The lists row: subjects enter and leave red lists, blacklists and watch lists.

Entry rules are evaluated only for *candidates*: subjects whose institution-visible state
changed (a record arrived, expired or was corrected; an obligation opened or was settled)
and subjects with an open obligation, whose ``unpaid_days`` grow daily. Terms end through a
day-keyed queue; a rule at term end may extend the spell; an exit rule removes a subject
within ``exit_within_days`` of performance. A spell remembers the record that caused it,
and whether it is *wrongful* by the but-for test (:mod:`.wrongful`) with the false records
that were decisive.

Spells live in the shared :class:`.spells.SpellTable` (``sim.state.spells``). Every spell
this row starts or ends goes to ``sim.events.spell_changes`` in the order it happened; the
measures row applies and lifts their measures from there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..codes import DOMAIN_CODES
from ..scenario.expr import compile_expr
from .attributes import SubjectView, attribute_names
from .events import SPELL_END, SPELL_START
from .module import SAMPLE_EVERY, Module, ResultSpec
from .queue import DayQueue
from .spells import PERFORMANCE, TERM, SpellTable
from .state import chunks
from .wrongful import but_for

if TYPE_CHECKING:
    from .sim import Sim

__all__ = ["ListsModule"]

SUBJECTS = {"person": (0,), "enterprise": (1,), "any": (0, 1, 2, 3)}


class ListsModule(Module):
    """subjects enter or leave red lists, blacklists and watch lists (events.spell_changes)"""

    name = "lists"

    def init(self, sim: Sim) -> None:
        sim.state.spells = SpellTable([x.type for x in sim.scenario.lists])
        self.term_q = DayQueue()
        self.exit_q = [DayQueue() for _ in sim.scenario.lists]
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
            sim.state.records.track(set(bs))
        self.kind_ok = [np.isin(np.arange(4), SUBJECTS[x.subjects]) for x in self.specs]
        self.exit_reads_time = [
            e is not None and any(nm == "day" or nm.startswith(("days_listed_", "unpaid_days")) for nm in e.names)
            for e in self.exit
        ]

    def view(self, sim: Sim, idx: np.ndarray) -> SubjectView:
        return SubjectView(sim, idx, self.getters)

    # -- the step -----------------------------------------------------------------------
    def step(self, sim: Sim, day: int) -> None:
        st = sim.state
        self._terms(sim, day)
        for owing in st.obligations.open_idx:  # unpaid_days grows daily for open obligations
            st.dirty[owing] = True
        cand_idx = np.flatnonzero(st.dirty)
        for k, spec in enumerate(self.specs):
            self._exits(sim, k, day, cand_idx)
            full = spec.full_review_days > 0 and day % spec.full_review_days == 0
            if not full and (day % spec.review_every_days or cand_idx.size == 0):
                continue
            # the pool (every subject on a full review) a chunk at a time (the rule is
            # elementwise): the same subjects enter, in the same order, with one chunk's
            # temporaries at most
            if full:
                pools = (np.arange(lo, hi) for lo, hi in chunks(st.S))
            else:
                pools = (cand_idx[lo:hi] for lo, hi in chunks(cand_idx.size))
            entered = [self._entering(sim, k, pool) for pool in pools]
            enter = np.concatenate(entered) if entered else np.zeros(0, np.int64)
            if enter.size:
                self._start(sim, k, enter, day)
        st.dirty[:] = False

    def _entering(self, sim: Sim, k: int, pool: np.ndarray) -> np.ndarray:
        """The subjects of ``pool`` (ascending) not on list ``k`` that its entry rule admits."""
        st = sim.state
        idx = pool[self.kind_ok[k][st.kind[pool]] & ~st.listed[k, pool]]
        if idx.size == 0:
            return idx
        return idx[self.entry[k].condition(self.view(sim, idx), idx.size)]

    def _start(self, sim: Sim, k: int, who: np.ndarray, day: int) -> None:
        spec, rec = self.specs[k], sim.state.records
        cause = rec.cause(who, None if spec.domain is None else DOMAIN_CODES[spec.domain], self.cause_behaviours[k])
        wrongful, decisive, pos = but_for(sim, self.entry[k], who, self.getters)
        if decisive.size:  # a wrongful spell is explained by its newest decisive false record
            newest = np.full(who.size, -1, np.int64)
            np.maximum.at(newest, pos, decisive)
            cause = np.where(newest >= 0, newest, cause)
        ids = sim.state.spells.start(sim.state, k, who, day, cause, wrongful)
        if decisive.size:
            sim.state.spells.decisive.append(spell=ids[pos], record=decisive)
        if spec.term_days > 0:
            self.term_q.push(day + spec.term_days, ids)
        sim.events.spell_changes.append((SPELL_START, ids))

    def _end(self, sim: Sim, ids: np.ndarray, reason: int, day: int) -> None:
        ended = sim.state.spells.end(sim.state, ids, reason, day)
        if ended.size:
            sim.events.spell_changes.append((SPELL_END, ended))

    def _terms(self, sim: Sim, day: int) -> None:
        spells = sim.state.spells
        ids = self.term_q.pop(day)
        ids = ids[spells["end"][ids] < 0] if ids.size else ids
        if ids.size == 0:
            return
        lst = spells["list"][ids]
        for k in np.unique(lst):
            mine = ids[lst == k]
            ext = self.extend[k]
            if ext is not None and self.specs[k].extension_days > 0:
                subj = spells["subject"][mine].astype(np.int64)
                more = ext.condition(self.view(sim, subj), subj.size)
                self.term_q.push(day + self.specs[k].extension_days, mine[more])
                mine = mine[~more]
            self._end(sim, mine, TERM, day)

    def _exits(self, sim: Sim, k: int, day: int, cand: np.ndarray) -> None:
        """Removal on performance: checked for listed candidates (or all listed if the rule reads time)."""
        st, spec = sim.state, self.specs[k]
        rule = self.exit[k]
        if rule is None:
            return
        due = self.exit_q[k].pop(day)
        if due.size:
            due = due[st.spells["end"][due] < 0]
            self._end(sim, due, PERFORMANCE, day)
        if self.exit_reads_time[k]:
            listed = np.flatnonzero(st.listed[k])
        else:
            listed = cand[st.listed[k, cand]]
        todo = listed[st.pending_exit[k, listed] < 0]
        if todo.size == 0:
            return
        ok = todo[rule.condition(self.view(sim, todo), todo.size)]
        if ok.size:
            u = sim.streams.uniform(f"lists.{spec.name}.exit_delay", day, ok)
            delay = np.floor(u * (spec.exit_within_days + 1)).astype(np.int32)
            st.pending_exit[k, ok] = day + delay
            now = delay == 0
            later = ok[~now]
            self.exit_q[k].push(day + delay[~now], st.spell_of[k, later])
            if now.any():
                self._end(sim, st.spell_of[k, ok[now]].astype(np.int64), PERFORMANCE, day)

    # -- results --------------------------------------------------------------------------
    def results(self, sim: Sim) -> list[ResultSpec]:
        """Who is on each list, who entered and left today, and the wrongfully blacklisted."""
        self.black = [k for k, x in enumerate(sim.scenario.lists) if x.type == "black"]
        return [
            ResultSpec("listed_total", "subjects", "subjects on any blacklist (each counted once)"),
            ResultSpec(
                "wrongful_listed", "subjects", "open blacklist spells caused by a false record", every=SAMPLE_EVERY
            ),
            ResultSpec("list_entries", "spells", "list spells started today"),
            ResultSpec("list_exits", "spells", "list spells ended today"),
            *(ResultSpec(f"listed_{x.name}", "subjects", f"subjects on {x.name}") for x in sim.scenario.lists),
            ResultSpec(
                "red_rule_mismatch",
                "persons",
                "persons whose red-list status at the end differs from the list's entry rule that day",
                "i8",
                kind="figure",
            ),
        ]

    def finish(self, sim: Sim, out: dict[str, Any]) -> None:
        st = sim.state
        names = attribute_names(sim)
        bad = 0
        for k, lst in enumerate(sim.scenario.lists):
            if lst.type != "red":
                continue
            rule = compile_expr(lst.entry, names)
            for lo, hi in chunks(st.S):  # the rule's temporaries a chunk of subjects at a time
                persons = lo + np.flatnonzero(st.is_person[lo:hi])
                if persons.size == 0:
                    continue
                meets = rule.condition(SubjectView(sim, persons), persons.size)
                bad += int((meets != st.listed[k, persons]).sum())
        out["red_rule_mismatch"] = bad

    def record(self, sim: Sim, day: int, out: Any) -> None:
        st = sim.state
        for k, x in enumerate(sim.scenario.lists):
            out[f"listed_{x.name}"] = st.spells.count[k]
        if len(self.black) == 1:
            out["listed_total"] = st.spells.count[self.black[0]]
        elif self.black:  # subjects on several blacklists count once: one pass, daily
            out["listed_total"] = st.listed[self.black].any(axis=0).sum()
        out["list_entries"] = sim.events.spells_started().size
        out["list_exits"] = sim.events.spells_ended().size
        if out.sampling:
            sp = st.spells
            if self.black and len(sp):
                open_ = (sp["end"] < 0) & sp["wrongful"] & np.isin(sp["list"], self.black)
                out["wrongful_listed"] = open_.sum()
