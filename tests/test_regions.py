"""The province level (issue 12): the region table, the 31 provinces, every subject's region."""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pytest

from conftest import toy_scenario
from scslab.engine.attributes import attribute_names
from scslab.engine.sim import Sim
from scslab.population.synth import apportion, region_sizes
from scslab.scenario.errors import ScenarioError
from scslab.scenario.loader import load_scenario, load_text, preset_path
from scslab.scenario.schema import Population

PROVINCES = Path(preset_path("rongcheng")).parent / "base" / "china-provinces.toml"
REGIONS = [
    {"name": "north", "code": 1, "weight": 3.0},
    {"name": "south", "code": 2, "weight": 1.0},
    {"name": "west", "code": 7, "weight": 1.0},
]


def test_the_base_holds_the_31_provinces_of_the_2020_census():
    raw = tomllib.loads(PROVINCES.read_text(encoding="utf-8"))
    regions = raw["population"]["regions"]
    assert len(regions) == 31
    # the 31 divisions of Communique No. 3; + 2,000,000 active-duty military = 1,411,778,724
    assert sum(r["weight"] for r in regions) == 1_409_778_724
    by_name = {r["name"]: r for r in regions}
    assert by_name["guangdong"]["weight"] == 126_012_510 and by_name["guangdong"]["code"] == 44
    assert by_name["tibet"]["weight"] == 3_648_100 and by_name["tibet"]["code"] == 54
    assert len({r["code"] for r in regions}) == 31


@pytest.mark.parametrize("preset", ["court-blacklist", "national-outline"])
def test_the_national_presets_have_the_province_level(preset):
    sc = load_scenario(preset)
    assert [r.name for r in sc.population.regions][:3] == ["beijing", "tianjin", "hebei"]
    assert len(sc.population.regions) == 31
    # and keep the judicial core the province base extends
    assert "dishonest_refusal" in [x.name for x in sc.lists]


def test_city_presets_have_no_regions():
    assert load_scenario("rongcheng").population.regions == []
    assert load_scenario("corporate").population.regions == []


def test_apportion_sums_to_n_follows_the_weights_and_leaves_no_region_empty():
    w = np.array([126_012_510, 3_648_100, 50_000_000], dtype=float)
    for n in (3, 10, 999, 123_457):
        parts = apportion(n, w)
        assert parts.sum() == n and (parts >= 1).all()
        assert np.abs(parts - n * w / w.sum()).max() <= 1.0 + 1  # largest remainder, after the floor of 1
    assert apportion(2, w).sum() == 2  # fewer persons than regions: some stay empty
    big = apportion(1_000_000, w)
    assert np.abs(big - 1_000_000 * w / w.sum()).max() < 1.0


def test_bad_region_tables_are_refused_with_the_field():
    dup = [{"name": "a", "code": 1, "weight": 1.0}, {"name": "a", "code": 2, "weight": 1.0}]
    with pytest.raises(ValueError, match="region names must be unique"):
        Population(n=100, regions=dup)
    with pytest.raises(ValueError, match="region codes must be unique"):
        Population(n=100, regions=[{"name": "a", "code": 1, "weight": 1.0}, {"name": "b", "code": 1, "weight": 1.0}])
    with pytest.raises(ValueError, match="more regions"):
        Population(n=10, regions=[{"name": f"r{i}", "code": i, "weight": 1.0} for i in range(11)])
    with pytest.raises(ScenarioError) as err:
        load_text('extends = "rongcheng"\n[population]\nregions = [{ name = "x", code = 1, weight = -1 }]\n')
    assert "population.regions[x].weight" in str(err.value)


def _with_regions(d):
    d["population"]["n"] = 2000
    d["population"]["regions"] = REGIONS
    d["lists"].append({"name": "south_file", "type": "watch", "entry": "region_south", "full_review_days": 1})


def test_every_subject_carries_its_region_in_state_results_and_rules():
    sim = Sim(toy_scenario(_with_regions))
    res = sim.run()
    st, cfg = sim.state, sim.scenario.population
    sizes = region_sizes(cfg)
    assert sizes.tolist() == [1200, 400, 400]
    persons = st.region[: st.n]
    assert np.bincount(persons, minlength=3).tolist() == sizes.tolist()
    assert st.region.dtype == np.int16 and (st.region[st.n :] >= 0).all()
    # organisations sit in their legal representative's region
    assert np.array_equal(st.region[st.n :], persons[st.legal_rep])
    codes = res.subjects["region_code"]
    assert codes.dtype == np.int16 and np.array_equal(codes, np.array([1, 2, 7], np.int16)[st.region])
    assert res.names["regions"] == ["north", "south", "west"]
    names = attribute_names(sim)
    assert {"region_north", "region_south", "region_west", "region_code"} <= set(names)
    # the watch list enters exactly the subjects of the south (rules read the region)
    k = [x.name for x in sim.scenario.lists].index("south_file")
    assert st.listed[k].sum() == sizes[1]  # every person of the south (organisations too)...
    assert not (st.listed[k] & (st.region != 1)).any()  # ...and nobody elsewhere


def test_without_regions_every_subject_has_region_minus_one():
    sim = Sim(toy_scenario(lambda d: d["population"].update(n=500))).init()
    assert (sim.state.region == -1).all()
    assert not [x for x in attribute_names(sim) if x.startswith("region")]
