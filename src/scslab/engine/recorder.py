"""The last row of the day (``results``): the day's figures go into series preallocated for the run.

Cheap counters are stored daily; population-wide means and shares (one pass over every
subject) are sampled every ``SAMPLE_EVERY`` days and on the last day, and held between
samples, so the recorder costs little next to the model itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..scenario.schema import DOMAINS, SEVERITIES, SUBJECT_TYPES
from .module import Module
from .results import END_REASONS, RECORD_STATUS, VIA, Results

if TYPE_CHECKING:
    from .sim import Sim

__all__ = ["SAMPLE_EVERY", "ResultsModule"]

SAMPLE_EVERY = 7


class ResultsModule(Module):
    """the day's figures are stored"""

    name = "results"

    def init(self, sim: Sim) -> None:
        sc = sim.scenario
        self.days = sc.sim.days
        names = [
            "opportunities",
            "violations",
            "involuntary_defaults",
            "good_deeds",
            "compliance_rate",
            "detected",
            "missed",
            "false_matches",
            "entry_errors",
            "records",
            "records_false",
            "listed_total",
            "wrongful_listed",
            "list_entries",
            "list_exits",
            "sanctions_applied",
            "sanctions_active",
            "rewards_active",
            "debtors",
            "settled",
            "shocks",
            "expired",
            "repaired",
            "objections",
            "corrected",
            "norm_mean",
            "perceived_mean",
            "income_mean",
            "self_governance_index",
            "peer_share_mean",
            "seen_sanctioned_share",
        ]
        names += [f"listed_{x.name}" for x in sc.lists]
        names += [f"violations_{b.name}" for b in sc.behaviours if b.kind in ("obligation", "prohibition")]
        names += [f"good_deeds_{b.name}" for b in sc.behaviours if b.kind == "good_deed"]
        for b in sc.behaviours:
            if b.kind == "expression":
                names += [f"desired_{b.name}", f"expressed_{b.name}"]
        if sc.scoring.kind != "none":
            names += ["score_mean"] + [f"grade_share_{band.name}" for band in sc.scoring.bands]
        self.series = {k: np.zeros(self.days, np.float64) for k in names}
        self.black = [k for k, x in enumerate(sc.lists) if x.type == "black"]

    def step(self, sim: Sim, day: int) -> None:
        s, st, beh = self.series, sim.state, sim.behaviour
        viol_kind = np.isin(beh.kind, (0, 1))
        opp = beh.opportunities[viol_kind].sum()
        s["opportunities"][day] = opp
        s["violations"][day] = beh.violations.sum()
        s["involuntary_defaults"][day] = beh.involuntary.sum()
        s["good_deeds"][day] = beh.good_deeds.sum()
        s["compliance_rate"][day] = 1.0 - beh.violations.sum() / opp if opp else np.nan
        s["self_governance_index"][day] = (
            beh.comply_unobserved / beh.comply_observed if beh.comply_observed > 0 else np.nan
        )
        for b, spec in enumerate(beh.specs):
            if spec.kind in ("obligation", "prohibition"):
                s[f"violations_{spec.name}"][day] = beh.violations[b]
            elif spec.kind == "good_deed":
                s[f"good_deeds_{spec.name}"][day] = beh.good_deeds[b]
            else:
                s[f"desired_{spec.name}"][day] = beh.desired[b]
                s[f"expressed_{spec.name}"][day] = beh.expressed[b]
        src = sim.sources
        s["detected"][day], s["missed"][day] = src.detected, src.missed
        s["false_matches"][day], s["entry_errors"][day] = src.false_matches, src.entry_errors
        new = sim.events.records_written
        s["records"][day] = new.size
        s["records_false"][day] = (~sim.state.records["true"][new]).sum() if new.size else 0
        for k, x in enumerate(sim.scenario.lists):
            s[f"listed_{x.name}"][day] = st.spells.count[k]
        if len(self.black) == 1:
            s["listed_total"][day] = st.spells.count[self.black[0]]
        elif self.black:  # subjects on several blacklists count once: one pass, daily
            s["listed_total"][day] = st.listed[self.black].any(axis=0).sum()
        s["list_entries"][day] = sim.events.spells_started().size
        s["list_exits"][day] = sim.events.spells_ended().size
        s["sanctions_applied"][day] = sim.measures.applied_today
        s["debtors"][day] = st.obligations.debtors()
        s["settled"][day] = beh.settled
        s["shocks"][day] = sim.feedback.shocks_today
        for k in ("expired", "repaired", "objections", "corrected"):
            s[k][day] = sim.repair.today[k]
        if day % SAMPLE_EVERY == 0 or day == self.days - 1:
            sp = st.spells
            if self.black and len(sp):
                open_ = (sp["end"] < 0) & sp["wrongful"] & np.isin(sp["list"], self.black)
                s["wrongful_listed"][day] = open_.sum()
            s["sanctions_active"][day] = st.n_sanctions.sum(dtype=np.int64)
            s["rewards_active"][day] = st.n_rewards.sum(dtype=np.int64)
            n = st.n  # persons are subjects 0..n-1: slices, not copies
            s["norm_mean"][day] = st.norm[:n].mean()
            s["perceived_mean"][day] = st.perceived[:, :n].mean() if st.perceived.shape[0] else 0.0
            s["income_mean"][day] = st.income[:n].mean()
            s["peer_share_mean"][day] = st.peer_share[:n].mean()
            s["seen_sanctioned_share"][day] = st.seen_share.mean()
            if "score_mean" in s:
                sc = st.scores.scored
                s["score_mean"][day] = st.score[sc].mean() if sc.size else np.nan
                g = st.grade[sc]
                shares = np.bincount(g[g >= 0].astype(np.int64), minlength=len(sim.scenario.scoring.bands))
                for g, band in enumerate(sim.scenario.scoring.bands):
                    s[f"grade_share_{band.name}"][day] = shares[g] / max(sc.size, 1)
        elif day > 0:
            held = ["wrongful_listed"]
            for k in (
                *held,
                "sanctions_active",
                "rewards_active",
                "norm_mean",
                "perceived_mean",
                "income_mean",
                "peer_share_mean",
                "seen_sanctioned_share",
                "score_mean",
                *[f"grade_share_{b.name}" for b in sim.scenario.scoring.bands],
            ):
                if k in s:
                    s[k][day] = s[k][day - 1]

    def collect(self, sim: Sim) -> Results:
        """The finished run as :class:`Results`, with its summary and indicators."""
        from ..metrics.indicators import compute_indicators
        from ..metrics.summary import summarize

        sc, st = sim.scenario, sim.state
        names = {
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
        sanc = sim.measures.rows.copy()
        for internal in ("next", "effect", "benefit"):
            sanc.pop(internal)
        subjects = {
            "id": st.subject_ids(),
            "type": st.kind,
            "sex": st.sex,
            "urban": st.urban,
            "migrant": st.migrant,
            "group": st.group,
            "income0": st.base_income,
            "income": st.income.astype(np.float32),
            "score": st.score,
            "grade": st.grade,
        }
        res = Results(
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
            names=names,
        )
        res.summary = summarize(res, sim)
        res.indicators = compute_indicators(res, sim)
        return res
