"""The responsible-use lens in every run (issue 8.10): for each measure, whether it rests on data
from another social context and whether its detriment is disproportionate (EU AI Act Art.
5(1)(c), facts 9.1, 9.5), measured on the run."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from scslab import Sim
from scslab.metrics import lens

CASCADE = Path(__file__).parent / "fixtures" / "engine" / "toy_cascade.toml"


@pytest.fixture(scope="module")
def private():
    return Sim("private-scoring", n=2000, seed=1, years=1).run()


def test_private_scoring_lens_is_the_indicator_generalised(private):
    ru = private.summary["responsible_use"]
    oc = ru["conditions"]["other_context"]
    ind = private.indicators["cross_context_sanctions"]
    assert oc["met"] is True and oc["sanctions"] * private.scale == pytest.approx(ind["count"])
    assert oc["share"] == pytest.approx(ind["share"]) and ru["facts"] == "facts 9.1, 9.5"
    m = ru["measures"]
    # a landlord's own arrears list refusing rental is in its own context; the pooled score reaching
    # insurance is not
    assert m["rental_refusal_own"]["other_context"] is False
    assert m["rental_refusal_own"]["data_context"] == m["rental_refusal_own"]["measure_context"] == "rental"
    assert m["insurance_surcharge"]["other_context"] is True and m["insurance_surcharge"]["measure_context"] == (
        "insurance"
    )
    off = Sim("private-scoring", n=2000, seed=1, years=1, overrides=["policy.joint_sanctions=false"]).run()
    oc_off = off.summary["responsible_use"]["conditions"]["other_context"]
    assert oc_off["met"] is False and oc_off["sanctions"] == 0


def test_court_judgments_reaching_trains_and_schools_are_other_contexts():
    res = Sim("court-blacklist", n=3000, seed=1).run()
    m = res.summary["responsible_use"]["measures"]
    assert m["flight_ban"]["data_context"] == "judicial" and m["flight_ban"]["measure_context"] == "commercial"
    assert m["flight_ban"]["other_context_share"] == 1.0
    # publishing the court's own list is the court's context (facts 9.5 names tickets and schooling)
    assert m["public_exposure"]["other_context"] is False
    school = m["private_school_ban"]
    assert school["measure_context"] == "government" and school["other_context"] is True
    # the children are banned for a parent's debt: someone else's behaviour, a denied service
    assert school["others_behaviour_share"] == 1.0 and school["heavy"] and school["disproportionate"] is True
    dis = res.summary["responsible_use"]["conditions"]["disproportionate"]
    assert dis["met"] is True and "private_school_ban" in dis["measures"] and "flight_ban" not in dis["measures"]


def test_disproportion_follows_severity_and_whose_behaviour_it_was():
    minor = Sim(CASCADE).run().summary["responsible_use"]["measures"]
    serious = Sim(CASCADE, overrides=["behaviours.littering.severity='serious'"]).run()
    m = serious.summary["responsible_use"]["measures"]
    # a flight ban for littering: heavy, on minor records -> disproportionate; for a serious record it is not
    assert minor["flight_ban"]["minor_record_share"] == 1.0 and minor["flight_ban"]["disproportionate"] is True
    assert m["flight_ban"]["minor_record_share"] == 0.0 and m["flight_ban"]["disproportionate"] is False
    # a spouse fined for the partner's record is disproportionate however serious that record was
    assert m["spouse_fine"]["others_behaviour_share"] == 1.0 and m["spouse_fine"]["disproportionate"] is True
    # income lost per application: the cut times the days it lasted times the target's income, by hand
    res = serious
    sa, j = res.sanctions, list(res.names["measure"]).index("spouse_fine")
    rows = sa["measure"] == j
    days = np.where(sa["end"][rows] >= 0, sa["end"][rows], res.days) - sa["start"][rows]
    lost = 0.1 * days / 365 * res.subjects["income0"][sa["target"][rows]]
    assert m["spouse_fine"]["income_lost_per_application"] == pytest.approx(float(lost.mean()), rel=1e-6)
    assert m["spouse_fine"]["days_per_application"] == pytest.approx(float(days.mean()))
    assert m["spouse_fine"]["applications"] == int(rows.sum())


def test_every_run_has_the_lens_and_the_report_shows_it(private, tmp_path):
    from scslab.report.html import render_report

    for name in ("rongcheng", "sesame"):
        ru = Sim(name, n=500, seed=1, days=60).run().summary["responsible_use"]
        assert set(ru["conditions"]) == {"other_context", "disproportionate"}
        assert ru["rule"] if "rule" in ru else ru["conditions"]["disproportionate"]["rule"]
    html = render_report(private)
    assert 'id="lens"' in html and 'href="#lens"' in html and "facts 9.1, 9.5" in html
    assert "<th>insurance_surcharge</th>" in html and "rental → insurance" in html
    n = private.summary["responsible_use"]["conditions"]["other_context"]["sanctions"]
    assert f"met: {n:,} sanctions" in html
    assert lens.CATEGORY_DOMAIN["travel"] == "commercial" and lens.CATEGORY_DOMAIN["publicity"] is None


def test_sanctions_without_any_record_have_no_data_context():
    # fico-us over 30 days: score bands list people before any record exists (no record table rows)
    res = Sim("fico-us", n=300, seed=1, days=30).run()
    ru = res.summary["responsible_use"]
    assert len(res.records["subject"]) == 0 and len(res.sanctions["measure"]) > 0
    assert ru["conditions"]["other_context"]["met"] is False
    assert all(m["minor_record_share"] in (None, 0.0) for m in ru["measures"].values())
