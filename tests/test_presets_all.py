"""Every shipped preset runs by name at a small size and reports the common figures."""

from __future__ import annotations

import math

import pytest

from scslab.engine.sim import Sim
from scslab.scenario.loader import preset_description, preset_names

ISSUE_4 = {
    "national-outline",
    "court-blacklist",
    "rongcheng",
    "fuzhou-jasmine",
    "sesame",
    "tencent",
    "corporate",
    "health-code",
    "volunteer-morality",
    "fico-us",
    "schufa-de",
    "carnet-patria",
    "russia-trajectory",
    "bit-nudge",
    "private-scoring",
}
COMMON = (
    "scenario",
    "seed",
    "persons",
    "days",
    "wall_s",
    "agent_days_per_s",
    "peak_rss_mb",
    "records",
    "records_false",
    "listed_now",
    "ever_listed",
    "wrongful_listings",
    "sanctions_applied",
    "compliance_rate",
)


def test_every_system_from_the_sources_is_a_preset():
    assert set(preset_names()) >= ISSUE_4
    for name in preset_names():
        assert preset_description(name).strip(), name


@pytest.mark.parametrize("name", sorted(ISSUE_4))
def test_preset_runs_small(name):
    res = Sim(name, n=600, days=60, seed=2).run()
    s = res.summary
    for key in COMMON:
        assert key in s, key
    assert s["persons"] == 600 and s["days"] == 60 and s["scenario"] == res.scenario["name"]
    assert s["records"] >= s["records_false"] >= 0
    if s["compliance_rate"] is not None:
        assert 0.0 <= s["compliance_rate"] <= 1.0
    if res.scenario["scoring"]["kind"] != "none":
        shares = s["grade_shares"]
        assert shares is None or math.isclose(sum(shares.values()), 1.0, abs_tol=1e-9) or sum(shares.values()) == 0
    assert set(res.indicators) == set(res.scenario["indicators"])
