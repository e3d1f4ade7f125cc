"""The result of a run as scripts read it (``scslab run --json``, ``summary.json``).

Issue 13.6: every figure named as a rate or a share lies in [0, 1], for every preset
(russia-trajectory reported ``hiring_rejection_rate_bottom`` = 1.026 because it divided by
an expected number of applications instead of those the engine drew).
"""

from __future__ import annotations

import math
import re
from typing import Any

import pytest

from scslab.cli.run import result_payload
from scslab.engine.sim import Sim
from scslab.scenario.loader import preset_names

N, DAYS = 300, 200
RATE = re.compile(r"(^|_)(rate|share|shares)(_|$)")
# named as a rate but a count per person (sanctions per person of a level: can exceed 1);
# the result schema gives it that unit
PER_PERSON = re.compile(r"^disparate_impact\.sanctions\.[^.]+\.[^.]+\.rate$")


@pytest.fixture(scope="module")
def payloads() -> dict[str, dict[str, Any]]:
    return {p: result_payload(Sim(p, n=N, seed=1, days=DAYS).run(), "out", "run") for p in preset_names()}


def _rates(obj: Any, path: str = "", inside: bool = False):
    """(path, value) of every number under a key named as a rate or a share."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _rates(v, f"{path}.{k}" if path else str(k), inside or bool(RATE.search(str(k))))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _rates(v, f"{path}[{i}]", inside)
    elif inside and isinstance(obj, (int, float)) and not isinstance(obj, bool):
        yield path, obj


@pytest.mark.slow
def test_every_rate_and_share_lies_in_the_unit_interval(payloads):
    checked = 0
    for preset, payload in payloads.items():
        for path, v in _rates(payload):
            if PER_PERSON.match(path):
                assert v >= 0.0, f"{preset}: {path} = {v}"
                continue
            checked += 1
            assert math.isfinite(v) and 0.0 <= v <= 1.0, f"{preset}: {path} = {v}"
    assert checked > 100  # the walk reaches the nested shares (grades, chilling by group, indicators)


def test_hiring_rejection_rate_counts_the_engines_own_applications():
    res = Sim("russia-trajectory", n=3000, seed=1, days=730).run()
    apps, rejs = res.figures["service_applications"]["hiring"], res.figures["service_rejections"]["hiring"]
    assert 0 < rejs["bottom_profile"] <= apps["bottom_profile"] < apps["all"]
    assert rejs["all"] == res.figures["blocked_by_service"]["hiring"]  # a rejection is a blocked attempt
    ind = res.indicators
    assert ind["hiring_rejection_rate_bottom"] == rejs["bottom_profile"] / apps["bottom_profile"] <= 1.0
    assert ind["hiring_rejection_rate"] == rejs["all"] / apps["all"]
    # the blocked attempts are the same draws whether or not everyone else's applications are counted
    assert res.summary["blocks"]["hiring_rejection"] == rejs["all"]
