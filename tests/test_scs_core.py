"""SCS-core (benchmarks/scs_core.toml), the scslab side of the Mesa comparison.

The Mesa side needs the optional ``mesa`` package and is exercised only by
``benchmarks/compare_mesa.py``; here we check that the scenario runs, produces every daily
output the reference model promises, and that its derived parameters are the hand-computed
ones the Mesa implementation computes the same way (``sanction_weights``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from scslab.engine.sim import Sim

TOML = Path(__file__).resolve().parents[1] / "benchmarks" / "scs_core.toml"
BEHAVIOURS = ["debt_repayment", "tax_filing", "traffic_rule", "volunteering"]
BANDS = [("A", 1000.0), ("B", 960.0), ("C", 900.0), ("D", 0.0)]


@pytest.fixture(scope="module")
def run():
    sim = Sim(TOML, n=3000, days=150, seed=1)
    res = sim.run()
    return sim, res


def test_the_population_is_what_the_spec_asks_for(run):
    sim, _ = run
    st = sim.state
    assert st.n == st.S == 3000 and st.adult.all()  # N persons, no organisations
    assert sim.pop.household_net.indices.size == 0 and sim.pop.work_net.indices.size == 0
    deg = np.diff(sim.state.friend_net.indptr)
    assert 9.0 < deg.mean() <= 10.0  # random friends, mean degree 10
    assert [b.name for b in sim.scenario.behaviours] == BEHAVIOURS
    assert sim.scenario.lists[0].term_days == 730


def test_expected_sanction_weights_and_priors_are_the_hand_computed_ones(run):
    """S_b = |points|/50 + measures of lists the act can trigger (docs/model.md section 4).

    Only a debt record can list someone: 50/50 + 5 x 0.1 (income cut) + 0.3 (flight) + 0.3 (rail).
    """
    sim, _ = run
    everyone = np.arange(sim.state.S)
    expected = [1.0 + 0.5 + 0.3 + 0.3, 20 / 50, 5 / 50, 0.0]
    for b, want in enumerate(expected):  # no measure has an eligibility rule: the same for everyone
        assert np.all(np.isclose(sim.behaviour.expect.sanction(b, everyone), want))
    detects = [0.7, 0.8, 0.3, 0.8]
    prior = [0.5 * 0.3 + 0.5 * d for d in detects]  # (1 - visibility) x announced + visibility x actual
    assert sim.behaviour.visible == pytest.approx(detects)
    assert sim.state.perceived[:, :1].ravel() == pytest.approx(prior, abs=0.15)  # after 150 days of learning


def test_every_daily_output_is_recorded(run):
    _, res = run
    s = res.series
    for name in BEHAVIOURS[:3]:
        assert s[f"violations_{name}"].shape == (150,)
    assert s["good_deeds_volunteering"].sum() > 0
    for key in ("score_mean", "listed_defaulters", "listed_total", "wrongful_listed", "false_matches"):
        assert s[key].shape == (150,) and np.isfinite(s[key]).all()
    shares = np.stack([s[f"grade_share_{b}"] for b, _ in BANDS])
    assert np.allclose(shares.sum(axis=0), 1.0)
    assert set(res.summary["blocks"]) == {"flight_ban", "rail_ban"}


def test_sanity_of_the_dynamics(run):
    sim, res = run
    s = res.series
    traffic = s["violations_traffic_rule"].sum() / (3000 * 6 * 150 / 365)
    assert 0.02 < traffic < 0.3  # a minority break the rule
    assert s["violations_debt_repayment"].sum() > 0 and s["violations_tax_filing"].sum() > 0
    assert 950.0 < s["score_mean"][-1] < 1010.0  # deductions outweigh few bonuses
    assert (s["wrongful_listed"] <= s["listed_total"]).all()
    assert (s["listed_total"] == s["listed_defaulters"]).all()  # the one blacklist


def test_listing_follows_the_rule_and_cuts_income(run):
    sim, res = run
    sp, rec = res.list_spells, res.records
    debt = res.names["behaviour"].index("debt_repayment")
    assert len(sp["subject"]) >= 5
    for subj, start in zip(sp["subject"], sp["start"]):
        mine = (rec["subject"] == subj) & (rec["behaviour"] == debt) & (rec["day"] <= start)
        assert mine.any()  # a recorded debt ...
        assert start > 30  # ... unpaid for more than 30 days
    open_ = sp["subject"][sp["end"] < 0]
    inc, inc0 = res.subjects["income"], res.subjects["income0"]
    assert np.allclose(inc[open_], 0.9 * inc0[open_], rtol=1e-5)  # listed: a tenth of income lost
    assert (sim.state.blocks[0, open_] == 1).all() and (sim.state.blocks[1, open_] == 1).all()  # flight, rail
    reasons = {res.names["end_reason"][r] for r in sp["end_reason"][sp["end"] >= 0]}
    assert reasons <= {"performance"}  # 2-year term: only repayment ends a spell yet
    others = np.setdiff1d(np.arange(res.n_persons), open_)
    assert np.allclose(inc[others], inc0[others])
