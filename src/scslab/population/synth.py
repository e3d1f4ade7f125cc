"""Synthetic persons, households and organisations as flat NumPy arrays, block by block.

Nothing here is calibrated to a real place: the point is a population with the *structure*
SCS measures act on (spouses, children, legal representatives, employers, friends) and
plausible heterogeneity (urban/rural, hukou, education, income) so disparities can be
measured. All multipliers below are illustrative and documented next to their constants.

The population is drawn in **blocks**: the scenario's regions (``population.regions``, e.g.
China's 31 provinces) or, without regions, chunks of about :data:`BLOCK_PERSONS` persons.
Block ``b`` has its own generator keyed by ``(seed, "synth", b)`` and its place in the index
space (persons and organisations) follows from the scenario alone (:func:`plan_blocks`), so
its persons, households, firms and the ties inside it are a function of (seed, b): a worker
synthesises only its blocks (``synthesize(cfg, seed, blocks=[...])``) and gets exactly the
slices of the whole. Friendship ties across blocks are drawn by the block they start from
on a stream of their own (:func:`cross_block_pairs`). Blocks are written into preallocated
final arrays, so the set-up peak is the population plus one block's temporaries.

Within a block persons are stored household by household (contiguous), heads first, which
keeps family look-ups cache-friendly. Everything is vectorised; 1 M persons take a few seconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING

import numpy as np

from ..keys import stream_key
from ..scenario.apportion import apportion
from .ids import citizen_ids, credit_codes
from .network import Csr, concat_rows, friend_pairs, from_groups

if TYPE_CHECKING:  # pragma: no cover
    from scslab.scenario.schema import Population

__all__ = [
    "BLOCK_PERSONS",
    "EMPLOYMENT_SHARE",
    "ORG_FIELDS",
    "PERSON_FIELDS",
    "REFERENCE_DAY",
    "BlockPlan",
    "SyntheticPopulation",
    "apportion",
    "cross_block_pairs",
    "plan_blocks",
    "region_sizes",
    "synthesize",
]

REFERENCE_DAY = 18262  # 2020-01-01: ages are as of this day (birth dates in ids derive from it)
COUPLE_SHARE = 0.8  # share of households of 2+ persons headed by a married couple
EMPLOYMENT_SHARE = 0.75  # share of working-age (18-64) adults who work
WORK_MAX_CLIQUE = 20  # colleagues one knows at most (see from_groups)
HOUSEHOLD_MAX_CLIQUE = 50
FRIEND_LOCAL_SHARE = 0.8  # friendships drawn inside the same urban/rural setting
# Persons per block without regions: only bounds the set-up memory (one block's temporaries,
# ~60 MB) and fixes the blocks a worker can take; assumed, not a place. Chunks take the
# non-local friendships (1 - FRIEND_LOCAL_SHARE) anywhere, as one block would.
BLOCK_PERSONS = 1 << 17
DIVISION_STRIDE = 100  # division codes between two blocks' ids (their overflow rounds)
# Adult age pyramid (18..85): flat to 59, thinning linearly to 20 % at 85.
_ADULT_AGES = np.arange(18, 86)
_ADULT_W = np.where(_ADULT_AGES < 60, 1.0, 1.0 - 0.8 * (_ADULT_AGES - 59) / 26.0)
_ADULT_P = _ADULT_W / _ADULT_W.sum()
# Education of adults (primary, secondary, tertiary, postgraduate); migrants sit in between.
_EDU_URBAN = np.array([0.25, 0.45, 0.25, 0.05])
_EDU_RURAL = np.array([0.45, 0.45, 0.09, 0.01])
_EDU_OLD_SHIFT = 0.6  # over-60s: this share of would-be post-primary is primary instead
# Income multipliers before re-centring on the configured median (NBS urban/rural ratio ~2.4).
INCOME_RURAL = 1.0 / 2.4
INCOME_MIGRANT = 0.85
INCOME_EDU = np.array([0.7, 1.0, 1.6, 2.2], dtype=np.float32)
INCOME_TEEN = 0.3  # 16-17 year olds: part-time work, apprenticeships
INCOME_SENIOR = 0.6  # 65+: pensions
SAVINGS_SHAPE = 0.7  # gamma shape: many have little, a few a lot
# Organisations: size multiplier of the configured mean, yuan of revenue/budget per employee.
ORG_SIZE_FACTOR = {1: 1.0, 2: 0.5, 3: 5.0}
ORG_REVENUE_PER_EMPLOYEE = {1: 300_000.0, 2: 100_000.0, 3: 200_000.0}
ORG_SIZE_SIGMA = 1.0
ORG_REVENUE_SIGMA = 0.8


def region_sizes(cfg: Population) -> np.ndarray:
    """Persons per region of ``cfg.regions`` (empty without regions)."""
    return apportion(int(cfg.n), np.array([r.weight for r in cfg.regions], dtype=np.float64))


def _households(n: int, mean: float, rng: np.random.Generator) -> np.ndarray:
    """Household sizes 1 + Poisson(mean - 1), drawn until they cover n, the last one cut."""
    parts: list[np.ndarray] = []
    covered = 0
    while covered < n:
        s = 1 + rng.poisson(max(mean - 1.0, 0.0), size=int((n - covered) / mean * 1.1) + 16)
        parts.append(s)
        covered += int(s.sum())
    sizes = np.concatenate(parts)
    cum = np.cumsum(sizes)
    h = int(np.searchsorted(cum, n)) + 1
    sizes = sizes[:h].copy()
    sizes[-1] -= int(cum[h - 1] - n)
    return sizes


def _pick(mask: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """Exactly k random indices where mask is True (k clipped to the available count)."""
    idx = np.flatnonzero(mask)
    k = int(min(max(k, 0), idx.shape[0]))
    return np.sort(rng.permutation(idx)[:k])


def _bernoulli_share(p: float) -> float:
    return float(min(max(p, 0.0), 1.0))


# ----------------------------------------------------------------------- the block plan
@dataclass(frozen=True)
class BlockPlan:
    """How the population splits into blocks, known from the scenario alone (no draw).

    A block is a region (``population.regions``) or, without regions, a chunk of about
    :data:`BLOCK_PERSONS` persons. Block ``b`` holds persons ``offsets[b] .. offsets[b+1]-1``
    and organisations ``org_offsets[b] .. org_offsets[b+1]-1`` (as organisation indices
    ``0 .. m-1``; subject index ``n + j``), so any worker knows every block's global indices
    without synthesising the others.
    """

    sizes: np.ndarray  # persons per block (int64)
    offsets: np.ndarray  # first person of each block, and n (K + 1)
    org_counts: np.ndarray  # (K, 3): enterprises, social organisations, government bodies
    org_offsets: np.ndarray  # first organisation of each block, and m (K + 1)
    cross_share: np.ndarray  # per block: share of its friendship pairs drawn to another block
    local_share: np.ndarray  # per block: share of its within-block pairs inside one urban/rural setting
    regional: bool  # blocks are the scenario's regions

    @property
    def k(self) -> int:
        return int(self.sizes.shape[0])

    @property
    def n(self) -> int:
        return int(self.offsets[-1])

    @property
    def m(self) -> int:
        return int(self.org_offsets[-1])

    def block_of(self, persons: np.ndarray) -> np.ndarray:
        """The block of each global person index."""
        return (np.searchsorted(self.offsets, np.asarray(persons), side="right") - 1).astype(np.int64)


def plan_blocks(cfg: Population) -> BlockPlan:
    """The blocks of ``cfg``'s population: sizes, person and organisation offsets, tie shares."""
    n = int(cfg.n)
    regional = bool(cfg.regions)
    if regional:
        sizes = region_sizes(cfg)
    else:
        sizes = apportion(n, np.ones(max(1, -(-n // BLOCK_PERSONS))))
    k = int(sizes.shape[0])
    counts = np.zeros((k, 3), dtype=np.int64)
    counts[:, 0] = np.rint(sizes * cfg.enterprises_per_1000 / 1000.0)
    counts[:, 1] = np.rint(sizes * cfg.social_orgs_per_1000 / 1000.0)
    counts[:, 2] = apportion(int(cfg.government_bodies), sizes.astype(np.float64))
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    org_offsets = np.concatenate([[0], np.cumsum(counts.sum(axis=1))]).astype(np.int64)
    if k == 1:
        cross = np.zeros(1)
    elif regional:
        cross = np.full(k, float(cfg.cross_region_share))
    else:  # chunks are not places: the non-local ties go anywhere, as in one block
        cross = (1.0 - FRIEND_LOCAL_SHARE) * (n - sizes) / n
    local = FRIEND_LOCAL_SHARE if regional else np.minimum(1.0, FRIEND_LOCAL_SHARE / np.maximum(1.0 - cross, 1e-12))
    return BlockPlan(
        sizes=sizes.astype(np.int64),
        offsets=offsets,
        org_counts=counts,
        org_offsets=org_offsets,
        cross_share=cross,
        local_share=np.broadcast_to(np.asarray(local, dtype=np.float64), (k,)).copy(),
        regional=regional,
    )


def _block_rng(seed: int, stream: str, b: int) -> np.random.Generator:
    """The generator of block ``b`` for one synthesis stream: keyed by (seed, stream, block)."""
    return np.random.default_rng([int(stream_key(seed, stream)), int(b)])


def _friend_pair_counts(cfg: Population, plan: BlockPlan, b: int) -> tuple[int, int]:
    """(pairs inside block b, pairs from block b to other blocks) it draws."""
    pairs = int(round(int(plan.sizes[b]) * cfg.friends_mean_degree / 2.0))
    cross = int(round(pairs * float(plan.cross_share[b])))
    return pairs - cross, cross


def cross_block_pairs(
    cfg: Population, seed: int, b: int, plan: BlockPlan | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The friendship pairs block ``b`` draws to other blocks, as global (src, dst) int64.

    A function of (seed, b) and the block offsets only -- sources are uniform in block b,
    destinations uniform over every person outside it (so each other block in proportion to
    its size) -- so a worker that holds block c finds the ties other blocks drew to it by
    drawing their cross pairs alone, without synthesising them. Urban/rural locality does not
    apply across blocks (assumed: the other block's households are unknown here).
    """
    plan = plan_blocks(cfg) if plan is None else plan
    _, k = _friend_pair_counts(cfg, plan, b)
    n, lo, nb = plan.n, int(plan.offsets[b]), int(plan.sizes[b])
    if k == 0 or nb == n or nb == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    rng = _block_rng(seed, "synth.cross", b)
    src = lo + rng.integers(0, nb, size=k, dtype=np.int64)
    u = rng.integers(0, n - nb, size=k, dtype=np.int64)
    return src, np.where(u < lo, u, u + nb)


def _division(cfg: Population, b: int) -> str:
    """Block b's synthetic division code for ids: ``division_code + DIVISION_STRIDE * b``, so
    ids and credit codes are unique across blocks drawn apart (each block's ids are unique
    within it, with up to DIVISION_STRIDE overflow rounds of 500 persons per birth date and sex)."""
    return f"{(int(cfg.division_code) + DIVISION_STRIDE * b) % 1_000_000:06d}"


@dataclass
class SyntheticPopulation:
    """Struct-of-arrays population: persons 0..n-1, organisations 0..m-1.

    For a part (``synthesize(..., blocks=B)``) the arrays hold the part's blocks in order and
    every index in them and in the graphs' columns is global; ``plan`` gives the offsets.
    """

    age: np.ndarray
    sex: np.ndarray
    urban: np.ndarray
    migrant: np.ndarray
    education: np.ndarray
    income: np.ndarray
    savings: np.ndarray
    honesty: np.ndarray
    group: np.ndarray
    household: np.ndarray
    occupation: np.ndarray
    spouse: np.ndarray
    parent1: np.ndarray
    parent2: np.ndarray
    workplace: np.ndarray
    citizen_id: np.ndarray
    org_type: np.ndarray
    org_code: np.ndarray
    legal_rep: np.ndarray
    org_size: np.ndarray
    org_revenue: np.ndarray
    org_urban: np.ndarray
    household_net: Csr
    work_net: Csr
    friend_net: Csr
    region: np.ndarray  # int16 index into population.regions per person; -1 without regions
    org_region: np.ndarray  # int16, the region of each organisation (its legal representative's)
    plan: BlockPlan | None = field(default=None, repr=False)  # the blocks and their offsets
    blocks: np.ndarray | None = None  # the blocks held, in order (all of them for a whole population)
    whole: bool = True  # False for a part: indices are global, graphs have more columns than rows

    @property
    def n(self) -> int:
        return int(self.age.shape[0])

    @property
    def m(self) -> int:
        return int(self.org_type.shape[0])

    def nbytes(self) -> int:
        """Bytes held by all arrays and graphs (what a 10 M run must fit in memory).

        Views (attributes the engine's state holds, see ``engine.state``) are not counted.
        """
        total = 0
        for f in fields(self):
            v = getattr(self, f.name)
            if isinstance(v, Csr) or (isinstance(v, np.ndarray) and v.base is None):
                total += v.nbytes
        return int(total)


@dataclass
class _Block:
    """One block's persons and organisations, drawn with local indices (0 .. n_b-1, 0 .. m_b-1)."""

    persons: dict[str, np.ndarray]
    orgs: dict[str, np.ndarray]
    household_net: Csr
    work_net: Csr
    friend_src: np.ndarray  # the within-block friendship pairs (local)
    friend_dst: np.ndarray


def _draw_block(cfg: Population, plan: BlockPlan, b: int, seed: int) -> _Block:
    """Draw block ``b`` from its own generator, keyed by (seed, "synth", b): every figure of the
    block is a function of the seed, the block and the plan, whatever else is synthesised."""
    rng = _block_rng(seed, "synth", b)
    n = int(plan.sizes[b])
    sizes = _households(n, cfg.household_size_mean, rng)
    nh = int(sizes.shape[0])
    hstart = np.cumsum(sizes) - sizes
    household = np.repeat(np.arange(nh, dtype=np.int32), sizes)
    rank = np.arange(n, dtype=np.int64) - hstart[household]

    # --- roles: head (rank 0), spouse (rank 1 of couple households), others ----------------
    adults_target = int(round(cfg.adult_share * n))
    multi = sizes >= 2
    n_couples = int(round(COUPLE_SHARE * multi.sum()))
    n_couples = max(0, min(n_couples, adults_target - nh))
    couple = np.zeros(nh, dtype=bool)
    couple[_pick(multi, n_couples, rng)] = True
    head1 = rank == 0
    head2 = (rank == 1) & couple[household]
    other = ~(head1 | head2)
    extra = np.zeros(n, dtype=bool)
    extra[_pick(other, adults_target - nh - n_couples, rng)] = True
    child = other & ~extra
    del rank, other

    # --- ages: children 0-17; parents at least 18 (usually 20-38) older than the eldest -----
    age = np.zeros(n, dtype=np.int64)
    age[child] = rng.integers(0, 18, size=int(child.sum()))
    eldest = np.maximum.reduceat(np.where(child, age, -1), hstart) if n else np.zeros(0, np.int64)
    has_kids = eldest >= 0
    free = rng.choice(_ADULT_AGES, size=nh, p=_ADULT_P)
    h1 = np.where(has_kids, eldest + rng.integers(20, 39, size=nh), free)
    h1 = np.clip(h1, 18, 85)
    lo2 = np.where(has_kids, np.maximum(eldest + 18, 18), 18)
    h2 = np.clip(h1 + np.rint(rng.normal(0.0, 3.0, size=nh)).astype(np.int64), lo2, 85)
    age[head1] = h1
    age[head2] = h2[household[head2]]
    age[extra] = rng.choice(_ADULT_AGES, size=int(extra.sum()), p=_ADULT_P)
    adult = age >= 18
    del eldest, has_kids, free, h1, h2, lo2, extra

    # --- sex: couples are one man and one woman; the rest hit the target female share ------
    sex = np.zeros(n, dtype=np.int8)
    s1 = (rng.random(nh) < 0.5).astype(np.int8)
    sex[head1] = s1
    sex[head2] = 1 - s1[household[head2]]
    rest = ~(head1 & couple[household]) & ~head2
    p_f = _bernoulli_share((cfg.female_share * n - n_couples) / max(int(rest.sum()), 1))
    sex[rest] = rng.random(int(rest.sum())) < p_f
    del rest, s1, head1, head2

    # --- family links (local) -----------------------------------------------------------------
    spouse = np.full(n, -1, dtype=np.int32)
    c_first = hstart[couple].astype(np.int32)
    spouse[c_first] = c_first + 1
    spouse[c_first + 1] = c_first
    parent1 = np.where(child, hstart[household], -1).astype(np.int32)
    parent2 = np.where(child & couple[household], hstart[household] + 1, -1).astype(np.int32)
    del child, c_first

    # --- household-level attributes: urban, hukou, group ------------------------------------
    u = cfg.urban_share
    h_urban = rng.random(nh) < u  # ~90 % of migrants (the "floating population") live in cities
    p_mu = _bernoulli_share(0.9 * cfg.migrant_share / u) if u > 0 else 0.0
    p_mr = _bernoulli_share((cfg.migrant_share - u * p_mu) / (1 - u)) if u < 1 else 0.0
    if u > 0:  # whatever rural households cannot take goes back to urban ones (u near 1)
        p_mu = _bernoulli_share((cfg.migrant_share - (1 - u) * p_mr) / u)
    h_migrant = rng.random(nh) < np.where(h_urban, p_mu, p_mr)
    shares = np.array([g.share for g in cfg.groups], dtype=np.float64)
    h_group = rng.choice(shares.shape[0], size=nh, p=shares / shares.sum())
    urban = h_urban[household].astype(np.int8)
    migrant = h_migrant[household].astype(np.int8)
    group = h_group[household].astype(np.int8)
    del h_urban, h_migrant, h_group

    # --- education ---------------------------------------------------------------------------
    education = np.where(age >= 12, 1, 0).astype(np.int8)  # children: by school stage
    setting = np.where(migrant == 1, 2, urban).astype(np.int64)  # 0 rural, 1 urban, 2 migrant
    cum = np.cumsum(np.stack([_EDU_RURAL, _EDU_URBAN, (_EDU_URBAN + _EDU_RURAL) / 2]), axis=1)
    r = rng.random(n)
    draw = np.zeros(n, dtype=np.int8)
    for j in range(3):  # column by column: no (n, 4) temporary
        draw += r > cum[setting, j]
    draw[(age >= 60) & (rng.random(n) < _EDU_OLD_SHIFT)] = 0
    education[adult] = draw[adult]
    del setting, r, draw

    # --- income and savings (re-centred on the configured median within the block) -----------
    earner = age >= 16
    mult = np.where(urban == 1, 1.0, INCOME_RURAL).astype(np.float32)
    mult *= np.where(migrant == 1, INCOME_MIGRANT, 1.0).astype(np.float32)
    mult *= INCOME_EDU[education]
    mult *= np.where(age < 18, INCOME_TEEN, np.where(age >= 65, INCOME_SENIOR, 1.0)).astype(np.float32)
    raw = mult * np.exp(cfg.income_sigma * rng.standard_normal(n, dtype=np.float32))
    del mult
    raw = np.where(earner, raw, 0.0).astype(np.float32)
    med = float(np.median(raw[earner])) if earner.any() else 1.0
    income = (raw * np.float32(cfg.income_median_per_year / med)).astype(np.float32)
    del raw, earner
    months = rng.gamma(SAVINGS_SHAPE, cfg.savings_months_mean / SAVINGS_SHAPE, size=n)
    savings = (income / 12.0 * months).astype(np.float32)
    del months
    honesty = rng.beta(cfg.honesty_alpha, cfg.honesty_beta, size=n).astype(np.float32)

    # --- ids ---------------------------------------------------------------------------------
    division = _division(cfg, b)
    birth = REFERENCE_DAY - np.floor((age + rng.random(n)) * 365.2425).astype(np.int64) - 1
    citizen_id = citizen_ids(division, birth, sex, rng)
    del birth

    # --- organisations and employment ---------------------------------------------------------
    org_type = np.concatenate([np.full(int(c), k + 1, dtype=np.int8) for k, c in enumerate(plan.org_counts[b])])
    m = int(org_type.shape[0])
    factor = np.array([0.0, *ORG_SIZE_FACTOR.values()])[org_type]
    mu = np.log(cfg.workplace_size_mean * factor) - ORG_SIZE_SIGMA**2 / 2
    capacity = np.maximum(1, np.rint(np.exp(mu + ORG_SIZE_SIGMA * rng.standard_normal(m)))).astype(np.int64)
    working = (age >= 18) & (age <= 64)
    workers = _pick(working, int(round(EMPLOYMENT_SHARE * working.sum())), rng)
    share_urban = float(urban[workers].mean()) if workers.size else u
    org_urban = (rng.random(m) < share_urban).astype(np.int8)
    workplace = np.full(n, -1, dtype=np.int32)
    legal_rep = np.full(m, -1, dtype=np.int32)
    for where in (0, 1):  # employers hire in their own urban/rural setting
        orgs = np.flatnonzero(org_urban == where)
        staff = rng.permutation(workers[urban[workers] == where])
        _employ(orgs, capacity[orgs], staff, workplace, legal_rep, rng)
    del workers, working, capacity
    missing = np.flatnonzero(legal_rep < 0)
    if missing.size:  # org with no staff in its setting: any adult of the block represents it
        adults = np.flatnonzero(adult)
        legal_rep[missing] = adults[rng.integers(0, adults.shape[0], size=missing.size)]
    org_size = np.bincount(workplace[workplace >= 0], minlength=m).astype(np.int32)
    per_emp = np.array([0.0, *ORG_REVENUE_PER_EMPLOYEE.values()])[org_type]
    org_revenue = (
        np.maximum(org_size, 1)
        * per_emp
        * np.exp(ORG_REVENUE_SIGMA * rng.standard_normal(m) - ORG_REVENUE_SIGMA**2 / 2)
    )
    org_code = credit_codes(m, division, org_type, rng)

    # --- networks inside the block ---------------------------------------------------------
    household_net = from_groups(household, max_clique=HOUSEHOLD_MAX_CLIQUE, rng=rng)
    work_net = from_groups(workplace, max_clique=WORK_MAX_CLIQUE, rng=rng)
    inside, _ = _friend_pair_counts(cfg, plan, b)
    fsrc, fdst = friend_pairs(n, inside, rng, locality=urban, local_share=float(plan.local_share[b]))
    occupation = _occupations(cfg, age, education, rng)
    return _Block(
        persons={
            "age": age.astype(np.uint8),
            "sex": sex,
            "urban": urban,
            "migrant": migrant,
            "education": education,
            "income": income,
            "savings": savings,
            "honesty": honesty,
            "group": group,
            "household": household,
            "occupation": occupation,
            "spouse": spouse,
            "parent1": parent1,
            "parent2": parent2,
            "workplace": workplace,
            "citizen_id": citizen_id,
        },
        orgs={
            "org_type": org_type,
            "org_code": org_code,
            "legal_rep": legal_rep,
            "org_size": org_size,
            "org_revenue": org_revenue.astype(np.float32),
            "org_urban": org_urban,
        },
        household_net=household_net,
        work_net=work_net,
        friend_src=fsrc,
        friend_dst=fdst,
    )


# person and organisation arrays: dtype, and whether the values are local person / organisation
# indices (population.part re-indexes those when it gives a shard its persons)
PERSON_FIELDS: dict[str, tuple[str, str]] = {
    "age": ("u1", ""),
    "sex": ("i1", ""),
    "urban": ("i1", ""),
    "migrant": ("i1", ""),
    "education": ("i1", ""),
    "income": ("f4", ""),
    "savings": ("f4", ""),
    "honesty": ("f4", ""),
    "group": ("i1", ""),
    "household": ("i4", "person"),  # local household number + the block's first person: unique
    "occupation": ("i1", ""),
    "spouse": ("i4", "person"),
    "parent1": ("i4", "person"),
    "parent2": ("i4", "person"),
    "workplace": ("i4", "org"),
    "citizen_id": ("S18", ""),
}
ORG_FIELDS: dict[str, tuple[str, str]] = {
    "org_type": ("i1", ""),
    "org_code": ("S18", ""),
    "legal_rep": ("i4", "person"),
    "org_size": ("i4", ""),
    "org_revenue": ("f4", ""),
    "org_urban": ("i1", ""),
}


def _shift(a: np.ndarray, by: int) -> np.ndarray:
    """Local indices made global (``-1``, none, stays)."""
    return np.where(a >= 0, a + by, -1).astype(np.int32) if by else a


def _local_to_global(net: Csr, by: int) -> Csr:
    return Csr(net.indptr, net.indices + np.int32(by)) if by else net


def synthesize(cfg: Population, seed: int, blocks: Sequence[int] | np.ndarray | None = None) -> SyntheticPopulation:
    """Draw a synthetic population from the scenario's ``population`` section, block by block.

    Block ``b`` (a region, or a chunk of about :data:`BLOCK_PERSONS` persons) is drawn from
    its own generator keyed by ``(seed, "synth", b)`` into preallocated final arrays, so the
    set-up peak is the population plus one block's temporaries. Friendship ties to other
    blocks are drawn by :func:`cross_block_pairs` (a function of the seed and the block).

    ``blocks``: synthesise only these blocks (a part, for a worker that holds them). Their
    persons and organisations come in the order given, every index in the arrays and graphs
    is **global** (the plan's offsets: :attr:`SyntheticPopulation.plan`), and a graph's rows
    are the part's persons while its columns may name persons of other blocks. The part's
    arrays equal the same blocks' slices of the whole population.
    """
    seed = int(seed)
    plan = plan_blocks(cfg)
    whole = blocks is None
    chosen = np.arange(plan.k) if blocks is None else np.asarray(blocks, dtype=np.int64).reshape(-1)
    if chosen.size and (chosen.min() < 0 or chosen.max() >= plan.k or np.unique(chosen).size != chosen.size):
        raise ValueError(f"blocks must be distinct block numbers in [0, {plan.k})")
    n_part = int(plan.sizes[chosen].sum())
    m_part = int(plan.org_counts[chosen].sum())
    person = {k: np.empty(n_part, dtype=dt) for k, (dt, _) in PERSON_FIELDS.items()}
    org = {k: np.empty(m_part, dtype=dt) for k, (dt, _) in ORG_FIELDS.items()}
    region = np.empty(n_part, dtype=np.int16)
    org_region = np.empty(m_part, dtype=np.int16)

    # friendship ties across blocks: every block's cross pairs, kept where they touch the part
    member = np.zeros(plan.k, dtype=bool)
    member[chosen] = True
    incoming: list[list[tuple[np.ndarray, np.ndarray]]] = [[] for _ in range(plan.k)]
    for c in range(plan.k):
        src, dst = cross_block_pairs(cfg, seed, c, plan)
        if not src.size:
            continue
        if member[c]:  # its own pairs, out of block c
            incoming[c].append(((src - plan.offsets[c]).astype(np.int32), dst.astype(np.int32)))
        into = plan.block_of(dst)
        keep = member[into] & (into != c)
        if keep.any():
            s, d, into = src[keep], dst[keep], into[keep]
            order = np.argsort(into, kind="stable")
            s, d, into = s[order], d[order], into[order]
            cuts = np.flatnonzero(np.diff(into)) + 1
            for ss, dd, bb in zip(np.split(s, cuts), np.split(d, cuts), into[np.concatenate([[0], cuts])]):
                incoming[int(bb)].append(((dd - plan.offsets[bb]).astype(np.int32), ss.astype(np.int32)))
        del src, dst, into, keep

    nets: dict[str, list[Csr]] = {"household_net": [], "work_net": [], "friend_net": []}
    at = ot = 0
    for b in chosen.tolist():
        blk = _draw_block(cfg, plan, b, seed)
        off, ooff = int(plan.offsets[b]), int(plan.org_offsets[b])
        nb, mb = int(plan.sizes[b]), int(plan.org_counts[b].sum())
        for k, (_, kind) in PERSON_FIELDS.items():
            v = blk.persons.pop(k)
            person[k][at : at + nb] = _shift(v, off if kind == "person" else ooff if kind == "org" else 0)
        for k, (_, kind) in ORG_FIELDS.items():
            v = blk.orgs.pop(k)
            org[k][ot : ot + mb] = _shift(v, off if kind == "person" else 0)
        region[at : at + nb] = b if plan.regional else -1
        org_region[ot : ot + mb] = b if plan.regional else -1  # legal representatives live in the block
        nets["household_net"].append(_local_to_global(blk.household_net, off))
        nets["work_net"].append(_local_to_global(blk.work_net, off))
        fs, fd = blk.friend_src.astype(np.int64), blk.friend_dst.astype(np.int64)
        parts = [(fs, fd + off), (fd, fs + off), *incoming[b]]
        incoming[b] = []
        src = np.concatenate([p[0].astype(np.int64) for p in parts])
        dst = np.concatenate([p[1].astype(np.int64) for p in parts])
        del parts, fs, fd, blk
        nets["friend_net"].append(Csr.from_rows(nb, off, src, dst))
        del src, dst
        at += nb
        ot += mb
    household_net = concat_rows(nets["household_net"])
    work_net = concat_rows(nets["work_net"])
    friend_net = concat_rows(nets["friend_net"])
    return SyntheticPopulation(
        **person,
        **org,
        household_net=household_net,
        work_net=work_net,
        friend_net=friend_net,
        region=region,
        org_region=org_region,
        plan=plan,
        blocks=chosen,
        whole=whole,
    )


def _occupations(cfg: Population, age: np.ndarray, education: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Occupation index per person (-1: none of the scenario's focus groups).

    Each occupation takes ``round(share x working-age adults)`` persons aged 18-64 with at
    least its ``min_education``, drawn without replacement in the order listed (a person
    holds one occupation). With no occupations configured nothing is drawn, so scenarios
    without them keep every figure they had.
    """
    occupation = np.full(age.shape[0], -1, dtype=np.int8)
    if not cfg.occupations:
        return occupation
    working = (age >= 18) & (age <= 64)
    total = int(working.sum())
    for k, occ in enumerate(cfg.occupations):
        pool = working & (occupation < 0) & (education >= occ.min_education)
        occupation[_pick(pool, int(round(occ.share * total)), rng)] = k
    return occupation


def _employ(
    orgs: np.ndarray,
    capacity: np.ndarray,
    staff: np.ndarray,
    workplace: np.ndarray,
    legal_rep: np.ndarray,
    rng: np.random.Generator,
) -> None:
    """Fill organisations' job slots with (already shuffled) staff, in place.

    Each organisation's first slot is filled first, and that employee is its legal
    representative, so no organisation is an empty shell while staff remain. Other staff
    take random remaining slots; staff beyond total capacity stay informal (workplace -1),
    which keeps mean employer size at the configured ``workplace_size_mean``.
    """
    k = orgs.shape[0]
    if k == 0 or staff.shape[0] == 0:
        return
    reps = min(k, staff.shape[0])
    first = rng.permutation(k)[:reps]
    workplace[staff[:reps]] = orgs[first]
    legal_rep[orgs[first]] = staff[:reps]
    left = staff[reps:]
    spare = np.repeat(orgs, capacity - 1)
    take = min(left.shape[0], spare.shape[0])
    if take:
        slots = rng.permutation(spare.shape[0])[:take]
        workplace[left[:take]] = spare[slots]
