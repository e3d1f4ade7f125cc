"""Indicators of benefit gating on political records (carnet-patria, facts 7.9-7.11).

The question the carnet raises is whether benefits follow political participation. These
indicators answer it from the run: who holds a card, what each person received (reward
measures' yuan-equivalent per year, times the years they were active), and how that
relates to the *recorded* voting and party membership in the registry.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .registry import IndicatorSet

if TYPE_CHECKING:
    from ...engine.results import Results

__all__ = ["PARTY", "REGISTRATION", "SET", "VOTING", "benefits_received", "recorded"]

SET = IndicatorSet("politics")

REGISTRATION, VOTING, PARTY = "carnet_registration", "voting", "party_membership"


def benefits_received(res: Results) -> np.ndarray:
    """Yuan-equivalent each person received over the run from every reward measure."""
    sa, n = res.sanctions, res.n_persons
    out = np.zeros(n)
    if len(sa["target"]) == 0:
        return out
    benefit = np.array([m["benefit"] if m["kind"] == "reward" else 0.0 for m in res.scenario["measures"]])
    end = np.where(sa["end"] < 0, res.days, sa["end"]).astype(np.float64)
    value = benefit[sa["measure"]] * (end - sa["start"]) / 365.0
    tgt = sa["target"].astype(np.int64)
    keep = tgt < n
    np.add.at(out, tgt[keep], value[keep])
    return out


def recorded(res: Results, behaviour: str) -> np.ndarray | None:
    """Registry records of ``behaviour`` in force at the end, per person (None if the scenario
    lacks it): the records table's rows still in effect (``end_day`` -1), which is what the
    rules' ``records_<behaviour>`` counters hold."""
    names = res.names["behaviour"]
    if behaviour not in names:
        return None
    rec, n = res.records, res.n_persons
    mine = (rec["behaviour"] == names.index(behaviour)) & (rec["end_day"] < 0)
    subj = rec["subject"][mine].astype(np.int64)
    return np.bincount(subj[subj < n], minlength=n).astype(np.float64)


def _adults(res: Results) -> np.ndarray:
    return res.subjects["adult"][: res.n_persons] > 0


@SET.register("enrolment_share")
def enrolment_share(res: Results) -> float | None:
    """Share of all persons (children included) with a recorded registration."""
    reg = recorded(res, REGISTRATION)
    return None if reg is None else float((reg > 0).mean())


@SET.register("enrolled_people")
def enrolled_people(res: Results) -> float | None:
    reg = recorded(res, REGISTRATION)
    return None if reg is None else float((reg > 0).sum() * res.scale)


def _per_capita(res: Results, voters: bool) -> float | None:
    vote = recorded(res, VOTING)
    if vote is None:
        return None
    grp = _adults(res) & ((vote > 0) == voters)
    return float(benefits_received(res)[grp].mean()) if grp.any() else None


@SET.register("benefits_per_capita_voters")
def benefits_per_capita_voters(res: Results) -> float | None:
    """Mean yuan-equivalent received by adults with a recorded vote."""
    return _per_capita(res, True)


@SET.register("benefits_per_capita_nonvoters")
def benefits_per_capita_nonvoters(res: Results) -> float | None:
    """Mean yuan-equivalent received by adults with no recorded vote."""
    return _per_capita(res, False)


@SET.register("benefit_voting_correlation")
def benefit_voting_correlation(res: Results) -> float | None:
    """Pearson correlation, over adults, of benefits received and recorded votes."""
    vote = recorded(res, VOTING)
    if vote is None:
        return None
    a = _adults(res)
    x, y = benefits_received(res)[a], vote[a]
    if x.std() == 0 or y.std() == 0:
        return None
    return float(np.corrcoef(x, y)[0, 1])


@SET.register("party_benefit_ratio")
def party_benefit_ratio(res: Results) -> float | None:
    """Benefits per recorded party member over benefits per other adult."""
    party = recorded(res, PARTY)
    if party is None:
        return None
    a, b = _adults(res), benefits_received(res)
    mem, oth = a & (party > 0), a & (party == 0)
    if not mem.any() or not oth.any() or b[oth].mean() == 0:
        return None
    return float(b[mem].mean() / b[oth].mean())
