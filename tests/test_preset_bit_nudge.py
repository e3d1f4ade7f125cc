"""bit-nudge: no punishment; a national-norm letter beats the control reminder, and the
local arms follow the simulated local payment share (they are predicted, not fitted)."""

import numpy as np
import pytest

from scslab.engine.sim import Sim
from scslab.metrics.indicators.letters import letters_module


def _run(arm: str, seed: int, *extra: str):
    sim = Sim("bit-nudge", n=3000, seed=seed, overrides=[f"letters.norm={arm}", *extra])
    return sim, sim.run()


def test_no_punishment_and_calibration_within_tolerance():
    rates = {"control": [], "national": []}
    for seed in (1, 2, 3):
        for arm in rates:
            sim, res = _run(arm, seed)
            assert len(res.list_spells["subject"]) == 0 and len(res.sanctions["target"]) == 0
            rates[arm].append(res.indicators["payment_rate"])
        # same seed, same luck: the norm letter's responders are a superset of the control's
        assert rates["national"][-1] >= rates["control"][-1]
    control, national = np.mean(rates["control"]), np.mean(rates["national"])
    assert national > control
    assert control == pytest.approx(0.675, abs=0.06)  # facts 7.15
    assert national == pytest.approx(0.725, abs=0.06)  # facts 7.15


def test_local_arms_follow_the_simulated_local_share():
    sim, res = _run("town", 1)
    mod = letters_module(sim)
    cfg = sim.scenario.letters
    # the stated share is the simulated share of adults paying on time in the recipient's region
    assert res.indicators["letter_stated_share"] == pytest.approx(res.indicators["letter_actual_share"], abs=0.03)
    # response probability is the documented logit of the perceived-norm shift
    shift = cfg.message_weight * mod.relevant * (mod.stated - cfg.prior_norm_share)
    expect = 1.0 / (1.0 + np.exp(-(cfg.base_response_logit + cfg.w_norm_message * shift)))
    assert np.allclose(mod.p_respond, expect)
    # if nobody in town paid on time, the town letter would state 0 and lower the response
    n = sim.state.n
    who = mod.recipient
    mod.last_miss[:] = sim.day
    low = mod.stated_share(sim, who)
    assert np.allclose(low, 0.0)
    assert (mod.response_probability(low) < mod.response_probability(np.full(who.size, np.nan))).all()
    # and if everybody did, it states 1 and raises it above the national message's
    mod.last_miss[:] = -(10**9)
    high = mod.stated_share(sim, who)
    assert np.allclose(high, 1.0)
    assert (mod.response_probability(high) > mod.response_probability(np.full(who.size, 0.9))).all()
    assert n > 0


def test_postcode_share_is_the_neighbourhood_mean():
    sim = Sim("bit-nudge", n=600, seed=4, days=5, overrides=["letters.norm=postcode", "letters.send_days=[2]"])
    sim.run()
    mod = letters_module(sim)
    n = sim.state.n
    adult = sim.state.adult[:n]
    up = np.zeros(n, bool)
    up[::2] = True
    from scslab.engine.letters import local_shares

    town, post = local_shares(sim, up, adult, 1)
    hh, fr = sim.pop.household_net, sim.pop.friend_net
    i = next(
        i
        for i in range(n)
        if hh.degree()[i] + fr.degree()[i] > 0 and adult[np.concatenate([hh.neighbors(i), fr.neighbors(i)])].any()
    )
    nb = np.concatenate([hh.neighbors(i), fr.neighbors(i)])
    assert post[i] == pytest.approx((up[nb] & adult[nb]).sum() / adult[nb].sum())
    urban = sim.state.urban[:n] == 1
    assert town[i] == pytest.approx(up[adult & (urban == urban[i])].mean())
    assert mod.cfg.norm == "postcode"


def test_group_similarity_is_the_brute_force_gower_mean():
    from scslab.engine.letters import _attribute_columns, _mean_similarity_to, reference_similarity

    sim = Sim("bit-nudge", n=800, seed=5, days=3, overrides=["letters.send_days=[1]"])
    sim.run()
    n = sim.state.n
    adult = sim.state.adult[:n]
    cols = _attribute_columns(sim, ["urban", "age", "income", "education"])
    members = np.flatnonzero(adult)

    def pair(i, j):
        return np.mean([float(x[i] == x[j]) if k == "cat" else 1.0 - abs(x[i] - x[j]) for k, x in cols])

    readers = members[:25]
    for kind, x in cols:  # the sorted prefix-sum mean is the brute-force mean
        fast = _mean_similarity_to(x, kind, readers, members)
        slow = [np.mean([(x[i] == x[j]) if kind == "cat" else 1 - abs(x[i] - x[j]) for j in members]) for i in readers]
        assert np.allclose(fast, slow)
    sims = reference_similarity(sim, adult, 1)
    urban = sim.state.urban[:n]
    hh, fr = sim.pop.household_net, sim.pop.friend_net
    for i in readers[:10]:
        assert sims["national"][i] == pytest.approx(np.mean([pair(i, j) for j in members]))
        same = members[urban[members] == urban[i]]
        assert sims["town"][i] == pytest.approx(np.mean([pair(i, j) for j in same]))
        nb = [j for j in np.concatenate([hh.neighbors(i), fr.neighbors(i)]) if adult[j]]
        if nb:
            assert sims["postcode"][i] == pytest.approx(np.mean([pair(i, j) for j in nb]))
        else:
            assert sims["postcode"][i] == pytest.approx(sims["town"][i])
    # a local group is more like the reader than the nation is (on average over adults)
    assert sims["national"][adult].mean() < min(sims["town"][adult].mean(), sims["postcode"][adult].mean())


def test_relevance_scales_the_norm_shift_and_is_off_without_weighting():
    sim, res = _run("national", 2, "population.n=3000")
    mod = letters_module(sim)
    cfg = sim.scenario.letters
    assert cfg.reference_weighting == "similarity"  # the preset's mechanism
    assert mod.relevant.size == mod.recipient.size and (mod.relevant > 0).all() and (mod.relevant < 1).all()
    shift = cfg.message_weight * mod.relevant * (mod.stated - cfg.prior_norm_share)
    assert np.allclose(mod.p_respond, 1.0 / (1.0 + np.exp(-(cfg.base_response_logit + cfg.w_norm_message * shift))))
    sim2, _ = _run("national", 2, "population.n=3000", "letters.reference_weighting=none")
    mod2 = letters_module(sim2)
    assert np.array_equal(mod2.recipient, mod.recipient)  # the same debtors get the letter
    assert np.allclose(mod2.relevant, 1.0)
    assert (mod2.p_respond > mod.p_respond).all()  # a fully believed share moves more
