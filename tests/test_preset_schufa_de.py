"""schufa-de: insolvency data expires at the 180-day register limit; human review cancels wrongful measures."""

from __future__ import annotations

import numpy as np
import pytest

from scslab.engine.sim import Sim

# more insolvencies and entry errors than the defaults, so a 2,000-person run has enough of both
DENSE = ["behaviours.insolvency.opportunities_per_year=1.0", "sources.contract_partners.entry_error_share=0.3"]


@pytest.fixture(scope="module")
def run():
    sim = Sim("schufa-de", n=2000, seed=1, days=400, overrides=DENSE)
    return sim, sim.run()


def test_insolvency_expires_exactly_at_register_limit(run):
    _, res = run
    rec, names = res.records, res.names
    ins = rec["behaviour"] == names["behaviour"].index("insolvency")
    expired = ins & (rec["status"] == names["record_status"].index("expired"))
    assert expired.sum() > 5
    assert np.all(rec["end_day"][expired] - rec["day"][expired] == 180)  # facts 7.8
    # nothing older than 180 days is still in effect
    live = np.isin(rec["status"], [names["record_status"].index(s) for s in ("active", "disputed")])
    assert not np.any(ins & live & (rec["day"] < res.days - 1 - 180))
    # other records are kept longer (3 years): none of them has expired in 400 days
    assert not np.any(~ins & (rec["status"] == names["record_status"].index("expired")))
    assert res.indicators["insolvency_kept_days_max"] <= 180


def _wrongful(share: float):
    ov = DENSE + [
        f"measures.loan_refusal.human_review_share={share}",
        f"measures.contract_prepay_only.human_review_share={share}",
    ]
    sim = Sim("schufa-de", n=2000, seed=1, days=400, overrides=ov)
    res = sim.run()
    return int(res.sanctions["wrongful"].sum()), sim.measures.reviewed_cancelled, len(res.sanctions["target"])


def test_human_review_cancels_wrongful_measures():
    w0, c0, n0 = _wrongful(0.0)
    w1, c1, n1 = _wrongful(1.0)
    assert w0 > 0 and c0 == 0
    assert w1 == 0 and c1 > 0
    assert n1 < n0


def test_scores_are_probabilities(run):
    _, res = run
    scored = (res.subjects["type"] == 0) & (res.subjects["grade"] >= 0)
    s = res.subjects["score"][scored]
    assert s.min() >= 0.0 and s.max() <= 100.0
