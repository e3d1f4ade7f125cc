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
    b = benefits_received(res, sim)
    vote, reg = recorded(sim, "voting"), recorded(sim, "carnet_registration")
    bonos = next(j for j, m in enumerate(sim.scenario.measures) if m.name == "bonos")
    tgt = res.sanctions["target"][res.sanctions["measure"] == bonos]
    assert tgt.size > 0 and (vote[tgt] > 0).all() and (reg[tgt] > 0).all()
    # nobody without a card receives anything
    assert (b[reg == 0] == 0).all()


def test_enrolment_over_half_and_gate_removal_breaks_the_link():
    sim = Sim("carnet-patria", n=2500, seed=1)
    res = sim.run()
    assert res.indicators["enrolment_share"] > 0.5  # facts 7.11: more than half of 31 M
    off = Sim("carnet-patria", n=2500, seed=1, overrides=["policy.joint_sanctions=false"]).run()
    # without the political gates (bonos, housing) the benefit-vote link mostly disappears
    assert off.indicators["benefit_voting_correlation"] < 0.5 * res.indicators["benefit_voting_correlation"]
    assert np.isclose(off.indicators["party_benefit_ratio"], 1.0, atol=0.15)
