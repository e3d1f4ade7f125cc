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
    from ...engine.sim import Sim

__all__ = ["PARTY", "REGISTRATION", "SET", "VOTING", "benefits_received", "recorded"]

SET = IndicatorSet("politics")

REGISTRATION, VOTING, PARTY = "carnet_registration", "voting", "party_membership"


def benefits_received(res: Results, sim: Sim) -> np.ndarray:
    """Yuan-equivalent each person received over the run from every reward measure."""
    sa, n = res.sanctions, res.n_persons
    out = np.zeros(n)
    if len(sa["target"]) == 0:
        return out
    benefit = np.array([m.benefit if m.kind == "reward" else 0.0 for m in sim.scenario.measures])
    end = np.where(sa["end"] < 0, res.days, sa["end"]).astype(np.float64)
    value = benefit[sa["measure"]] * (end - sa["start"]) / 365.0
    tgt = sa["target"].astype(np.int64)
    keep = tgt < n
    np.add.at(out, tgt[keep], value[keep])
    return out


def recorded(sim: Sim, behaviour: str) -> np.ndarray | None:
    """Active registry records of ``behaviour`` per person (None if the scenario lacks it)."""
    names = [b.name for b in sim.scenario.behaviours]
    if behaviour not in names:
        return None
    return sim.state.behaviour_records[names.index(behaviour), : sim.state.n].astype(np.float64)


def _adults(sim: Sim) -> np.ndarray:
    return sim.state.adult[: sim.state.n]


@SET.register("enrolment_share")
def enrolment_share(res: Results, sim: Sim) -> float | None:
    """Share of all persons (children included) with a recorded registration."""
    reg = recorded(sim, REGISTRATION)
    return None if reg is None else float((reg > 0).mean())


@SET.register("enrolled_people")
def enrolled_people(res: Results, sim: Sim) -> float | None:
    reg = recorded(sim, REGISTRATION)
    return None if reg is None else float((reg > 0).sum() * res.scale)


def _per_capita(res: Results, sim: Sim, voters: bool) -> float | None:
    vote = recorded(sim, VOTING)
    if vote is None:
        return None
    grp = _adults(sim) & ((vote > 0) == voters)
    return float(benefits_received(res, sim)[grp].mean()) if grp.any() else None


@SET.register("benefits_per_capita_voters")
def benefits_per_capita_voters(res: Results, sim: Sim) -> float | None:
    """Mean yuan-equivalent received by adults with a recorded vote."""
    return _per_capita(res, sim, True)


@SET.register("benefits_per_capita_nonvoters")
def benefits_per_capita_nonvoters(res: Results, sim: Sim) -> float | None:
    """Mean yuan-equivalent received by adults with no recorded vote."""
    return _per_capita(res, sim, False)


@SET.register("benefit_voting_correlation")
def benefit_voting_correlation(res: Results, sim: Sim) -> float | None:
    """Pearson correlation, over adults, of benefits received and recorded votes."""
    vote = recorded(sim, VOTING)
    if vote is None:
        return None
    a = _adults(sim)
    x, y = benefits_received(res, sim)[a], vote[a]
    if x.std() == 0 or y.std() == 0:
        return None
    return float(np.corrcoef(x, y)[0, 1])


@SET.register("party_benefit_ratio")
def party_benefit_ratio(res: Results, sim: Sim) -> float | None:
    """Benefits per recorded party member over benefits per other adult."""
    party = recorded(sim, PARTY)
    if party is None:
        return None
    a, b = _adults(sim), benefits_received(res, sim)
    mem, oth = a & (party > 0), a & (party == 0)
    if not mem.any() or not oth.any() or b[oth].mean() == 0:
        return None
    return float(b[mem].mean() / b[oth].mean())
