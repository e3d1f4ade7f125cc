"""The measures row: joint sanctions and joint rewards across agencies.

The scenario's ``measures`` table is the measure × list × agency matrix of the 2016
Opinions (facts 2.6, 2b). When a spell starts, each enabled measure of that list reaches
its targets -- the listed subject itself, a listed firm's legal representative, a listed
person's firms, spouse, children or household -- if the target passes the measure's
eligibility rule. Effects (income change, service blocks, benefits) last as long as the
spell. An agency that joins later (``from_day``) applies its measure to open spells then;
a measure lifted on ``until_day`` (a rule replaced by a narrower one) leaves them then.
A measure with ``recheck_days`` N evaluates its eligibility again every N days for the
targets of its open spells: it starts for a target who became eligible during the spell
and stops (row ended, effect lifted) for one who no longer is. With 0, the default, the
rule is read only when the spell starts or the agency joins.

Blocked services are counted per attempt: a subject denied a service by at least one
measure tries it at the highest ``attempts_per_year`` among those measures, with one draw
per subject, service and day (stream ``services.<service>.attempt``), so a subject denied
flights by two measures is not counted twice. A blocked attempt counts once for the
service (``blocked_by_service``) and once for every measure denying it at the time
(``blocked_total``, per measure).

The row runs after repair and retirement and works through the day's spell events in this
order: the spells lists started and ended today (``events.spell_changes``, in the order
they happened: a lift before an application to the same subject changes a floating-point
sum), agencies joining and measures lifted today, the blocked attempts, and last the spells
retirement ended because their causing record was corrected (``events.spells_corrected``).
Neither repair nor retirement reads anything this row writes, so running it after them is
the same as running it between lists and repair. Publicity measures put their targets in
``events.exposed`` for the exclusion row.

Sanction cascades: every application carries the record that set its chain off
(``origin_record``), that record's subject (``origin_subject``) and the number of links
between them and the target (``depth``). A spell resting on a record of its subject's own
has depth 0 and that record as origin; a spell without one (a rule on ``sanctions``, a
grade with no record behind it) inherits the shallowest chain of the measures in force on
its subject when it starts (or is its own origin, depth 0, when there are none). A measure
reaching its target along a link (legal representative, spouse, children, household,
represented firms) adds one to its spell's depth.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..codes import SANCTION_DTYPES, VIA
from ..jit import njit
from ..scenario.expr import compile_expr
from .attributes import SubjectView, attribute_names
from .columns import Columns
from .decision import measure_enabled
from .events import SPELL_START
from .module import SAMPLE_EVERY, Module, ResultSpec
from .state import chunks

if TYPE_CHECKING:
    from .sim import Sim

__all__ = ["APPLICATION_SERVICES", "MeasuresModule"]

# Services whose rejection *rate* is reported (russia-trajectory's hiring, facts 7.12-7.13):
# their applications are drawn for every adult person, not only for the blocked, which costs
# one draw per adult a day, so only these pay for it; other services count blocked attempts.
APPLICATION_SERVICES = ("hiring",)


@njit(cache=True)
def _chain(first: np.ndarray, nxt: np.ndarray, spells: np.ndarray) -> np.ndarray:
    """All sanction rows linked from the given spells (per-spell singly linked lists)."""
    count = 0
    for s in spells:
        r = first[s]
        while r >= 0:
            count += 1
            r = nxt[r]
    out = np.empty(count, np.int64)
    k = 0
    for s in spells:
        r = first[s]
        while r >= 0:
            out[k] = r
            k += 1
            r = nxt[r]
    return out


class MeasuresModule(Module):
    """joint sanctions and rewards reach subjects and their links"""

    name = "measures"

    def init(self, sim: Sim) -> None:
        self.rows = Columns(SANCTION_DTYPES, capacity=4096)
        self.spell_first = np.full(1024, -1, np.int64)
        # per spell: depth and origin of its chain (set when the spell starts, see the docstring)
        self.spell_depth = np.zeros(1024, np.int8)
        self.spell_origin = np.full(1024, -1, np.int64)
        self.spell_origin_subject = np.full(1024, -1, np.int64)
        self.applied_today = 0
        self.rows_counted = 0  # rows already counted in an earlier day's applied_today
        self.blocked_total = np.zeros(len(sim.scenario.measures), np.int64)
        self.blocked_by_service = np.zeros(len(sim.state.services), np.int64)
        # applications and rejections of the services whose rejection rate is reported, in
        # total and by the list the applicant was on that day ({service: {"all"|list: n}})
        names = ["all", *(x.name for x in sim.scenario.lists)]
        self.applications = {s: dict.fromkeys(names, 0) for s in APPLICATION_SERVICES if s in sim.state.services}
        self.rejections = {s: dict.fromkeys(names, 0) for s in self.applications}
        self.configure(sim)
        # targets each service-blocking measure currently reaches (a target reached twice counts 2)
        self.block_row = np.cumsum(self.block >= 0, dtype=np.int64) - 1
        self.active = np.zeros((int((self.block >= 0).sum()), sim.state.S), np.int16)
        self.reviewed_cancelled = 0

    def configure(self, sim: Sim) -> None:
        """The measure table as arrays (at start and after a scheduled change; measures already
        applied keep the effect they were applied with until their spell ends)."""
        sc = sim.scenario
        self.specs = sc.measures
        names = attribute_names(sim)
        self.eligible = [compile_expr(m.eligible, names) for m in self.specs]
        self.getters = SubjectView.getters(sim)
        list_idx = {x.name: k for k, x in enumerate(sc.lists)}
        self.list_of = np.array([list_idx[m.list] for m in self.specs], np.int16)
        services = sim.state.services
        self.block = np.array([services.index(m.blocks) if m.blocks else -1 for m in self.specs], np.int16)

    enabled = staticmethod(measure_enabled)

    # -- targets ------------------------------------------------------------------------
    def _targets(self, sim: Sim, via: str, subj: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(targets, index into subj) reached from each listed subject along one link."""
        st, n = sim.state, sim.state.n
        if via == "self":
            return subj, np.arange(subj.size)
        if via == "legal_rep":
            orgs = np.flatnonzero(subj >= n)
            rep = st.legal_rep[subj[orgs] - n] if orgs.size else np.empty(0, np.int64)
            ok = rep >= 0
            return rep[ok].astype(np.int64), orgs[ok]
        if via == "spouse":
            ppl = np.flatnonzero(subj < n)
            sp = st.spouse[subj[ppl]]
            ok = sp >= 0
            return sp[ok].astype(np.int64), ppl[ok]
        csr = {"children": st.children, "represented_firms": st.represented, "household": sim.pop.household_net}[via]
        ppl = np.flatnonzero(subj < n)
        who = subj[ppl]
        deg = (csr.indptr[who + 1] - csr.indptr[who]).astype(np.int64)
        if deg.sum() == 0:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        starts = np.repeat(csr.indptr[who], deg)
        offs = np.arange(deg.sum()) - np.repeat(np.cumsum(deg) - deg, deg)
        return csr.indices[starts + offs].astype(np.int64), np.repeat(ppl, deg)

    def _grow(self, n_spells: int) -> None:
        if n_spells > self.spell_first.size:
            size = max(n_spells, 2 * self.spell_first.size)
            for name, fill in (("spell_first", -1), ("spell_depth", 0), ("spell_origin", -1)):
                old = getattr(self, name)
                new = np.full(size, fill, old.dtype)
                new[: old.size] = old
                setattr(self, name, new)
            old = self.spell_origin_subject
            self.spell_origin_subject = np.full(size, -1, np.int64)
            self.spell_origin_subject[: old.size] = old

    def _chains(self, sim: Sim, ids: np.ndarray, subj: np.ndarray) -> None:
        """Depth and origin of the chain of each new spell ``ids`` of subjects ``subj``."""
        cause = sim.state.spells["cause_record"][ids].astype(np.int64)
        self.spell_depth[ids] = 0
        self.spell_origin[ids] = cause
        self.spell_origin_subject[ids] = subj
        # no record of its own: the shallowest chain among the sanctions in force on the subject
        heir = np.flatnonzero((cause < 0) & (sim.state.n_sanctions[subj] > 0))
        if heir.size == 0 or len(self.rows) == 0:
            return
        r = self.rows
        kinds = np.array([m.kind == "sanction" for m in self.specs])
        live = np.flatnonzero((r["end"] < 0) & kinds[r["measure"]] & np.isin(r["target"], subj[heir]))
        if live.size == 0:
            return
        order = live[np.lexsort((r["depth"][live], r["target"][live]))]  # by target, shallowest first
        tgt = r["target"][order].astype(np.int64)
        first = np.r_[True, tgt[1:] != tgt[:-1]]
        best = dict(zip(tgt[first].tolist(), order[first].tolist()))
        for k in heir:  # one step per inheriting spell (rare: listed without a record)
            row = best.get(int(subj[k]))
            if row is not None:
                sid = ids[k]
                self.spell_depth[sid] = r["depth"][row]
                self.spell_origin[sid] = r["origin_record"][row]
                self.spell_origin_subject[sid] = r["origin_subject"][row]

    def _apply(self, sim: Sim, j: int, spells: np.ndarray, subj: np.ndarray, day: int) -> None:
        for via in self.specs[j].applies_to:
            tgt, src = self._targets(sim, via, subj)
            if tgt.size == 0:
                continue
            ok = self.eligible[j].condition(SubjectView(sim, tgt, self.getters), tgt.size)
            self._apply_pairs(sim, j, via, tgt[ok], spells[src[ok]], day)

    def _apply_pairs(self, sim: Sim, j: int, via: str, tgt: np.ndarray, sp: np.ndarray, day: int) -> None:
        """Measure j reaches the eligible targets ``tgt`` of the spells ``sp`` along ``via``."""
        m = self.specs[j]
        if tgt.size == 0:
            return
        wrong = sim.state.spells["wrongful"][sp]
        if m.human_review_share > 0:  # GDPR Art. 22-style review of automated decisions
            # keyed by the target and the spell's (subject gid, list, start): not its row, which
            # differs between shards
            sps = sim.state.spells
            who = sim.streams.gid(sps["subject"][sp])
            lists = len(sim.scenario.lists)
            spell_key = ((who * lists + sps["list"][sp]) << 14) | (sps["start"][sp].astype(np.int64) & 0x3FFF)
            u = sim.streams.uniform_sub(f"measures.{m.name}.review", day, tgt, spell_key)
            veto = (u < m.human_review_share) & wrong
            self.reviewed_cancelled += int(veto.sum())
            tgt, sp, wrong = tgt[~veto], sp[~veto], wrong[~veto]
            if tgt.size == 0:
                return
        effect = m.income_effect * self._scale(sim, j)
        depth = self.spell_depth[sp].astype(np.int64) + (via != "self")
        ids = self.rows.append(
            target=tgt,
            measure=j,
            spell=sp,
            start=day,
            end=-1,
            via=VIA.index(via),
            wrongful=wrong,
            next=-1,
            effect=effect,
            benefit=m.benefit,
            origin_subject=self.spell_origin_subject[sp],
            origin_record=self.spell_origin[sp],
            depth=np.minimum(depth, np.iinfo(np.int8).max),
        )
        # prepend to each spell's chain; rows for the same spell are chained in order
        nxt = self.rows["next"]
        for r, s in zip(ids, sp):  # one step per new sanction row (rare events)
            nxt[r] = self.spell_first[s]
            self.spell_first[s] = r
        self._effect(sim, j, tgt, np.full(tgt.size, effect), np.full(tgt.size, m.benefit), +1)
        if m.publicity:
            sim.events.exposed.append(tgt)

    def _scale(self, sim: Sim, j: int) -> float:
        """Severity multiplier in force for a new application of measure j."""
        return sim.scenario.policy.sanction_scale if self.specs[j].kind == "sanction" else 1.0

    def _effect(self, sim: Sim, j: int, tgt: np.ndarray, effect: np.ndarray, benefit: np.ndarray, sign: int) -> None:
        """Add (sign +1) or remove (-1) measure j's effect on its targets. Removal passes the
        income effect and benefit stored when it was applied, so a mid-run change of
        sanction_scale or of the measure undoes exactly what was done."""
        st, m = sim.state, self.specs[j]
        if effect.any():
            np.add.at(st.income_effect, tgt, sign * effect)
        if benefit.any():
            np.add.at(st.benefit, tgt, sign * benefit)
        if self.block[j] >= 0:
            np.add.at(st.blocks[self.block[j]], tgt, sign)
            np.add.at(self.active[self.block_row[j]], tgt, sign)
        np.add.at(st.n_sanctions if m.kind == "sanction" else st.n_rewards, tgt, sign)

    # -- spells starting and ending ---------------------------------------------------------
    def _spell_start(self, sim: Sim, k: int, spells: np.ndarray, subj: np.ndarray, day: int) -> None:
        self._grow(len(sim.state.spells))
        pol = sim.scenario.policy
        for j in np.flatnonzero(self.list_of == k):
            if self.enabled(self.specs[j], pol, day):
                self._apply(sim, int(j), spells, subj.astype(np.int64), day)

    def _spell_end(self, sim: Sim, spells: np.ndarray, day: int) -> None:
        rows = _chain(self.spell_first, self.rows["next"], spells.astype(np.int64))
        rows = rows[self.rows["end"][rows] < 0]
        if rows.size == 0:
            return
        self.rows["end"][rows] = day
        meas = self.rows["measure"][rows]
        tgt = self.rows["target"][rows].astype(np.int64)
        effect, benefit = self.rows["effect"][rows], self.rows["benefit"][rows]
        for j in np.unique(meas):
            mine = meas == j
            self._effect(sim, int(j), tgt[mine], effect[mine], benefit[mine], -1)

    def step(self, sim: Sim, day: int) -> None:
        """Measures of the spells started and ended today; agencies joining today apply to
        open spells, measures lifted today leave them; blocked targets try the services
        denied to them; the measures of spells ended by a correction are lifted."""
        pol, spells = sim.scenario.policy, sim.state.spells
        self._grow(len(spells))
        for kind, ids in sim.events.spell_changes:  # chains first: from the measures the rules saw in force
            if kind == SPELL_START:
                self._chains(sim, ids.astype(np.int64), spells["subject"][ids].astype(np.int64))
        for kind, ids in sim.events.spell_changes:  # in the order lists made them
            if kind == SPELL_START:
                self._spell_start(sim, int(spells["list"][ids[0]]), ids, spells["subject"][ids], day)
            else:
                self._spell_end(sim, ids, day)
        for j, m in enumerate(self.specs):
            if m.from_day == day and day > 0 and self.enabled(m, pol, day) and len(spells):
                open_ = np.flatnonzero(
                    (spells["end"] < 0) & (spells["list"] == self.list_of[j]) & (spells["start"] < day)
                )  # spells starting today already got it
                if open_.size:
                    self._apply(sim, j, open_, spells["subject"][open_].astype(np.int64), day)
            if m.until_day == day:
                self._lift(sim, j, day)
        for j, m in enumerate(self.specs):
            if m.recheck_days and day > 0 and day % m.recheck_days == 0 and self.enabled(m, pol, day):
                self._recheck(sim, j, day)
        self._attempts(sim, day)
        if sim.events.spells_corrected.size:
            self._spell_end(sim, sim.events.spells_corrected, day)
        # rows appended since yesterday's step: today's starts by lists and agencies joining
        self.applied_today = len(self.rows) - self.rows_counted
        self.rows_counted = len(self.rows)

    def _recheck(self, sim: Sim, j: int, day: int) -> None:
        """Measure j's eligibility read again for the targets of its open spells: rows whose
        target no longer passes end today; eligible targets it does not reach yet get a row."""
        spells, rows = sim.state.spells, self.rows
        live = np.flatnonzero((rows["measure"] == j) & (rows["end"] < 0))
        if live.size:
            tgt = rows["target"][live].astype(np.int64)
            keep = self.eligible[j].condition(SubjectView(sim, tgt, self.getters), tgt.size)
            stop = live[~keep]
            if stop.size:
                rows["end"][stop] = day
                self._effect(sim, j, tgt[~keep], rows["effect"][stop], rows["benefit"][stop], -1)
            live = live[keep]
        open_ = np.flatnonzero(
            (spells["end"] < 0) & (spells["list"] == self.list_of[j]) & (spells["start"] < day)
        )  # spells starting today were read on entry
        if open_.size == 0:
            return
        S = np.int64(sim.state.S)
        have = (rows["spell"][live].astype(np.int64) * 8 + rows["via"][live]) * S + rows["target"][live]
        subj = spells["subject"][open_].astype(np.int64)
        for via in self.specs[j].applies_to:
            tgt, src = self._targets(sim, via, subj)
            if tgt.size == 0:
                continue
            sp = open_[src].astype(np.int64)
            new = ~np.isin((sp * 8 + VIA.index(via)) * S + tgt, have)
            tgt, sp = tgt[new], sp[new]
            if tgt.size == 0:
                continue
            ok = self.eligible[j].condition(SubjectView(sim, tgt, self.getters), tgt.size)
            self._apply_pairs(sim, j, via, tgt[ok], sp[ok], day)

    def _lift(self, sim: Sim, j: int, day: int) -> None:
        """Measure j ends today for every target it still reaches (its spells carry on)."""
        rows = np.flatnonzero((self.rows["measure"] == j) & (self.rows["end"] < 0))
        if rows.size == 0:
            return
        self.rows["end"][rows] = day
        tgt = self.rows["target"][rows].astype(np.int64)
        self._effect(sim, j, tgt, self.rows["effect"][rows], self.rows["benefit"][rows], -1)

    def _attempts(self, sim: Sim, day: int) -> None:
        """Each subject denied a service tries it at the highest rate among the measures denying it."""
        for svc in np.unique(self.block[self.block >= 0]):
            js = [j for j in np.flatnonzero(self.block == svc) if self.specs[j].attempts_per_year > 0]
            if not js:
                continue
            rates = [self.specs[j].attempts_per_year for j in js]
            counted = self.applications.get(sim.state.services[svc])
            if len(js) == 1:
                who = np.flatnonzero(self.active[self.block_row[js[0]]] > 0)
                rate = np.full(who.size, rates[0])
            else:
                who = np.flatnonzero(sim.state.blocks[svc] > 0)
                rate = np.zeros(who.size)
                for j, a in zip(js, rates):
                    rate = np.where(self.active[self.block_row[j], who] > 0, np.maximum(rate, a), rate)
                who, rate = who[rate > 0], rate[rate > 0]
            stream = f"services.{sim.state.services[svc]}.attempt"
            u = sim.streams.uniform(stream, day, who)
            hit = who[u < rate / 365.0]
            if counted is not None:
                self._count_applications(sim, svc, stream, max(rates), day, hit)
            if hit.size == 0:
                continue
            self.blocked_by_service[svc] += hit.size
            for j in js:
                self.blocked_total[j] += int((self.active[self.block_row[j], hit] > 0).sum())

    def _count_applications(self, sim: Sim, svc: int, stream: str, rate: float, day: int, hit: np.ndarray) -> None:
        """Applications of every adult person and every blocked subject today, from the same
        draw the blocked attempts use (keyed by stream, day and subject), at the highest rate
        among the measures denying the service: an attempt a blocked subject made is one of
        these applications, so rejected / applications never exceeds 1."""
        st = sim.state
        apps, rejs = self.applications[st.services[svc]], self.rejections[st.services[svc]]
        for lo, hi in chunks(st.S):  # the keyed draws are per subject: a chunk's at a time
            idx = lo + np.flatnonzero(st.adult[lo:hi] | (st.blocks[svc, lo:hi] > 0))
            app = idx[sim.streams.uniform(stream, day, idx) < rate / 365.0]
            apps["all"] += int(app.size)
            for k, lst in enumerate(sim.scenario.lists):
                apps[lst.name] += int(st.listed[k, app].sum())
        rejs["all"] += int(hit.size)
        for k, lst in enumerate(sim.scenario.lists):
            rejs[lst.name] += int(st.listed[k, hit].sum())

    # -- results --------------------------------------------------------------------------
    def results(self, sim: Sim) -> list[ResultSpec]:
        """Measures applied today, and the sanctions and rewards in force."""
        return [
            ResultSpec("sanctions_applied", "applications", "measure applications started today"),
            ResultSpec("sanctions_active", "applications", "sanctions in force", every=SAMPLE_EVERY),
            ResultSpec("rewards_active", "applications", "rewards in force", every=SAMPLE_EVERY),
            ResultSpec(
                "blocked_by_measure",
                "attempts",
                "blocked attempts over the run, per measure ({measure: count})",
                "object",
                kind="figure",
            ),
            ResultSpec(
                "blocked_by_service",
                "attempts",
                "blocked attempts over the run, per service, each counted once ({service: count})",
                "object",
                kind="figure",
            ),
            ResultSpec(
                "service_applications",
                "attempts",
                f"applications to {', '.join(APPLICATION_SERVICES)} by every adult person and blocked subject, "
                "in all and by the list the applicant was on ({service: {'all' | list: count}})",
                "object",
                kind="figure",
            ),
            ResultSpec(
                "service_rejections",
                "attempts",
                "the applications a measure rejected, in all and by list ({service: {'all' | list: count}})",
                "object",
                kind="figure",
            ),
            ResultSpec(
                "origin_subject",
                "subject",
                "the subject whose record set off the sanction's chain (the target itself at depth 0)",
                "i4",
                kind="sanction",
            ),
            ResultSpec(
                "origin_record",
                "record",
                "the record that set off the sanction's chain (-1/NULL: a spell resting on no record)",
                "i8",
                kind="sanction",
            ),
            ResultSpec(
                "depth",
                "links",
                "links between the origin subject and the target (0 self, 1 a legal representative, spouse...)",
                "i1",
                kind="sanction",
            ),
            ResultSpec(
                "reviewed_cancelled",
                "applications",
                "automated applications a human review cancelled (false cause)",
                "i8",
                kind="figure",
            ),
            ResultSpec(
                "income_cut_subjects",
                "subjects",
                "subjects whose income the measures in force cut at the end (negative sum of income effects)",
                "i8",
                kind="figure",
            ),
            ResultSpec(
                "reward_benefit_total",
                "yuan a year",
                "yuan a year of reward benefits flowing at the end, summed over subjects (agents, unscaled)",
                kind="figure",
            ),
        ]

    def record(self, sim: Sim, day: int, out: Any) -> None:
        out["sanctions_applied"] = self.applied_today
        if out.sampling:
            out["sanctions_active"] = sim.state.n_sanctions.sum(dtype=np.int64)
            out["rewards_active"] = sim.state.n_rewards.sum(dtype=np.int64)

    def finish(self, sim: Sim, out: dict[str, Any]) -> None:
        out["blocked_by_measure"] = {m.name: int(self.blocked_total[j]) for j, m in enumerate(sim.scenario.measures)}
        out["blocked_by_service"] = {s: int(self.blocked_by_service[k]) for k, s in enumerate(sim.state.services)}
        out["reviewed_cancelled"] = int(self.reviewed_cancelled)
        out["service_applications"] = {k: dict(v) for k, v in self.applications.items()}
        out["service_rejections"] = {k: dict(v) for k, v in self.rejections.items()}
        for name in ("origin_subject", "origin_record", "depth"):
            out[name] = self.rows[name]
        # float32 sums: what is left of effects applied and lifted is below 1e-6, a cut is not
        out["income_cut_subjects"] = int((sim.state.income_effect < -1e-6).sum())
        out["reward_benefit_total"] = float(np.clip(sim.state.benefit, 0.0, None).sum())
