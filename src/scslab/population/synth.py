"""Synthetic persons, households and organisations as flat NumPy arrays.

Nothing here is calibrated to a real place: the point is a population with the *structure*
SCS measures act on (spouses, children, legal representatives, employers, friends) and
plausible heterogeneity (urban/rural, hukou, education, income) so disparities can be
measured. All multipliers below are illustrative and documented next to their constants.

Persons are stored household by household (contiguous), heads first, which keeps family
look-ups cache-friendly. Everything is vectorised; 1 M persons take a few seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

import numpy as np

from .ids import citizen_ids, credit_codes
from .network import Csr, from_groups, random_friends

if TYPE_CHECKING:  # pragma: no cover
    from scslab.scenario.schema import Population

__all__ = ["EMPLOYMENT_SHARE", "REFERENCE_DAY", "SyntheticPopulation", "apportion", "region_sizes", "synthesize"]

REFERENCE_DAY = 18262  # 2020-01-01: ages are as of this day (birth dates in ids derive from it)
COUPLE_SHARE = 0.8  # share of households of 2+ persons headed by a married couple
EMPLOYMENT_SHARE = 0.75  # share of working-age (18-64) adults who work
WORK_MAX_CLIQUE = 20  # colleagues one knows at most (see from_groups)
HOUSEHOLD_MAX_CLIQUE = 50
FRIEND_LOCAL_SHARE = 0.8  # friendships drawn inside the same urban/rural setting
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


@dataclass
class SyntheticPopulation:
    """Struct-of-arrays population: persons 0..n-1, organisations 0..m-1."""

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


def apportion(n: int, weights: np.ndarray) -> np.ndarray:
    """``n`` split into integer parts proportional to ``weights`` (largest remainder, ties to
    the earlier part); when ``n >= len(weights)`` a part that would be empty takes one from
    the largest parts. A pure function of ``n`` and the weights, so every worker computes the
    same block sizes and offsets."""
    w = np.asarray(weights, dtype=np.float64)
    k = int(w.shape[0])
    if k == 0:
        return np.zeros(0, dtype=np.int64)
    quota = n * w / w.sum()
    parts = np.floor(quota).astype(np.int64)
    left = int(n - parts.sum())
    order = np.argsort(-(quota - parts), kind="stable")
    parts[order[:left]] += 1
    if n >= k:
        for e in np.flatnonzero(parts == 0).tolist():
            parts[int(np.argmax(parts))] -= 1  # the largest part (>= 2 while n >= k) gives one
            parts[e] = 1
    return parts


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


def synthesize(cfg: Population, rng: np.random.Generator) -> SyntheticPopulation:
    """Draw a synthetic population from the scenario's ``population`` section."""
    n = int(cfg.n)
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

    # --- ages: children 0-17; parents at least 18 (usually 20-38) older than the eldest -----
    age = np.zeros(n, dtype=np.int64)
    age[child] = rng.integers(0, 18, size=int(child.sum()))
    eldest = np.maximum.reduceat(np.where(child, age, -1), hstart)
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

    # --- sex: couples are one man and one woman; the rest hit the target female share ------
    sex = np.zeros(n, dtype=np.int8)
    s1 = (rng.random(nh) < 0.5).astype(np.int8)
    sex[head1] = s1
    sex[head2] = 1 - s1[household[head2]]
    rest = ~(head1 & couple[household]) & ~head2
    p_f = _bernoulli_share((cfg.female_share * n - n_couples) / max(int(rest.sum()), 1))
    sex[rest] = rng.random(int(rest.sum())) < p_f

    # --- family links -------------------------------------------------------------------------
    spouse = np.full(n, -1, dtype=np.int32)
    c_first = hstart[couple].astype(np.int32)
    spouse[c_first] = c_first + 1
    spouse[c_first + 1] = c_first
    parent1 = np.where(child, hstart[household], -1).astype(np.int32)
    parent2 = np.where(child & couple[household], hstart[household] + 1, -1).astype(np.int32)

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

    # --- education ---------------------------------------------------------------------------
    education = np.where(age >= 12, 1, 0).astype(np.int8)  # children: by school stage
    setting = np.where(migrant == 1, 2, urban).astype(np.int64)  # 0 rural, 1 urban, 2 migrant
    cum = np.cumsum(np.stack([_EDU_RURAL, _EDU_URBAN, (_EDU_URBAN + _EDU_RURAL) / 2]), axis=1)
    r = rng.random(n)
    draw = np.zeros(n, dtype=np.int8)
    for j in range(3):  # column by column: no (n, 4) temporary at 10 M persons
        draw += r > cum[setting, j]
    draw[(age >= 60) & (rng.random(n) < _EDU_OLD_SHIFT)] = 0
    education[adult] = draw[adult]
    del setting, r, draw

    # --- income and savings ------------------------------------------------------------------
    earner = age >= 16
    mult = np.where(urban == 1, 1.0, INCOME_RURAL).astype(np.float32)
    mult *= np.where(migrant == 1, INCOME_MIGRANT, 1.0).astype(np.float32)
    mult *= INCOME_EDU[education]
    mult *= np.where(age < 18, INCOME_TEEN, np.where(age >= 65, INCOME_SENIOR, 1.0)).astype(np.float32)
    raw = mult * np.exp(cfg.income_sigma * rng.standard_normal(n, dtype=np.float32))
    raw = np.where(earner, raw, 0.0).astype(np.float32)
    med = float(np.median(raw[earner])) if earner.any() else 1.0
    income = (raw * np.float32(cfg.income_median_per_year / med)).astype(np.float32)
    months = rng.gamma(SAVINGS_SHAPE, cfg.savings_months_mean / SAVINGS_SHAPE, size=n)
    savings = (income / 12.0 * months).astype(np.float32)
    honesty = rng.beta(cfg.honesty_alpha, cfg.honesty_beta, size=n).astype(np.float32)

    # --- ids ---------------------------------------------------------------------------------
    birth = REFERENCE_DAY - np.floor((age + rng.random(n)) * 365.2425).astype(np.int64) - 1
    citizen_id = citizen_ids(cfg.division_code, birth, sex, rng)

    # --- organisations and employment ---------------------------------------------------------
    counts = {
        1: int(round(n * cfg.enterprises_per_1000 / 1000.0)),
        2: int(round(n * cfg.social_orgs_per_1000 / 1000.0)),
        3: int(cfg.government_bodies),
    }
    org_type = np.concatenate([np.full(c, k, dtype=np.int8) for k, c in counts.items()])
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
    missing = np.flatnonzero(legal_rep < 0)
    if missing.size:  # org with no staff in its setting: any adult represents it
        adults = np.flatnonzero(adult)
        legal_rep[missing] = adults[rng.integers(0, adults.shape[0], size=missing.size)]
    org_size = np.bincount(workplace[workplace >= 0], minlength=m).astype(np.int32)
    per_emp = np.array([0.0, *ORG_REVENUE_PER_EMPLOYEE.values()])[org_type]
    org_revenue = (
        np.maximum(org_size, 1)
        * per_emp
        * np.exp(ORG_REVENUE_SIGMA * rng.standard_normal(m) - ORG_REVENUE_SIGMA**2 / 2)
    )
    org_code = credit_codes(m, cfg.division_code, org_type, rng)

    # --- networks ----------------------------------------------------------------------------
    household_net = from_groups(household, max_clique=HOUSEHOLD_MAX_CLIQUE, rng=rng)
    work_net = from_groups(workplace, max_clique=WORK_MAX_CLIQUE, rng=rng)
    friend_net = random_friends(n, cfg.friends_mean_degree, rng, locality=urban, local_share=FRIEND_LOCAL_SHARE)
    occupation = _occupations(cfg, age, education, rng)  # last: no earlier draw moves
    if cfg.regions:  # persons in index order, region by region (no draw)
        region = np.repeat(np.arange(len(cfg.regions), dtype=np.int16), region_sizes(cfg))
        org_region = region[legal_rep]
    else:
        region = np.full(n, -1, dtype=np.int16)
        org_region = np.full(m, -1, dtype=np.int16)
    return SyntheticPopulation(
        age=age.astype(np.uint8),
        sex=sex,
        urban=urban,
        migrant=migrant,
        education=education,
        income=income,
        savings=savings,
        honesty=honesty,
        group=group,
        household=household,
        occupation=occupation,
        spouse=spouse,
        parent1=parent1,
        parent2=parent2,
        workplace=workplace,
        citizen_id=citizen_id,
        org_type=org_type,
        org_code=org_code,
        legal_rep=legal_rep,
        org_size=org_size,
        org_revenue=org_revenue.astype(np.float32),
        org_urban=org_urban,
        household_net=household_net,
        work_net=work_net,
        friend_net=friend_net,
        region=region,
        org_region=org_region,
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
