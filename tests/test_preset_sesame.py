"""sesame: perks only reach opted-in subjects above each threshold; nobody else is scored."""

from __future__ import annotations

import numpy as np
import pytest

from scslab.engine.sim import Sim

THRESHOLDS = {
    "bike_deposit_waiver": 500.0,
    "hotel_deposit_waiver": 550.0,
    "car_rental_deposit_waiver": 600.0,
    "flat_deposit_waiver": 650.0,
}  # facts 4.5


@pytest.fixture(scope="module")
def run():
    sim = Sim("sesame", n=2000, seed=3, days=240)
    return sim, sim.run()


def test_loads_with_published_structure(run):
    sim, _ = run
    sc = sim.scenario.scoring
    assert (sc.min, sc.max) == (350.0, 950.0)
    assert [round(d.weight, 2) for d in sc.dimensions] == [0.35, 0.25, 0.20, 0.15, 0.05]
    assert [b.min for b in sc.bands] == [700.0, 650.0, 600.0, 550.0, 350.0]


def test_nobody_outside_opt_in_gets_a_score(run):
    sim, res = run
    persons = res.subjects["type"] == 0
    opted = sim.state.scores.mask[: persons.size]
    out = persons & ~opted
    adults = persons & sim.state.adult[: persons.size]
    # opt_in_share = 0.5 of the scored subjects (adults): within 4 standard errors, minors never
    assert abs(opted[adults].mean() - 0.5) < 4 * np.sqrt(0.25 / adults.sum())
    assert not opted[persons & ~adults].any()
    assert out.any()
    assert np.all(res.subjects["grade"][out] == -1)
    assert np.all(np.isnan(res.subjects["score"][out]))  # unscored: no score at all, not 0
    s = res.subjects["score"][persons & opted]
    assert s.min() >= 350.0 and s.max() <= 950.0


def test_perks_only_for_opted_in_above_threshold(run):
    sim, res = run
    sa, names = res.sanctions, res.names["measure"]
    assert len(sa["target"]) > 0
    assert np.all(sim.state.scores.mask[sa["target"]])  # only opted-in subjects
    assert np.all(sim.state.adult[sa["target"]])
    score = res.subjects["score"]
    below_any = False
    for name, thr in THRESHOLDS.items():
        j = names.index(name)
        holders = np.unique(sa["target"][(sa["measure"] == j) & (sa["end"] < 0)])
        assert holders.size > 0
        assert np.all(score[holders] >= thr)  # nobody below holds the perk
        eligible = np.flatnonzero(sim.state.scores.mask & sim.state.adult & (score >= thr))
        assert set(eligible.tolist()) == set(holders.tolist())  # everyone above holds it
        below_any |= bool((sim.state.scores.mask & sim.state.adult & (score < thr)).any())
    assert below_any  # the thresholds bite


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # recorder averages an empty score set
def test_no_opt_in_means_no_perks():
    res = Sim("sesame", n=600, seed=1, days=60, overrides=["scoring.opt_in_share=0"]).run()
    assert len(res.sanctions["target"]) == 0
    assert np.all(res.subjects["grade"] == -1)


def _live_records(st, b: int) -> np.ndarray:
    """Live records of behaviour ``b`` per subject, from the records table (sesame's rules read
    no records_<behaviour>, so the state keeps no per-behaviour counts)."""
    from scslab.engine.records import LIVE

    n = len(st.records)
    rows = st.records.rows
    live = np.isin(rows["status"][:n], LIVE) & (rows["behaviour"][:n] == b)
    return np.bincount(rows["subject"][:n][live], minlength=st.S)


def test_submitted_bills_are_good_records_that_offset_defaults(run):
    """Self-submitted paid bills (facts 4.2) count in credit history with its good_weight:
    with the weight at 0 the same run scores every subject with bills and a default lower."""
    sim, _ = run
    dim = sim.scenario.scoring.dimensions[0]
    assert dim.name == "credit_history" and "bill_submission" in dim.behaviours and dim.good_weight > 0
    st = sim.state
    scored = st.scores.scored
    b = [x.name for x in sim.scenario.behaviours].index("bill_submission")
    bills = _live_records(st, b)[scored] > 0
    assert bills.mean() > 0.2  # people do submit bills
    zero = Sim("sesame", n=2000, seed=3, days=240, overrides=["scoring.dimensions.credit_history.good_weight=0"])
    zero.run()
    assert np.array_equal(zero.state.scores.scored, scored)
    bad = np.zeros(scored.size, bool)
    for name in dim.behaviours[:2]:
        bad |= _live_records(st, [x.name for x in sim.scenario.behaviours].index(name))[scored] > 0
    both = bills & bad
    assert both.sum() > 5
    assert (st.score[scored[both]] > zero.state.score[scored[both]]).all()
