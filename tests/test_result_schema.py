"""The result of a run as scripts read it (``scslab run --json``, ``summary.json``).

Issue 8.6: the result has a published JSON Schema (``scslab/schemas/result.schema.json``,
``docs/reference/results.md``) and the result of every preset validates against it: every
documented key present (``null`` where it does not apply: rongcheng had no
``chilling_index`` at all), every indicator documented with its unit and set.

Issue 13.6: every figure named as a rate or a share lies in [0, 1], for every preset
(russia-trajectory reported ``hiring_rejection_rate_bottom`` = 1.026 because it divided by
an expected number of applications instead of those the engine drew).
"""

from __future__ import annotations

import math
import re
from typing import Any

import jsonschema
import pytest

from scslab.cli.common import dumps
from scslab.cli.run import result_payload
from scslab.engine.sim import Sim
from scslab.metrics.indicators import INDICATORS
from scslab.scenario.loader import preset_names
from scslab.schemas import result_schema

N, DAYS = 300, 200
RATE = re.compile(r"(^|_)(rate|share|shares)(_|$)")
# named as a rate but a count per person (sanctions per person of a level: can exceed 1);
# the result schema gives it that unit
PER_PERSON = re.compile(r"^disparate_impact\.sanctions\.[^.]+\.[^.]+\.rate$")


@pytest.fixture(scope="module")
def payloads() -> dict[str, dict[str, Any]]:
    import json

    return {
        p: json.loads(dumps(result_payload(Sim(p, n=N, seed=1, days=DAYS).run(), "out", "run"))) for p in preset_names()
    }


@pytest.mark.slow
def test_the_result_of_every_preset_validates_against_the_published_schema(payloads):
    schema = result_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for preset, payload in payloads.items():
        errors = [f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(payload)]
        assert not errors, f"{preset}: " + "; ".join(errors[:5])
        assert set(payload) == set(schema["required"])  # every documented key, and only those
    assert payloads["rongcheng"]["chilling_index"] is None  # present, null: no expression behaviour


def test_schema_documents_every_key_with_a_unit_and_what_it_counts():
    schema = result_schema()
    props = schema["properties"]
    assert set(schema["required"]) == set(props)
    ind = props["indicators"]["properties"]
    assert set(ind) == set(INDICATORS)  # a new indicator is documented in the same change
    for name, spec in ind.items():
        assert spec["x-unit"] and spec["x-set"] == INDICATORS[name].owner, name
        assert spec["x-counts"] in ("agents", "people", None), name
    for key, spec in props.items():
        assert spec.get("description"), key
        assert "x-counts" in spec, key
    # the people figures are the ones the scale multiplies
    assert ind["ever_listed"]["x-counts"] == "people" and props["ever_listed"]["x-counts"] == "agents"
    assert props["people_represented"]["x-counts"] == "people"


def test_a_result_missing_a_key_or_out_of_range_is_invalid(payloads):
    validator = jsonschema.Draft202012Validator(result_schema())
    good = payloads["rongcheng"]
    missing = {k: v for k, v in good.items() if k != "chilling_index"}
    assert any("chilling_index" in e.message for e in validator.iter_errors(missing))
    bad = dict(good, compliance_rate=1.026)
    assert not validator.is_valid(bad)
    worse = dict(good, indicators=dict(good["indicators"], not_an_indicator=1.0))
    assert not validator.is_valid(worse)


# maps keyed by labels a scenario chooses (measure and service names: "subprime_rate" is a
# measure, not a rate); their keys are not field names, so they do not make a value a rate
LABEL_MAPS = ("blocks", "blocks_by_service", "responsible_use.measures", "responsible_use.conditions")


def _rates(obj: Any, path: str = "", inside: bool = False):
    """(path, value) of every number under a key named as a rate or a share."""
    if isinstance(obj, dict):
        labels = path in LABEL_MAPS
        for k, v in obj.items():
            named = not labels and bool(RATE.search(str(k)))
            yield from _rates(v, f"{path}.{k}" if path else str(k), inside or named)
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
