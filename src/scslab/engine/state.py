"""Struct-of-arrays state of every subject the institution can record.

Subjects share one index space: persons ``0 .. n-1`` then organisations ``n .. n+m-1``
(enterprises, social organisations, government bodies), so the ledger, lists and measures
treat a person and a firm alike. Narrow dtypes keep a million subjects in a few hundred MB.

``State`` is also where modules share what they share: besides the per-subject arrays it
holds the tables several modules read or write, each created by its owner's ``init``:

| attribute      | class (module)                 | created by | written by                  |
|----------------|--------------------------------|------------|-----------------------------|
| ``obligations``| :class:`.obligations.Obligations` | State   | behaviour, letters          |
| ``observations``| :class:`.sources.Observations` | sources    | sources, epidemic           |
| ``records``    | :class:`.records.RecordTable`  | ledger     | ledger, repair, retirement  |
| ``scores``     | :class:`.scoring.ScoreBook`    | scoring    | scoring, retirement         |
| ``spells``     | :class:`.spells.SpellTable`    | lists      | lists, retirement           |

``docs/design.md`` lists every array and who reads it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from ..population.ids import IdColumn
from ..population.network import Csr, narrow_indptr
from ..population.synth import SyntheticPopulation
from ..scenario.schema import BUILTIN_SERVICES, DOMAINS, Scenario, service_names
from .obligations import Obligations
from .rng import sliced_draw

if TYPE_CHECKING:
    from .records import RecordTable
    from .scoring import ScoreBook
    from .sources import Observations
    from .spells import SpellTable

__all__ = ["BLOCKS", "CHUNK_SUBJECTS", "NEVER", "State", "chunks", "rows_csr"]

# The built-in services; a scenario's ``state.blocks`` rows are these, then its declared ones.
BLOCKS = BUILTIN_SERVICES
NEVER = np.iinfo(np.int32).max
#: subjects a whole-population pass that makes temporaries takes at a time (a full review of a
#: list, the results' columns): it bounds their memory at any population size (issue 12.2)
CHUNK_SUBJECTS = 1 << 20


def chunks(size: int, step: int | None = None) -> Iterator[tuple[int, int]]:
    """``(lo, hi)`` bounds covering ``0 .. size`` in order, ``step`` (:data:`CHUNK_SUBJECTS`) at a time."""
    step = CHUNK_SUBJECTS if step is None else step
    for lo in range(0, size, step):
        yield lo, min(lo + step, size)


class State:
    """All per-subject arrays of a run (plain NumPy arrays indexed by subject) and the shared tables."""

    records: RecordTable
    spells: SpellTable
    scores: ScoreBook
    observations: Observations

    def __init__(
        self,
        pop: SyntheticPopulation,
        sc: Scenario,
        rng: np.random.Generator,
        *,
        gid: np.ndarray | None = None,
        whole: tuple[int, int] | None = None,
    ) -> None:
        n, m = pop.n, pop.m
        S = n + m
        self.n, self.m, self.S = n, m, S
        self.pop = pop
        # a part of the population (``Sim(blocks=...)``, :mod:`..population.part`): ``gid`` is
        # each local subject's global index (whole persons first, then organisations) and
        # ``whole`` the whole population's (persons, organisations); None for a whole run
        if (gid is None) != (whole is None):
            raise ValueError("State: gid and whole come together (a part) or not at all")
        if gid is not None and gid.shape[0] != S:
            raise ValueError(f"State: {gid.shape[0]} global ids for {S} subjects")
        self.gid: np.ndarray | None = None if gid is None else np.asarray(gid, np.int64)
        self.whole: tuple[int, int] = (n, m) if whole is None else (int(whole[0]), int(whole[1]))
        self.kind = np.zeros(S, np.int8)
        self.kind[n:] = pop.org_type
        self.is_person = self.kind == 0
        self.age = np.zeros(S, np.uint8)
        self.age[:n] = pop.age
        self.adult = self.is_person & (self.age >= 18)
        self.sex = self._person(pop.sex, np.int8)
        self.urban = np.concatenate([pop.urban, pop.org_urban]).astype(np.int8)
        self.migrant = self._person(pop.migrant, np.int8)
        self.education = self._person(pop.education, np.int8)
        self.group = self._person(pop.group, np.int8)
        self.occupation = np.full(S, -1, np.int8)  # index into population.occupations; -1 none
        self.occupation[:n] = pop.occupation
        # index into population.regions (-1: none); organisations sit in their representative's
        self.region = np.concatenate([pop.region, pop.org_region]).astype(np.int16)
        self.base_income = np.concatenate([pop.income, pop.org_revenue]).astype(np.float32)
        self.income = self.base_income.copy()
        self.savings = np.concatenate([pop.savings, (pop.org_revenue / 12.0 * 2.0).astype(np.float32)]).astype(
            np.float32
        )
        # organisations' honesty: one sequential draw over the whole population's organisations,
        # kept at this state's (a part draws the whole and keeps its slice)
        a, b = sc.population.honesty_alpha, sc.population.honesty_beta
        org_ids = None if self.gid is None else self.gid[n:] - self.whole[0]
        org_honesty = sliced_draw(lambda g, k: g.beta(a, b, k), rng, self.whole[1], org_ids)
        self.honesty = np.concatenate([pop.honesty, org_honesty]).astype(np.float32)
        self.norm = np.zeros(S, np.float32)
        self.debt = np.zeros(S, np.float32)
        self.recent_violation = np.zeros(S, np.float32)
        self.peer_share = np.zeros(S, np.float32)  # contacts' recent violations (written by society)
        # perceived detection per behaviour (prior set by behaviour; perception, society and the
        # epidemic move it) and the share of contacts seen punished (written by society)
        self.perceived = np.zeros((len(sc.behaviours), S), np.float32)
        self.seen_share = np.zeros(S, np.float32)
        self.obligations = Obligations(sc, S)
        # institution-visible
        # NaN until the scoring row scores a subject: an unscored subject has no score (not 0),
        # so a rule on ``score`` never admits it and DuckDB stores NULL
        self.score = np.full(S, np.nan, np.float32)
        self.grade = np.full(S, -1, np.int8)
        self.n_records = np.zeros(S, np.int16)
        self.bad_records = np.zeros(S, np.int16)
        self.good_records = np.zeros(S, np.int16)
        self.serious_records = np.zeros(S, np.int16)
        # live records per subject and domain / behaviour: read only by rules naming
        # records_<domain> or records_<behaviour>; a scenario none of whose rules (lists, measures,
        # the schedule) says "records_" keeps no column of them (0 wide: 23 bytes per person
        # less in rongcheng), and RecordTable.count skips them
        width = S if reads_record_counts(sc) else 0
        self.domain_records = np.zeros((len(DOMAINS), width), np.int16)
        self.behaviour_records = np.zeros((len(sc.behaviours), width), np.int16)
        self.dirty = np.zeros(S, np.bool_)
        nl = len(sc.lists)
        self.listed = np.zeros((nl, S), np.bool_)
        self.spell_of = np.full((nl, S), -1, np.int32)
        self.pending_exit = np.full((nl, S), -1, np.int32)
        # float32 like income itself: a sum of a few measures' effects (shares, yuan a year)
        self.income_effect = np.zeros(S, np.float32)
        self.benefit = np.zeros(S, np.float32)
        self.services = service_names(sc)
        self.blocks = np.zeros((len(self.services), S), np.int16)  # measures denying each service
        self.n_sanctions = np.zeros(S, np.int16)
        self.n_rewards = np.zeros(S, np.int16)
        self.ever_listed = np.zeros(S, np.bool_)
        self.wrongly_listed = np.zeros(S, np.bool_)
        # links
        # the friend network: contacts may cut ties with exposed subjects (written by exclusion)
        self.friend_net = pop.friend_net
        self.household = pop.household
        self.spouse = pop.spouse
        self.legal_rep = pop.legal_rep
        self.children = rows_csr(n, *_parent_child_edges(pop.parent1, pop.parent2))
        rep = pop.legal_rep
        ok = rep >= 0
        self.represented = rows_csr(n, rep[ok], np.flatnonzero(ok).astype(np.int32) + n)
        # the population's attributes the engine never changes become views of these arrays
        # (the same values, held once instead of twice)
        pop.age, pop.sex, pop.urban = self.age[:n], self.sex[:n], self.urban[:n]
        pop.migrant, pop.education, pop.group = self.migrant[:n], self.education[:n], self.group[:n]
        pop.income, pop.honesty = self.base_income[:n], self.honesty[:n]

    def _person(self, arr: np.ndarray, dtype: npt.DTypeLike) -> np.ndarray:
        out = np.zeros(self.S, dtype)
        out[: self.n] = arr
        return out

    @property
    def whole_S(self) -> int:
        """Subjects of the whole population (this state's own count for a whole run)."""
        return self.whole[0] + self.whole[1]

    def subject_ids(self) -> IdColumn:
        """Synthetic ids (18-character strings) of every subject, persons first.

        An :class:`~scslab.population.ids.IdColumn` over the population's own ``S18`` arrays
        (no copy): it indexes, slices and converts (``np.asarray``) like a NumPy array of
        ``str`` (``StringDType``), one slice at a time where a writer asks for slices.
        """
        return IdColumn(self.pop.citizen_id, self.pop.org_code)

    def nbytes(self) -> int:
        """Bytes of the state's arrays and graphs and the population's (each counted once)."""
        seen = {id(v) for v in vars(self.pop).values()}
        total = 0
        for v in vars(self).values():
            if isinstance(v, (np.ndarray, Csr)) and id(v) not in seen:
                seen.add(id(v))
                total += v.nbytes
        return total + self.pop.nbytes()


def reads_record_counts(sc: Scenario) -> bool:
    """True when a rule may read records_<domain> / records_<behaviour> (conservatively: the
    text "records_" anywhere in the scenario but its indicator names, e.g. records_per_capita)."""
    import json

    data = sc.model_dump(mode="json")
    data.pop("indicators", None)
    return "records_" in json.dumps(data)


def rows_csr(nrows: int, src: np.ndarray, dst: np.ndarray) -> Csr:
    """A directed adjacency (row -> targets) whose targets may lie outside ``0..nrows``."""
    src = np.asarray(src, np.int64)
    order = np.argsort(src, kind="stable")
    indptr = np.zeros(nrows + 1, np.int64)
    np.cumsum(np.bincount(src, minlength=nrows), out=indptr[1:])
    return Csr(narrow_indptr(indptr), np.asarray(dst, np.int32)[order])


def _parent_child_edges(p1: np.ndarray, p2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    child = np.arange(p1.size, dtype=np.int32)
    src = np.concatenate([p1[p1 >= 0], p2[p2 >= 0]]).astype(np.int32)
    dst = np.concatenate([child[p1 >= 0], child[p2 >= 0]])
    return src, dst
