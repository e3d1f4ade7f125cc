"""Row 1 of the day: subjects with an opportunity decide what to do.

Opportunities are *sampled, not polled*: each subject carries the day of its next
opportunity per behaviour, drawn from an exponential gap, so a once-a-year behaviour costs
one comparison per subject per day and one draw per event. The decision is a logit in
private gain, perceived detection x expected sanction weight, honesty, internalised norm,
peer behaviour and income stress (:mod:`.decision`; equations in docs/model.md). For
obligations, *ability* (savings and income against the amount due) is decided before
*willingness*; missed obligations open debts in ``sim.state.obligations``.

Writes ``sim.events.acts`` (the observable acts), ``sim.state.norm``,
``sim.state.recent_violation`` and, at start, the prior of ``sim.state.perceived``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..codes import SUBJECT_TYPES
from .columns import take_cols
from .decision import KIND_CODES, Expectations, actual_detection, sigmoid, violation_logit, watched
from .module import SAMPLE_EVERY, Module, ResultSpec
from .queue import FAR, Calendars, exponential_gaps
from .rng import sliced_draw

if TYPE_CHECKING:
    from ..scenario.schema import Behaviour
    from .sim import Sim

__all__ = ["BehaviourModule"]

RECENT_WEIGHT = 0.2  # weight of the latest decision in a person's visible "recent violation" record


class BehaviourModule(Module):
    """subjects with an opportunity comply, violate, do good or speak (events.acts)"""

    name = "behaviour"

    def init(self, sim: Sim) -> None:
        sc, st = sim.scenario, sim.state
        self.specs = sc.behaviours
        B = len(self.specs)
        self.kind = np.array([KIND_CODES[b.kind] for b in self.specs], np.int8)
        self.obligations = st.obligations
        self.opp_cal = Calendars(B, st.S, sc.sim.days)  # popped together each day
        self.opp_q = self.opp_cal.cals
        self.opp_rate = np.array([b.opportunities_per_year for b in self.specs], np.float64)
        for b, spec in enumerate(self.specs):
            idx = self._eligible(sim, spec)
            u = sim.streams.uniform(f"behaviour.{spec.name}.first", 0, idx)
            gaps = exponential_gaps(u, spec.opportunities_per_year)
            self.opp_q[b].push(np.where(gaps >= FAR, FAR, gaps - 1), idx)
        # decision events a subject meets per year across the rule-bound behaviours of its type
        rule_bound = [x for x in self.specs if x.kind in ("obligation", "prohibition")]
        self.events_per_year = np.array(
            [sum(x.opportunities_per_year for x in rule_bound if x.subject == sp.subject) for sp in self.specs]
        )
        self.visible = actual_detection(sc)
        per = sc.model.perception
        for b in range(B):  # prior: the announced rate mixed with what people can see
            st.perceived[b] = (1.0 - per.visibility) * per.initial + per.visibility * self.visible[b]
        has_expr = any(x.kind == "expression" for x in self.specs)
        self.desired_n = np.zeros(st.S, np.int32) if has_expr else None
        self.expressed_n = np.zeros(st.S, np.int32) if has_expr else None
        self.involuntary_n = np.zeros(st.S, np.int16) if self.obligations.names else None
        if sc.model.norm_initial > 0:
            a = 4.0 * sc.model.norm_initial / (1 - sc.model.norm_initial + 1e-9) + 1e-9
            gen = sim.streams.generator("behaviour.norm_initial")  # over the whole population, sliced
            st.norm[:] = sliced_draw(lambda g, k: g.beta(a, 4.0, k), gen, st.whole_S, st.gid)
        self.total_opportunities = np.zeros(B, np.int64)
        self.total_unobserved = 0.0
        self.total_observed = 0.0
        self.configure(sim)
        self.reset_counters()

    @staticmethod
    def _eligible(sim: Sim, spec: Behaviour) -> np.ndarray:
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
        day = sim.day
        for b, spec in enumerate(self.specs):
            if spec.opportunities_per_year == self.opp_rate[b]:
                continue
            self.opp_rate[b] = spec.opportunities_per_year
            self.opp_q[b].clear()
            idx = self._eligible(sim, spec)
            u = sim.streams.uniform(f"behaviour.{spec.name}.rerate", day, idx)
            gaps = exponential_gaps(u, spec.opportunities_per_year)
            self.opp_q[b].push(np.where(gaps >= FAR, FAR, day + gaps - 1), idx)

    def configure(self, sim: Sim) -> None:
        """What people expect from a recorded act (:class:`.decision.Expectations`: measure
        eligibility is evaluated over all subjects on the first day and every
        ``Expectations.REFRESH_DAYS`` after); a visible change of surveillance (after a timed
        change) shifts beliefs at once."""
        sc = sim.scenario
        self.specs = sc.behaviours  # a schedule may change any field but the frozen ones (name, kind, subject)
        if hasattr(self, "opp_rate"):
            self._rerate(sim)
        self.expect = Expectations(sc)
        now = actual_detection(sc)
        vis = sc.model.perception.visibility
        perceived = sim.state.perceived
        for b in range(len(self.specs)):
            if now[b] != self.visible[b]:
                perceived[b] = np.clip(perceived[b] + vis * (now[b] - self.visible[b]), 0.0, 1.0)
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

    # -- the step ---------------------------------------------------------------------------
    def step(self, sim: Sim, day: int) -> None:
        """Decide; today's observable acts go to ``sim.events.acts`` as (subjects, behaviour codes)."""
        self.reset_counters()
        st, mdl = sim.state, sim.scenario.model
        per = mdl.perception
        subj_out, beh_out = [], []
        if self.expect.due(day):
            self.expect.refresh(sim, day)
        due = self.opp_cal.pop_all(day)  # today's pushes all fall on later days
        for b, spec in enumerate(self.specs):
            idx = due[b]
            if idx.size == 0:
                continue
            u_next = sim.streams.uniform(f"behaviour.{spec.name}.next", day, idx)
            self.opp_q[b].push(day + exponential_gaps(u_next, spec.opportunities_per_year), idx)
            self.opportunities[b] += idx.size
            self.total_opportunities[b] += idx.size
            u = sim.streams.uniform(f"behaviour.{spec.name}.choice", day, idx)
            kind = spec.kind
            if kind == "good_deed":
                logit = (
                    spec.base_logit
                    + spec.reward_value
                    + self.expect.reward(b, idx)
                    + mdl.w_norm * st.norm[idx]
                    + mdl.w_honesty * (st.honesty[idx] - 0.5)
                )
                acts = idx[u < sigmoid(logit)]
                self.good_deeds[b] += acts.size
            elif kind == "expression":
                want = u < sigmoid(spec.base_logit + spec.gain)
                risk = watched(st, per, b, idx) * self.expect.sanction(b, idx) * mdl.w_deterrence
                u2 = sim.streams.uniform(f"behaviour.{spec.name}.censor", day, idx)
                speak = want & (u2 >= 1.0 - np.exp(-risk))
                self.desired[b] += int(want.sum())
                self.expressed[b] += int(speak.sum())
                assert self.desired_n is not None and self.expressed_n is not None  # allocated: has_expr
                np.add.at(self.desired_n, idx[want], 1)
                np.add.at(self.expressed_n, idx[speak], 1)
                acts = idx[speak]
            else:
                seen = watched(st, per, b, idx)
                weight = self.expect.sanction(b, idx)
                logit, deterrence = violation_logit(st, mdl, spec, weight, seen, idx)
                viol = u < sigmoid(logit)
                base = logit + deterrence  # the same decision with no perceived surveillance
                self.comply_unobserved += float((1.0 - sigmoid(base)).sum())
                self.comply_observed += float((1.0 - sigmoid(base - mdl.w_deterrence * weight)).sum())
                if kind == "obligation":
                    amount = spec.amount_months * st.base_income[idx] / 12.0
                    unable = st.savings[idx] + st.income[idx] / 12.0 < amount
                    self.involuntary[b] += int((unable & ~viol).sum())
                    assert self.involuntary_n is not None  # allocated: the scenario has obligations
                    np.add.at(self.involuntary_n, idx[unable & ~viol], 1)
                    viol |= unable
                    self.obligations.open(st, self.obligations.index[spec.name], idx[viol], amount[viol], day)
                acts = idx[viol]
                self.violations[b] += acts.size
                self._learn_norms(sim, b, idx, viol, seen)
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

    def _settle(self, sim: Sim, day: int) -> None:
        """Open obligations are settled at a rate raised by sanctions (pressure) when able."""
        st, mdl, ob = sim.state, sim.scenario.model, self.obligations
        for j, name in enumerate(ob.names):
            spec = self.specs[ob.behaviour[j]]
            who = ob.open_idx[j]
            if who.size == 0:
                continue
            able = st.savings[who] + st.income[who] / 12.0 >= ob.owed[j, who]
            pressure = 1.0 + mdl.w_pressure * ((st.n_sanctions[who] > 0) | take_cols(st.listed, who).any(axis=0))
            h = spec.repay_per_year / 365.0 * pressure * able
            u = sim.streams.uniform(f"behaviour.{name}.settle", day, who)
            self.settled += ob.settle(st, j, who[u < h])

    # -- results --------------------------------------------------------------------------
    def results(self, sim: Sim) -> list[ResultSpec]:
        """Decisions of the day, in total and per behaviour; the mean internalised norm."""
        out = [
            ResultSpec("opportunities", "decisions", "obligation and prohibition decisions met today"),
            ResultSpec("violations", "acts", "violations today (all rule-bound behaviours)"),
            ResultSpec("involuntary_defaults", "acts", "obligations missed for want of money, not of will"),
            ResultSpec("good_deeds", "acts", "good deeds done today"),
            ResultSpec(
                "compliance_rate", "share", "1 - violations / opportunities today (NaN with none)", reduce="mean_approx"
            ),
            ResultSpec(
                "self_governance_index",
                "ratio",
                "expected compliance believing nobody watched over believing certainly watched",
                reduce="mean_approx",
            ),
            ResultSpec("settled", "debts", "open obligations settled today"),
            ResultSpec("debtors", "subjects", "subjects with an open obligation at the end of the day"),
            ResultSpec("norm_mean", "share", "mean internalised norm of persons", every=SAMPLE_EVERY, reduce="mean"),
        ]
        out += [
            ResultSpec(
                "comply_unobserved_total",
                "decisions",
                "expected compliance, summed over the run's decisions, believing nobody watched",
                kind="figure",
            ),
            ResultSpec(
                "comply_observed_total",
                "decisions",
                "expected compliance, summed over the run's decisions, believing certainly watched",
                kind="figure",
            ),
            ResultSpec(
                "opportunities_by_behaviour",
                "decisions",
                "opportunities met over the run, per behaviour ({behaviour: count})",
                "object",
                kind="figure",
            ),
        ]
        if any(x.kind == "expression" for x in sim.scenario.behaviours):
            out += [
                ResultSpec("desired_n", "acts", "expression acts the subject wished to make", "i4", kind="column"),
                ResultSpec("expressed_n", "acts", "expression acts the subject made", "i4", kind="column"),
            ]
        if sim.state.obligations.names:
            out.append(ResultSpec("involuntary_n", "acts", "obligations missed for want of money", "i2", kind="column"))
        for spec in sim.scenario.behaviours:
            if spec.kind in ("obligation", "prohibition"):
                out.append(ResultSpec(f"violations_{spec.name}", "acts", f"violations of {spec.name} today"))
            elif spec.kind == "good_deed":
                out.append(ResultSpec(f"good_deeds_{spec.name}", "acts", f"{spec.name} done today"))
            else:
                out.append(ResultSpec(f"desired_{spec.name}", "acts", f"{spec.name}: wished to, today"))
                out.append(ResultSpec(f"expressed_{spec.name}", "acts", f"{spec.name}: did, today"))
        return out

    def record(self, sim: Sim, day: int, out: Any) -> None:
        opp = self.opportunities[np.isin(self.kind, (0, 1))].sum()
        out["opportunities"] = opp
        out["violations"] = self.violations.sum()
        out["involuntary_defaults"] = self.involuntary.sum()
        out["good_deeds"] = self.good_deeds.sum()
        out["compliance_rate"] = 1.0 - self.violations.sum() / opp if opp else np.nan
        out["self_governance_index"] = (
            self.comply_unobserved / self.comply_observed if self.comply_observed > 0 else np.nan
        )
        for b, spec in enumerate(self.specs):
            if spec.kind in ("obligation", "prohibition"):
                out[f"violations_{spec.name}"] = self.violations[b]
            elif spec.kind == "good_deed":
                out[f"good_deeds_{spec.name}"] = self.good_deeds[b]
            else:
                out[f"desired_{spec.name}"] = self.desired[b]
                out[f"expressed_{spec.name}"] = self.expressed[b]
        out["settled"] = self.settled
        out["debtors"] = sim.state.obligations.debtors()
        if out.sampling:
            out["norm_mean"] = sim.state.norm[: sim.state.n].mean()

    def finish(self, sim: Sim, out: dict[str, Any]) -> None:
        out["comply_unobserved_total"] = self.total_unobserved
        out["comply_observed_total"] = self.total_observed
        out["opportunities_by_behaviour"] = {
            spec.name: int(self.total_opportunities[b]) for b, spec in enumerate(self.specs)
        }
        if self.desired_n is not None:
            out["desired_n"], out["expressed_n"] = self.desired_n, self.expressed_n
        if self.involuntary_n is not None:
            out["involuntary_n"] = self.involuntary_n
