"""Stylised facts of the society model (issue 3, item 9) and its switchable mechanisms.

Each test compares runs that differ in one lever under common random numbers, and asserts
the direction the literature (and docs/model.md) predicts. Small populations keep it quick.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from scslab.engine.sim import Sim

FIX = Path(__file__).parent / "fixtures" / "society"


def _violations(overrides: list[str], n: int = 3000, days: int = 730) -> float:
    return Sim("rongcheng", n=n, days=days, seed=3, overrides=overrides).run().series["violations"].sum()


def test_certainty_deters_more_than_severity_at_equal_expected_penalty():
    base = _violations([])
    certainty = _violations(["policy.detection_scale=2"])
    severity = _violations(["policy.sanction_scale=2"])
    assert certainty < severity < base


def _yearly_compliance(res) -> np.ndarray:
    v, o = res.series["violations"], res.series["opportunities"]
    years = v.size // 365
    return np.array([1 - v[i * 365 : (i + 1) * 365].sum() / o[i * 365 : (i + 1) * 365].sum() for i in range(years)])


def test_internalisation_makes_compliance_outlast_surveillance():
    drops, sgi = {}, {}
    for on in ("true", "false"):
        res = Sim(FIX / "hysteresis.toml", overrides=[f"model.internalisation={on}"]).run()
        c = _yearly_compliance(res)
        drops[on] = c[2] - c[5]  # year 3 (last with full surveillance) minus year 6
        sgi[on] = res.summary["self_governance_index"]
    assert drops["false"] > 0  # without internalised norms compliance falls once watching stops
    assert drops["true"] < drops["false"]
    assert sgi["true"] > sgi["false"]  # more of the compliance survives believing nobody watches


def test_no_false_matches_means_no_wrongful_camera_listings():
    res = Sim(FIX / "cameras.toml", overrides=["sources.traffic_police.false_match_per_year=0"]).run()
    assert res.summary["wrongful_listings"] == 0
    assert not (~res.records["true"]).any()


def test_biased_face_recognition_lists_the_disfavoured_group_wrongly_more_often():
    res = Sim(FIX / "cameras.toml").run()
    di = res.summary["disparate_impact"]["wrongful_listing"]["group"]
    assert res.summary["wrongful_listings"] > 0
    assert di["majority"]["ratio"] == 1.0 and di["minority"]["ratio"] > 1.3
    assert di["minority"]["estimable"] and di["minority"]["cases"] + di["majority"]["cases"] >= 10
    assert di["minority"]["ci95_low"] < di["minority"]["ratio"] < di["minority"]["ci95_high"]
    even = Sim(
        FIX / "cameras.toml", overrides=["sources.traffic_police.false_match_multipliers.group_minority=1"]
    ).run()
    even_di = even.summary["disparate_impact"]["wrongful_listing"]["group"]["minority"]
    assert even_di["ratio"] < di["minority"]["ratio"]


def test_recording_lawful_speech_chills_it():
    watched = Sim(FIX / "speech.toml").run().summary["chilling_index"]
    unwatched = Sim(FIX / "speech.toml", overrides=["sources.platform.detects.online_criticism=0"]).run()
    assert 0 < watched < 1
    assert unwatched.summary["chilling_index"] < watched
    by_group = Sim(FIX / "speech.toml").run().summary["chilling_by_group"]["group"]
    assert set(by_group) == {"majority", "minority"}


def test_joint_sanctions_push_the_poor_into_involuntary_default():
    kw = dict(n=4000, days=730, seed=5)
    on = Sim("rongcheng", overrides=["policy.sanction_scale=3", "lists.grade_c_d.entry=points < 990"], **kw).run()
    off = Sim(
        "rongcheng",
        overrides=["policy.sanction_scale=3", "lists.grade_c_d.entry=points < 990", "policy.joint_sanctions=false"],
        **kw,
    ).run()
    q_on = on.summary["involuntary_defaults_by_income_quintile"]
    q_off = off.summary["involuntary_defaults_by_income_quintile"]
    assert q_on[0] > q_off[0]
    assert q_on[0] > q_on[4]  # the lowest income quintile defaults most


@pytest.mark.parametrize("publicity", ["true", "false"])
def test_publicity_costs_listed_people_their_ties(publicity):
    res = Sim(
        "rongcheng",
        n=3000,
        days=400,
        seed=2,
        overrides=[
            "model.exclusion.cut_share=0.5",
            "lists.grade_c_d.entry=points < 990",
            f"policy.publicity={publicity}",
        ],
    ).run()
    loss = res.summary["exclusion_degree_loss"]
    if publicity == "true":
        assert loss is not None and 0.3 < loss < 0.7  # each tie is cut with probability 0.5
    else:
        assert loss is None  # nobody was exposed


def test_cut_ties_are_held_once_unless_a_module_reads_the_synthesised_network():
    from scslab.engine.module import Module
    from scslab.engine.sim import MODULES

    class ReadsOriginal(Module):
        name = "reads_original"
        position = ("before", "society")
        reads_synthesised_friends = True

    kw = dict(n=3000, days=120, seed=2)
    ov = ["model.exclusion.cut_share=0.5", "lists.grade_c_d.entry=points < 990", "policy.publicity=true"]
    one, kept = (
        Sim("rongcheng", overrides=ov, **kw),
        Sim("rongcheng", overrides=ov, modules=[*MODULES, ReadsOriginal], **kw),
    )
    r1, r2 = one.run(), kept.run()
    assert r1.summary["exclusion_degree_loss"] > 0.1  # ties were cut
    # cut in place: the population's friend network is the cut one, no second copy
    assert one.pop.friend_net is one.state.friend_net
    # kept: the original stays whole beside the cut copy, and the run is the same
    assert kept.pop.friend_net.nnz > kept.state.friend_net.nnz == one.state.friend_net.nnz
    assert kept.state.friend_net.indices.tolist() == one.state.friend_net.indices.tolist()
    timing = ("wall_s", "peak_rss_mb", "agent_days_per_s")
    assert {k: v for k, v in r1.summary.items() if k not in timing} == {
        k: v for k, v in r2.summary.items() if k not in timing
    }


def test_economic_feedback_switch():
    kw = dict(n=3000, days=500, seed=5)
    ov = ["policy.sanction_scale=3", "lists.grade_c_d.entry=points < 990"]
    on = Sim("rongcheng", overrides=ov, **kw).run()
    off = Sim("rongcheng", overrides=[*ov, "model.economic_feedback=false"], **kw).run()
    assert on.summary["sanctions_applied"] > 0
    # with feedback off, sanctions leave incomes as they were: every person's income is its base
    persons = off.subjects["type"] == 0
    assert np.allclose(off.subjects["income"][persons], off.subjects["income0"][persons], rtol=1e-6)
    assert not np.allclose(on.subjects["income"][persons], on.subjects["income0"][persons], rtol=1e-6)


def test_seen_share_from_the_sanctioned_equals_the_dense_neighbour_mean():
    sim = Sim("rongcheng", n=2000, days=250, seed=2, overrides=["lists.grade_c_d.entry=points < 995"]).init()
    for day in range(250):
        sim.step(day)
    st, n = sim.state, sim.state.n
    assert (st.n_sanctions[:n] > 0).sum() > 10
    dense = sim.society._mean(sim, (st.n_sanctions[:n] > 0).astype(np.float32))
    sparse = sim.society._seen(sim, sim.scenario.model.perception)
    assert np.allclose(dense, sparse, atol=1e-6)


def _numpy_passes(nets, values):
    """The society means as they were computed before the fused kernel: three neighbor_mean passes."""
    from scslab.population.network import neighbor_mean

    values = np.ascontiguousarray(values, np.float32)
    out = np.zeros(values.shape[0], np.float64)
    wsum = np.zeros(values.shape[0], np.float64)
    for net, w in nets:
        if w > 0:
            out += w * neighbor_mean(net, values)
            wsum += w * (np.diff(net.indptr) > 0)
    out /= np.maximum(wsum, 1e-300)
    return out.astype(np.float32), wsum


@pytest.mark.parametrize("weights", [(0.3, 0.3, 0.4), (0.0, 0.7, 0.13), (1.0, 0.0, 0.0)])
def test_fused_social_update_is_bit_identical_to_the_numpy_passes(weights):
    from scslab.engine.society import social_means
    from scslab.population.network import Csr

    rng = np.random.default_rng(11)
    n = 5000
    graphs = []
    for k, (m, reach) in enumerate([(3000, n // 2), (9000, n), (20000, n - 300)]):
        # the last rows (and, in the first circle, half the persons) have no contacts at all
        src, dst = rng.integers(0, reach, m), rng.integers(0, reach, m)
        g = Csr.from_edges(n, src, dst)
        if k == 1:  # mixed offset widths compile and agree too
            g = Csr(g.indptr.astype(np.int64), g.indices)
        graphs.append(g)
    nets = tuple(zip(graphs, weights, strict=True))
    assert any((np.diff(g.indptr) == 0).any() for g in graphs)
    a = (rng.random(n) < 0.2).astype(np.float32) * rng.random(n).astype(np.float32)
    b = rng.random(n).astype(np.float32)
    ref_a, ref_w = _numpy_passes(nets, a)
    ref_b, _ = _numpy_passes(nets, b)
    got_a, got_b, got_w = social_means(nets, a, b)
    assert got_b is not None
    assert got_a.dtype == np.float32 and got_b.dtype == np.float32
    assert np.array_equal(got_a.view(np.uint32), ref_a.view(np.uint32))
    assert np.array_equal(got_b.view(np.uint32), ref_b.view(np.uint32))
    assert np.array_equal(got_w.view(np.uint64), ref_w.view(np.uint64))
    one_a, none_b, _ = social_means(nets, a)
    assert none_b is None and np.array_equal(one_a.view(np.uint32), ref_a.view(np.uint32))
    assert (got_a == 0).any() and (got_a > 0).any()  # isolated persons get 0, others a mean
