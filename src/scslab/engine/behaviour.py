"""Step 1 of the day: subjects with an opportunity decide what to do.

Opportunities are *sampled, not polled*: each subject carries the day of its next
opportunity per behaviour, drawn from an exponential gap, so a once-a-year behaviour costs
one comparison per subject per day and one draw per event. The decision is a logit in
private gain, perceived detection x expected sanction weight, honesty, internalised norm,
peer behaviour and income stress (equations in docs/model.md). For obligations, *ability*
(savings and income against the amount due) is decided before *willingness*.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from ..scenario.schema import DOMAINS, SUBJECT_TYPES
from .module import Module
from .queue import FAR, Calendar

if TYPE_CHECKING:
    from .sim import Sim

__all__ = ["BehaviourModule", "sigmoid"]

KIND_CODES = {"obligation": 0, "prohibition": 1, "good_deed": 2, "expression": 3}
RECENT_WEIGHT = 0.2  # weight of the latest decision in a person's visible "recent violation" record


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


# attributes through which any record (of any behaviour) can move a subject onto a list
_ANY_RECORD = {"records", "bad_records", "good_records", "serious_records", "score", "points", "grade"}


def _triggers(lst, spec) -> bool:
    """Can a record of this behaviour help put a subject on this list (by its entry rule)?"""
    from ..scenario.expr import compile_expr

    names = compile_expr(lst.entry).names
    if f"records_{spec.name}" in names or f"records_{spec.domain}" in names or names & _ANY_RECORD:
        return True
    if any(n.startswith("grade_") for n in names):
        return True
    debt_names = {"debt", "unpaid_days", "able_to_pay", "open_obligations", f"unpaid_days_{spec.name}"}
    return spec.kind == "obligation" and bool(names & debt_names)


@njit(cache=True)
def _vicarious(indptr, indices, subj, beh, detected, perceived, rate):
    """Contacts of each violator update their belief about that behaviour toward the outcome."""
    for k in range(subj.shape[0]):
        i, b, d = subj[k], beh[k], detected[k]
        for e in range(indptr[i], indptr[i + 1]):
            j = indices[e]
            perceived[b, j] += rate * (d - perceived[b, j])


def _gaps(u: np.ndarray, per_year: float) -> np.ndarray:
    """Exponential waiting times in whole days (at least 1) for a rate per year."""
    if per_year <= 0:
        return np.full(u.shape, FAR, np.int64)
    return np.maximum(1, np.ceil(-np.log1p(-u) * 365.0 / per_year)).astype(np.int64)


class BehaviourModule(Module):
    """subjects with an opportunity comply, violate, do good or speak (events.acts)"""

    name = "behaviour"

    def init(self, sim: Sim) -> None:
        sc, st = sim.scenario, sim.state
        self.specs = sc.behaviours
        B = len(self.specs)
        self.kind = np.array([KIND_CODES[b.kind] for b in self.specs], np.int8)
        self.domain = np.array([DOMAINS.index(b.domain) for b in self.specs], np.int8)
        self.obligations = [b.name for b in self.specs if b.kind == "obligation"]
        self.obl_index = {b.name: j for j, b in enumerate(s for s in self.specs if s.kind == "obligation")}
        self.opp_q = [Calendar(st.S, sc.sim.days) for _ in range(B)]
        self.opp_rate = np.array([b.opportunities_per_year for b in self.specs], np.float64)
        self.perceived = np.empty((B, st.S), np.float32)
        self.open_since = np.full((len(self.obligations), st.S), -1, np.int32)
        self.owed = np.zeros((len(self.obligations), st.S), np.float32)
        self.open_idx = [np.empty(0, np.int64) for _ in self.obligations]
        for b, spec in enumerate(self.specs):
            idx = self._eligible(sim, spec)
            u = sim.streams.uniform(f"behaviour.{spec.name}.first", 0, idx)
            gaps = _gaps(u, spec.opportunities_per_year)
            self.opp_q[b].push(np.where(gaps >= FAR, FAR, gaps - 1), idx)
        self.sanction_weight = np.zeros(B)
        # decision events a subject meets per year across the rule-bound behaviours of its type
        rule_bound = [x for x in self.specs if x.kind in ("obligation", "prohibition")]
        self.events_per_year = np.array(
            [sum(x.opportunities_per_year for x in rule_bound if x.subject == sp.subject) for sp in self.specs]
        )
        self.visible = self.actual_detection(sim)
        per = sc.model.perception
        for b in range(B):  # prior: the announced rate mixed with what people can see
            self.perceived[b] = (1.0 - per.visibility) * per.initial + per.visibility * self.visible[b]
        has_expr = any(x.kind == "expression" for x in self.specs)
        self.desired_n = np.zeros(st.S, np.int32) if has_expr else None
        self.expressed_n = np.zeros(st.S, np.int32) if has_expr else None
        self.involuntary_n = np.zeros(st.S, np.int16) if self.obligations else None
        if sc.model.norm_initial > 0:
            st.norm[:] = sim.streams.generator("behaviour.norm_initial").beta(
                4.0 * sc.model.norm_initial / (1 - sc.model.norm_initial + 1e-9) + 1e-9, 4.0, st.S
            )
        self.total_opportunities = np.zeros(B, np.int64)
        self.total_unobserved = 0.0
        self.total_observed = 0.0
        self.configure(sim)
        self.reset_counters()

    @staticmethod
    def _eligible(sim: Sim, spec) -> np.ndarray:
        """Subjects who meet opportunities for this behaviour."""
        st = sim.state
        if spec.subject == "person":
            return np.flatnonzero(st.adult if spec.adults_only else st.is_person)
        return np.flatnonzero(st.kind == SUBJECT_TYPES.index(spec.subject))

    def _rerate(self, sim: Sim) -> None:
        """A scheduled change of ``opportunities_per_year`` takes effect the day it is made.

        Waiting times are exponential, hence memoryless: redrawing every pending
        opportunity from today at the new rate is the same process as one that had run at
        the new rate all along (stream ``behaviour.<name>.rerate``). Without the redraw a
        rare behaviour would keep the gaps drawn at the old rate, decades for a rate of a
        few per thousand a year.
        """
        day, st = sim.day, sim.state
        for b, spec in enumerate(self.specs):
            if spec.opportunities_per_year == self.opp_rate[b]:
                continue
            self.opp_rate[b] = spec.opportunities_per_year
            self.opp_q[b] = Calendar(st.S, sim.scenario.sim.days)
            idx = self._eligible(sim, spec)
            gaps = _gaps(sim.streams.uniform(f"behaviour.{spec.name}.rerate", day, idx), spec.opportunities_per_year)
            self.opp_q[b].push(np.where(gaps >= FAR, FAR, day + gaps - 1), idx)

    def actual_detection(self, sim: Sim) -> np.ndarray:
        """Probability that at least one source detects each behaviour (urban coverage, current scale)."""
        sc = sim.scenario
        miss = np.ones(len(self.specs))
        for s in sc.sources:
            for name, p in s.detects.items():
                b = next(i for i, x in enumerate(self.specs) if x.name == name)
                miss[b] *= 1.0 - min(1.0, p * s.coverage_urban * sc.policy.detection_scale)
        return 1.0 - miss

    def configure(self, sim: Sim) -> None:
        """Recompute what people expect from a recorded act (after a schedule change).

        For a violation: the points it costs plus every enabled measure of a list whose entry
        rule the act's records can trigger (sanctions, and rewards it would forfeit). For a
        good deed: the rewards of the lists it helps to enter. Joint measures count only as far
        as people know of them (``model.awareness``); money is in units of median income.
        """
        sc = sim.scenario
        self.specs = sc.behaviours  # a schedule may change any field but the frozen ones (name, kind, subject)
        if hasattr(self, "opp_rate"):
            self._rerate(sim)
        pol, aware = sc.policy, sc.model.awareness
        lists = {x.name: x for x in sc.lists}
        median = sc.population.income_median_per_year
        self.reward_weight = np.zeros(len(self.specs))
        for b, spec in enumerate(self.specs):
            w = max(0.0, -spec.points) / 50.0
            for m in sc.measures:
                if not sim.measures.enabled(m, pol) or not _triggers(lists[m.list], spec):
                    continue
                mw = abs(m.income_effect) * 5.0 + (0.3 if m.blocks else 0.0) + (0.3 if m.publicity else 0.0)
                mw = (mw + m.benefit / median) * (aware if m.joint else 1.0)
                if spec.kind == "good_deed":
                    if m.kind == "reward":
                        self.reward_weight[b] += mw
                elif m.kind == "sanction" or spec.points < 0:
                    w += mw
            self.sanction_weight[b] = w * pol.sanction_scale**sc.model.severity_elasticity
        if hasattr(self, "visible"):  # a visible change of surveillance shifts beliefs at once
            now = self.actual_detection(sim)
            vis = sc.model.perception.visibility
            for b in range(len(self.specs)):
                self.perceived[b] = np.clip(self.perceived[b] + vis * (now[b] - self.visible[b]), 0.0, 1.0)
            self.visible = now

    def reset_counters(self) -> None:
        B = len(self.specs)
        self.opportunities = np.zeros(B, np.int64)
        self.violations = np.zeros(B, np.int64)
        self.involuntary = np.zeros(B, np.int64)
        self.good_deeds = np.zeros(B, np.int64)
        self.desired = np.zeros(B, np.int64)
        self.expressed = np.zeros(B, np.int64)
        self.settled = 0
        self.comply_unobserved = 0.0  # expected compliance if people believed nobody watched
        self.comply_observed = 0.0  # ... and if they believed they were certainly watched

    # -- attributes used by rules ---------------------------------------------------------
    def unpaid_days(self, idx: np.ndarray, day: int) -> np.ndarray:
        if not self.obligations:
            return np.zeros(idx.size, np.int32)
        since = self.open_since[:, idx]
        days = np.where(since >= 0, day - since, 0)
        return days.max(axis=0)

    def unpaid_days_one(self, j: int, idx: np.ndarray, day: int) -> np.ndarray:
        since = self.open_since[j, idx]
        return np.where(since >= 0, day - since, 0)

    # -- the step ---------------------------------------------------------------------------
    def step(self, sim: Sim, day: int) -> None:
        """Decide; today's observable acts go to ``sim.events.acts`` as (subjects, behaviour codes)."""
        self.reset_counters()
        st, mdl = sim.state, sim.scenario.model
        subj_out, beh_out = [], []
        for b, spec in enumerate(self.specs):
            idx = self.opp_q[b].pop(day)
            if idx.size == 0:
                continue
            u_next = sim.streams.uniform(f"behaviour.{spec.name}.next", day, idx)
            self.opp_q[b].push(day + _gaps(u_next, spec.opportunities_per_year), idx)
            self.opportunities[b] += idx.size
            self.total_opportunities[b] += idx.size
            u = sim.streams.uniform(f"behaviour.{spec.name}.choice", day, idx)
            kind = spec.kind
            if kind == "good_deed":
                logit = (
                    spec.base_logit
                    + spec.reward_value
                    + self.reward_weight[b]
                    + mdl.w_norm * st.norm[idx]
                    + mdl.w_honesty * (st.honesty[idx] - 0.5)
                )
                acts = idx[u < sigmoid(logit)]
                self.good_deeds[b] += acts.size
            elif kind == "expression":
                want = u < sigmoid(spec.base_logit + spec.gain)
                risk = self._watched(sim, b, idx) * self.sanction_weight[b] * mdl.w_deterrence
                u2 = sim.streams.uniform(f"behaviour.{spec.name}.censor", day, idx)
                speak = want & (u2 >= 1.0 - np.exp(-risk))
                self.desired[b] += int(want.sum())
                self.expressed[b] += int(speak.sum())
                np.add.at(self.desired_n, idx[want], 1)
                np.add.at(self.expressed_n, idx[speak], 1)
                acts = idx[speak]
            else:
                watched = self._watched(sim, b, idx)
                logit, deterrence = self._violation_logit(sim, b, spec, idx, watched)
                viol = u < sigmoid(logit)
                base = logit + deterrence  # the same decision with no perceived surveillance
                self.comply_unobserved += float((1.0 - sigmoid(base)).sum())
                self.comply_observed += float((1.0 - sigmoid(base - mdl.w_deterrence * self.sanction_weight[b])).sum())
                if kind == "obligation":
                    amount = spec.amount_months * st.base_income[idx] / 12.0
                    unable = st.savings[idx] + st.income[idx] / 12.0 < amount
                    self.involuntary[b] += int((unable & ~viol).sum())
                    np.add.at(self.involuntary_n, idx[unable & ~viol], 1)
                    viol |= unable
                    self._open(sim, self.obl_index[spec.name], idx[viol], amount[viol], day)
                acts = idx[viol]
                self.violations[b] += acts.size
                self._learn_norms(sim, b, idx, viol, watched)
                st.recent_violation[idx] = (1 - RECENT_WEIGHT) * st.recent_violation[idx] + RECENT_WEIGHT * viol
            subj_out.append(acts)
            beh_out.append(np.full(acts.size, b, np.int16))
        self._settle(sim, day)
        self.total_unobserved += self.comply_unobserved
        self.total_observed += self.comply_observed
        if subj_out:
            sim.events.acts = (np.concatenate(subj_out), np.concatenate(beh_out))
        else:
            sim.events.acts = (np.empty(0, np.int64), np.empty(0, np.int16))

    def learn_detection(self, sim: Sim, subj: np.ndarray, beh: np.ndarray, detected: np.ndarray) -> None:
        """Experience: each violation nudges the violator's perceived detection toward what
        happened, and -- more weakly -- that of everyone in their three circles who saw it."""
        per = sim.scenario.model.perception
        keep = self.kind[beh] != KIND_CODES["good_deed"]
        s, b, d = subj[keep], beh[keep], detected[keep].astype(np.float32)
        p = self.perceived[b, s]
        self.perceived[b, s] = p + per.learning_rate * (d - p)
        if per.vicarious_rate > 0 and s.size:
            people = s < sim.state.n
            for net in (sim.pop.household_net, sim.pop.work_net, sim.state.friend_net):
                _vicarious(
                    net.indptr,
                    net.indices,
                    s[people],
                    b[people].astype(np.int64),
                    d[people],
                    self.perceived,
                    np.float32(per.vicarious_rate),
                )

    def _watched(self, sim: Sim, b: int, idx: np.ndarray) -> np.ndarray:
        """How watched people feel: perceived detection plus contacts seen punished (capped at 1)."""
        w_seen = sim.scenario.model.perception.w_seen
        return np.minimum(1.0, self.perceived[b, idx] + w_seen * sim.society.seen_share[idx])

    def _violation_logit(
        self, sim: Sim, b: int, spec, idx: np.ndarray, watched: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Log-odds of violating, and the deterrence term inside it (for the self-governance index)."""
        st, mdl = sim.state, sim.scenario.model
        if watched is None:
            watched = self._watched(sim, b, idx)
        stress = np.clip(-st.savings[idx] / np.maximum(st.base_income[idx] / 12.0, 1.0), 0.0, 3.0)
        deterrence = mdl.w_deterrence * watched * self.sanction_weight[b]
        logit = (
            spec.base_logit
            + spec.gain
            - deterrence
            - mdl.w_honesty * (st.honesty[idx] - 0.5)
            - mdl.w_norm * st.norm[idx]
            + mdl.w_peer * st.peer_share[idx]
            + mdl.w_stress * stress
        )
        return logit, deterrence

    def _learn_norms(self, sim: Sim, b: int, idx: np.ndarray, viol: np.ndarray, watched: np.ndarray) -> None:
        """Internalisation: compliance under perceived observation strengthens the norm."""
        mdl = sim.scenario.model
        if not mdl.internalisation:
            return
        st = sim.state
        per_event = 1.0 / max(self.events_per_year[b], 1e-9)  # so the yearly rates hold per person
        up = mdl.norm_gain_per_year * per_event * watched * (~viol)
        down = mdl.norm_decay_per_year * per_event * (1.0 - watched)
        n = st.norm[idx]
        st.norm[idx] = np.clip(n + up * (1.0 - n) - down * n - viol * mdl.norm_loss_per_violation * n, 0.0, 1.0)

    def _open(self, sim: Sim, j: int, who: np.ndarray, amount: np.ndarray, day: int) -> None:
        new = self.open_since[j, who] < 0
        self.open_since[j, who[new]] = day
        self.open_idx[j] = np.concatenate([self.open_idx[j], who[new]])
        self.owed[j, who] += amount
        sim.state.debt[who] += amount
        sim.state.dirty[who] = True

    def _settle(self, sim: Sim, day: int) -> None:
        """Open obligations are settled at a rate raised by sanctions (pressure) when able."""
        st, mdl = sim.state, sim.scenario.model
        for j, name in enumerate(self.obligations):
            spec = next(s for s in self.specs if s.name == name)
            who = self.open_idx[j]
            if who.size == 0:
                continue
            able = st.savings[who] + st.income[who] / 12.0 >= self.owed[j, who]
            pressure = 1.0 + mdl.w_pressure * ((st.n_sanctions[who] > 0) | st.listed[:, who].any(axis=0))
            h = spec.repay_per_year / 365.0 * pressure * able
            u = sim.streams.uniform(f"behaviour.{name}.settle", day, who)
            self.settle(sim, j, who[u < h])

    def settle(self, sim: Sim, j: int, pay: np.ndarray) -> None:
        """Close obligation j for the subjects in ``pay`` (unique): they pay what they owe."""
        if pay.size == 0:
            return
        st = sim.state
        st.savings[pay] -= self.owed[j, pay]
        st.debt[pay] = np.maximum(0.0, st.debt[pay] - self.owed[j, pay])
        self.owed[j, pay] = 0.0
        self.open_since[j, pay] = -1
        self.open_idx[j] = self.open_idx[j][self.open_since[j, self.open_idx[j]] >= 0]
        st.dirty[pay] = True
        self.settled += pay.size
