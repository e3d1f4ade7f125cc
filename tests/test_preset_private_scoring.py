"""private-scoring: a record from one context changes outcomes in another; joint=false stops it."""

from __future__ import annotations

import numpy as np
import pytest

from scslab.engine.sim import Sim
from scslab.metrics.indicators.credit_scores import context_of, cross_context_mask, list_contexts


def test_context_of_reads_the_name_prefix():
    assert context_of("rental_late_rent") == "rental"
    assert context_of("insurance_claim") == "insurance"
    assert context_of("dating_report") == "dating"


@pytest.fixture(scope="module")
def runs():
    out = {}
    for joint in (True, False):
        sim = Sim(
            "private-scoring",
            n=2000,
            seed=1,
            days=300,
            overrides=[f"policy.joint_sanctions={'true' if joint else 'false'}"],
        )
        out[joint] = (sim, sim.run())
    return out


def _cause_behaviour(res):
    sa, sp, rec = res.sanctions, res.list_spells, res.records
    cause = sp["cause_record"][sa["spell"]]
    return np.where(cause >= 0, rec["behaviour"][np.maximum(cause, 0)], -1)


def test_late_rent_leads_to_insurance_or_dating_measures(runs):
    _, res = runs[True]
    assert list_contexts(res) == ["rental", "dating", None]  # own-data lists vs the pooled score
    sa = res.sanctions
    beh = _cause_behaviour(res)
    cats = np.asarray(res.names["measure_category"], dtype=object)[sa["measure"]]
    rent = beh == res.names["behaviour"].index("rental_late_rent")
    assert np.any(rent & np.isin(cats, ["insurance", "dating"]))
    assert cross_context_mask(res).sum() > 0
    assert res.indicators["cross_context_sanctions"]["count"] > 0


def test_joint_off_removes_cross_context_measures(runs):
    sim, res = runs[False]
    sa = res.sanctions
    assert len(sa["target"]) > 0  # same-context measures still apply
    joint = np.array([m.joint for m in sim.scenario.measures])
    assert not joint[sa["measure"]].any()
    assert cross_context_mask(res).sum() == 0
    assert res.indicators["cross_context_sanctions"]["count"] == 0.0
