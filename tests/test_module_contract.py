"""The module contract: one ordered list is the loop, and a new module joins it in one line.

The toy module below is the worked example of adding a part of an institution: one class
(here in this file; in the package it would be one file under ``engine/``) and one line
that puts it in the module list.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from scslab.engine.module import Module, assemble
from scslab.engine.sim import EXTENSIONS, MODULES, Sim

TOY = Path(__file__).parent / "fixtures" / "engine" / "toy_points.toml"
ROOT = Path(__file__).resolve().parents[1]


class ActCounter(Module):
    """counts the acts behaviour handed to the sources each day"""

    name = "act_counter"
    position = ("after", "feedback")

    def init(self, sim):
        self.days = sim.scenario.sim.days
        self.acts = np.zeros(self.days, np.int64)
        self.seen_days: list[int] = []
        self.configured = 0

    def configure(self, sim):
        self.configured += 1

    def step(self, sim, day):
        subj, _ = sim.events.acts  # filled by behaviour earlier today
        self.acts[day] = subj.size
        self.seen_days.append(day)


def _names(sim):
    return [m.name for m in sim.modules]


def test_a_new_module_joins_the_loop_in_one_line():
    sim = Sim(TOY, n=300, days=30, seed=1, modules=[*MODULES, ActCounter])  # the one line
    names = _names(sim)
    assert names.index("act_counter") == names.index("feedback") + 1
    res = sim.run()
    toy = sim.module("act_counter")
    assert toy.seen_days == list(range(30))  # one step a day, in order
    assert toy.acts.sum() == res.series["violations"].sum() + res.series["good_deeds"].sum() > 0
    assert sim.act_counter is toy  # modules are reachable by name for inspection


def test_the_schedule_reconfigures_every_module():
    from scslab.scenario.schema import ScheduleItem

    sim = Sim(TOY, n=300, days=20, seed=1, modules=[*MODULES, ActCounter])
    sim.scenario.schedule = [ScheduleItem(day=5, set={"policy.detection_scale": 0.5})]
    sim.run()
    assert sim.module("act_counter").configured == 1
    assert sim.scenario.policy.detection_scale == 0.5


def test_extensions_join_at_their_declared_position():
    sim = Sim("health-code", n=300, days=2, seed=1)
    names = _names(sim)
    assert names[:3] == ["schedule", "epidemic", "behaviour"]
    assert set(EXTENSIONS) == {"epidemic", "letters"}
    assert "epidemic" not in _names(Sim(TOY, n=300, days=2))  # off unless its table is enabled


def test_assemble_refuses_unknown_anchors_and_duplicate_names():
    class Nowhere(Module):
        name = "nowhere"
        position = ("after", "no_such_module")

    with pytest.raises(ValueError, match="no_such_module"):
        assemble([m() for m in MODULES] + [Nowhere()])
    with pytest.raises(ValueError, match="two modules"):
        assemble([m() for m in MODULES] + [MODULES[1]()])

    class Bad(Module):
        name = "bad"
        position = ("beside", "lists")

    with pytest.raises(ValueError, match="position must be"):
        assemble([m() for m in MODULES] + [Bad()])


def test_several_modules_at_one_anchor_keep_their_order():
    def mod(n, pos):
        return type(n, (Module,), {"name": n, "position": pos})()

    order = assemble(
        [mod("a", None), mod("b", None), mod("x", ("after", "a")), mod("y", ("after", "a")), mod("z", ("before", "b"))]
    )
    assert [m.name for m in order] == ["a", "x", "y", "z", "b"]


def _table_modules(text: str) -> list[str]:
    """Module names of the first markdown loop table (``| # | module | does |``) in ``text``."""
    rows = re.findall(r"^\|\s*(\d+)\s*\|\s*([a-z_]+)\s*\|", text, re.M)
    return [name for _, name in rows]


def test_the_published_loop_table_is_the_module_list():
    loop = [cls.name for cls in MODULES]
    from scslab.engine import sim as sim_module

    assert _table_modules(sim_module.__doc__) == loop
    design = (ROOT / "docs" / "design.md").read_text()
    section = design.split("## The day loop", 1)[1].split("\n## ", 1)[0]
    assert _table_modules(section) == loop
    rows = Sim(TOY, n=300, days=1).loop_table()
    assert [r["module"] for r in rows] == loop
    assert all(r["does"] for r in rows)  # every module says what it does
