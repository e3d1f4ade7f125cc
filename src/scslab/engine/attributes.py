"""Named subject attributes that rule expressions may read.

Rules are what the *institution* decides on, so only what the institution could know is
exposed: demographics, income, records, lists, open obligations. Honesty and internalised
norms are hidden by design. Values are computed lazily for the subjects being evaluated,
so a rule over a few thousand candidates never touches the other million subjects.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING

import numpy as np

from ..codes import DOMAINS

if TYPE_CHECKING:
    from .sim import Sim

__all__ = ["SubjectView", "attribute_names"]

Getter = Callable[["Sim", np.ndarray], np.ndarray]


def _base() -> dict[str, Getter]:
    g: dict[str, Getter] = {
        "day": lambda s, i: np.full(i.size, s.day, np.int32),
        "age": lambda s, i: s.state.age[i],
        "female": lambda s, i: s.state.sex[i] == 1,
        "male": lambda s, i: s.state.is_person[i] & (s.state.sex[i] == 0),
        "urban": lambda s, i: s.state.urban[i] == 1,
        "rural": lambda s, i: s.state.urban[i] == 0,
        "migrant": lambda s, i: s.state.migrant[i] == 1,
        "local_hukou": lambda s, i: s.state.is_person[i] & (s.state.migrant[i] == 0),
        "education": lambda s, i: s.state.education[i],
        "group": lambda s, i: s.state.group[i],
        "income": lambda s, i: s.state.income[i],
        "base_income": lambda s, i: s.state.base_income[i],
        "savings": lambda s, i: s.state.savings[i],
        "is_person": lambda s, i: s.state.kind[i] == 0,
        "is_enterprise": lambda s, i: s.state.kind[i] == 1,
        "is_social_org": lambda s, i: s.state.kind[i] == 2,
        "is_government": lambda s, i: s.state.kind[i] == 3,
        "adult": lambda s, i: s.state.adult[i],
        "minor": lambda s, i: s.state.is_person[i] & ~s.state.adult[i],
        "score": lambda s, i: s.state.score[i],
        "points": lambda s, i: s.state.score[i],
        "grade": lambda s, i: s.state.grade[i],
        "records": lambda s, i: s.state.n_records[i],
        "bad_records": lambda s, i: s.state.bad_records[i],
        "good_records": lambda s, i: s.state.good_records[i],
        "serious_records": lambda s, i: s.state.serious_records[i],
        "debt": lambda s, i: s.state.debt[i],
        "open_obligations": lambda s, i: s.state.obligations.open_count(i),
        "unpaid_days": lambda s, i: s.state.obligations.unpaid_days(i, s.day),
        "able_to_pay": lambda s, i: s.state.savings[i] + s.state.income[i] / 12.0 >= s.state.debt[i],
        "sanctions": lambda s, i: s.state.n_sanctions[i],
        "rewards": lambda s, i: s.state.n_rewards[i],
        "blacklisted": lambda s, i: s.state.spells.on_type(s.state, i, "black"),
        "redlisted": lambda s, i: s.state.spells.on_type(s.state, i, "red"),
        "watchlisted": lambda s, i: s.state.spells.on_type(s.state, i, "watch"),
    }
    for d, name in enumerate(DOMAINS):
        g[f"records_{name}"] = (lambda d: lambda s, i: s.state.domain_records[d, i])(d)
    return g


_BASE = _base()


def _scenario_getters(sim: Sim) -> dict[str, Getter]:
    g = dict(_BASE)
    for k, lst in enumerate(sim.scenario.lists):
        g[f"listed_{lst.name}"] = (lambda k: lambda s, i: s.state.listed[k, i])(k)
        g[f"days_listed_{lst.name}"] = (lambda k: lambda s, i: s.state.spells.days_listed(s.state, k, i, s.day))(k)
    for gi, grp in enumerate(sim.scenario.population.groups):
        g[f"group_{grp.name}"] = (lambda gi: lambda s, i: s.state.is_person[i] & (s.state.group[i] == gi))(gi)
    for oi, occ in enumerate(getattr(sim.scenario.population, "occupations", ())):
        g[f"occupation_{occ.name}"] = (lambda oi: lambda s, i: s.state.occupation[i] == oi)(oi)
    regions = list(getattr(sim.scenario.population, "regions", ()))
    for ri, reg in enumerate(regions):
        g[f"region_{reg.name}"] = (lambda ri: lambda s, i: s.state.region[i] == ri)(ri)
    if regions:
        codes = np.array([r.code for r in regions], dtype=np.float64)
        g["region_code"] = lambda s, i: codes[s.state.region[i]]
    for b, spec in enumerate(sim.scenario.behaviours):
        g[f"records_{spec.name}"] = (lambda b: lambda s, i: s.state.behaviour_records[b, i])(b)
    for j, ob in enumerate(x.name for x in sim.scenario.behaviours if x.kind == "obligation"):
        g[f"unpaid_days_{ob}"] = (lambda j: lambda s, i: s.state.obligations.unpaid_days_one(j, i, s.day))(j)
    for mod in sim.modules:  # modules (e.g. an epidemic) may expose attributes to rules
        g.update(mod.attributes)
    for k, band in enumerate(sim.scenario.scoring.bands):
        g[f"grade_{band.name.lower()}"] = (lambda k: lambda s, i: s.state.grade[i] == k)(k)
    return g


def attribute_names(sim: Sim) -> list[str]:
    """Every name a rule in this scenario may use."""
    return sorted(_scenario_getters(sim))


class SubjectView(Mapping):
    """A lazy, read-only mapping name -> array for the subjects ``idx``."""

    def __init__(self, sim: Sim, idx: np.ndarray, getters: dict[str, Getter] | None = None) -> None:
        self.sim = sim
        self.idx = idx
        self._g = getters if getters is not None else _scenario_getters(sim)
        self._cache: dict[str, np.ndarray] = {}

    def __getitem__(self, name: str) -> np.ndarray:
        v = self._cache.get(name)
        if v is None:
            if name not in self._g:
                raise KeyError(name)
            v = self._cache[name] = np.asarray(self._g[name](self.sim, self.idx))
        return v

    def __contains__(self, name: object) -> bool:
        return name in self._g

    def __iter__(self) -> Iterator[str]:
        return iter(self._g)

    def __len__(self) -> int:
        return len(self._g)

    @staticmethod
    def getters(sim: Sim) -> dict[str, Getter]:
        return _scenario_getters(sim)
