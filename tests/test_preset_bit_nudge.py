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
    expect = 1.0 / (1.0 + np.exp(-(cfg.base_response_logit + cfg.w_norm_message * (mod.stated - cfg.prior_norm_share))))
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
