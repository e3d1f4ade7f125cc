"""carnet-patria: benefits follow recorded political participation."""

import numpy as np

from scslab.engine.sim import Sim
from scslab.metrics.indicators.politics import benefits_received, recorded


def test_benefits_follow_recorded_voting():
    sim = Sim("carnet-patria", n=2500, seed=1, days=400)
    res = sim.run()
    ind = res.indicators
    assert ind["benefit_voting_correlation"] > 0.1
    assert ind["benefits_per_capita_voters"] > ind["benefits_per_capita_nonvoters"]
    assert ind["party_benefit_ratio"] > 1.0
    # bonos reach only card holders with a recorded vote
    b = benefits_received(res)
    vote, reg = recorded(res, "voting"), recorded(res, "carnet_registration")
    bonos = next(j for j, m in enumerate(sim.scenario.measures) if m.name == "bonos")
    tgt = res.sanctions["target"][res.sanctions["measure"] == bonos]
    assert tgt.size > 0 and (vote[tgt] > 0).all() and (reg[tgt] > 0).all()
    # nobody without a card receives anything
    assert (b[reg == 0] == 0).all()


def _holders_link(sim, res):
    """Correlation of benefits and recorded votes among adult cardholders."""
    b = benefits_received(res)
    vote, reg = recorded(res, "voting"), recorded(res, "carnet_registration")
    h = sim.state.adult[: sim.state.n] & (reg > 0)
    return np.corrcoef(b[h], vote[h])[0, 1]


def test_enrolment_over_half_and_gate_removal_weakens_the_link():
    sim = Sim("carnet-patria", n=2500, seed=1)
    res = sim.run()
    assert res.indicators["enrolment_share"] > 0.5  # facts 7.11: more than half of 31 M
    off_sim = Sim("carnet-patria", n=2500, seed=1, overrides=["policy.joint_sanctions=false"])
    off = off_sim.run()
    # without the political gates (bonos, housing) the link among cardholders weakens; it does
    # not vanish, since a recorded vote implies a card and every card brings food and medicine
    assert _holders_link(off_sim, off) < 0.7 * _holders_link(sim, res)
    assert off.indicators["party_benefit_ratio"] < res.indicators["party_benefit_ratio"]


def test_the_database_records_votes_of_cardholders_only():
    sim = Sim("carnet-patria", n=2500, seed=1, days=400)
    res = sim.run()
    rec, sp = res.records, res.list_spells
    holders = sp["list"] == res.names["list"].index("carnet_holders")
    card_from = np.full(sim.state.S, np.iinfo(np.int32).max)
    card_from[sp["subject"][holders]] = sp["start"][holders]
    delay = sim.scenario.sources[1].delay_days
    for name in ("voting", "party_membership"):
        mine = rec["behaviour"] == res.names["behaviour"].index(name)
        assert mine.sum() > 20
        # the act (recorded `delay` days later) happened while the subject held a card
        assert (rec["day"][mine] - delay >= card_from[rec["subject"][mine]]).all()
