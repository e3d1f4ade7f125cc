"""One function per measured quantity, each computed from a :class:`Results` alone.

Keeping metrics as pure functions of the results tables means they can be tested on
hand-built toy tables and recomputed later from the results database.
"""

from __future__ import annotations

import math

import numpy as np

from ..engine.results import Results

__all__ = [
    "MIN_CASES",
    "black_lists",
    "by_income_quintile",
    "cascades",
    "chilling_index",
    "compliance_rate",
    "disparity",
    "ever_listed",
    "grade_shares",
    "involuntary_defaults",
    "listed_now",
    "ratio_by",
    "records_false",
    "sanctions_applied",
    "score_mean",
    "scored",
    "scored_share",
    "self_governance_index",
    "wrongful_listings",
    "wrongful_sanctions",
]


def black_lists(res: Results) -> np.ndarray:
    """Codes of the lists whose type is 'black'."""
    return np.flatnonzero(np.asarray(res.names.get("list_type", []), dtype=object) == "black")


def _black_spells(res: Results) -> np.ndarray:
    sp = res.list_spells
    return np.isin(sp["list"], black_lists(res)) if len(sp["list"]) else np.zeros(0, bool)


def ever_listed(res: Results) -> int:
    """Distinct subjects that were ever on a blacklist."""
    sp = res.list_spells
    return int(np.unique(sp["subject"][_black_spells(res)]).size)


def listed_now(res: Results) -> int:
    """Distinct subjects on a blacklist at the end of the run."""
    sp = res.list_spells
    m = _black_spells(res) & (sp["end"] < 0)
    return int(np.unique(sp["subject"][m]).size)


def wrongful_listings(res: Results) -> int:
    """Blacklist spells caused by a record of an event that did not happen."""
    return int((res.list_spells["wrongful"] & _black_spells(res)).sum())


def records_false(res: Results) -> int:
    return int((~res.records["true"]).sum())


def sanctions_applied(res: Results) -> int:
    """Sanction applications (a reward is not a sanction)."""
    kinds = np.asarray(res.names.get("measure_kind", []), dtype=object)
    if not len(res.sanctions["measure"]):
        return 0
    return int((kinds[res.sanctions["measure"]] == "sanction").sum())


def wrongful_sanctions(res: Results) -> int:
    kinds = np.asarray(res.names.get("measure_kind", []), dtype=object)
    if not len(res.sanctions["measure"]):
        return 0
    return int(((kinds[res.sanctions["measure"]] == "sanction") & res.sanctions["wrongful"]).sum())


def cascades(res: Results) -> dict[str, object]:
    """Sanctions that reached their target through a spillover (family, legal representative,
    represented firms), by the depth of the chain from the record that set it off.

    ``cascade_sanctions``: sanction applications at depth >= 1; ``cascade_subjects``: distinct
    subjects they reached; ``cascade_persons_no_record``: persons sanctioned through a
    spillover who hold no record of their own in the run (not one, true or false);
    ``cascade_by_depth``: sanction applications per depth (0 = the listed subject itself);
    ``cascade_max_depth``: the deepest chain (None without sanctions). Agents, not people.
    """
    sa = res.sanctions
    kinds = np.asarray(res.names.get("measure_kind", []), dtype=object)
    n = len(sa.get("measure", ()))
    if n == 0 or "depth" not in sa:
        return {
            "cascade_sanctions": 0,
            "cascade_subjects": 0,
            "cascade_persons_no_record": 0,
            "cascade_by_depth": {},
            "cascade_max_depth": None,
        }
    sanction = kinds[sa["measure"]] == "sanction"
    depth = np.asarray(sa["depth"], np.int64)[sanction]
    tgt = np.asarray(sa["target"], np.int64)[sanction]
    deep = depth > 0
    persons = np.asarray(res.subjects["type"])[tgt] == 0
    with_record = np.zeros(res.subjects["type"].size, bool)
    with_record[np.asarray(res.records["subject"], np.int64)] = True
    by_depth = np.bincount(depth) if depth.size else np.zeros(0, np.int64)
    return {
        "cascade_sanctions": int(deep.sum()),
        "cascade_subjects": int(np.unique(tgt[deep]).size),
        "cascade_persons_no_record": int(np.unique(tgt[deep & persons & ~with_record[tgt]]).size),
        "cascade_by_depth": {str(d): int(c) for d, c in enumerate(by_depth) if c},
        "cascade_max_depth": int(depth.max()) if depth.size else None,
    }


def compliance_rate(res: Results) -> float | None:
    """Share of obligation/prohibition opportunities complied with over the whole run."""
    opp = res.series["opportunities"].sum()
    return None if opp == 0 else float(1.0 - res.series["violations"].sum() / opp)


def scored(res: Results) -> np.ndarray:
    """Subjects holding a score at the end of the run: an unscored subject's score is NaN (NULL
    in DuckDB), never 0, so every mean and share over scores is over these alone."""
    return np.isfinite(np.asarray(res.subjects["score"], np.float64))


# the subjects a scoring regime covers, by ``scoring.subjects`` (adults are persons here: the
# results keep no age, so the share of an adults-only score counts minors as unscored persons)
_SCORED_TYPES = {"person": (0,), "adult": (0,), "enterprise": (1,)}


def scored_share(res: Results) -> float | None:
    """Share of the subjects of the kind the score covers (persons, or enterprises) that hold a
    score at the end; None when the system keeps no score."""
    cfg = (res.scenario or {}).get("scoring") or {}
    if cfg.get("kind", "none") == "none":
        return None
    types = res.subjects["type"]
    covered = np.isin(types, _SCORED_TYPES[cfg["subjects"]]) if cfg.get("subjects") in _SCORED_TYPES else None
    if covered is None:
        covered = np.ones(types.size, bool)
    return float((scored(res) & covered).sum() / covered.sum()) if covered.any() else None


def score_mean(res: Results) -> float | None:
    """Mean final score over the scored subjects (None when nobody holds a score)."""
    m = scored(res)
    return float(res.subjects["score"][m].mean()) if m.any() else None


def grade_shares(res: Results) -> dict[str, float] | None:
    """Share of the scored subjects in each grade band at the end."""
    m = scored(res) & (res.subjects["grade"] >= 0)
    grades = res.names.get("grade", [])
    if not m.any() or not grades:
        return None
    counts = np.bincount(res.subjects["grade"][m].astype(np.int64), minlength=len(grades))
    return {g: float(c / m.sum()) for g, c in zip(grades, counts)}


def involuntary_defaults(res: Results) -> int:
    return int(res.series["involuntary_defaults"].sum())


def chilling_index(res: Results) -> float | None:
    """1 - expressed / desired over every expression behaviour (None if there is none)."""
    d = sum(v.sum() for k, v in res.series.items() if k.startswith("desired_"))
    e = sum(v.sum() for k, v in res.series.items() if k.startswith("expressed_"))
    return None if d == 0 else float(1.0 - e / d)


#: a ratio resting on fewer cases than this (the level's and the reference's together) is not estimable
MIN_CASES = 10


def disparity(
    res: Results, per_subject: np.ndarray, attribute: str, reference: int = 0, kind: str = "share"
) -> dict[str, dict[str, float | int | bool | None]]:
    """Per-person rate of ``per_subject`` by the levels of a person attribute, as ratios to ``reference``.

    Each level gets its ``cases`` (persons with the outcome, or events for ``kind="count"``),
    ``persons``, ``rate`` (cases per person), ``ratio`` to the reference level's rate and a 95 %
    confidence interval ``ci95_low``/``ci95_high`` for that ratio. ``kind="share"`` (a person has
    the outcome or not: ever listed) uses the score interval for a ratio of two independent
    proportions (Miettinen-Nurminen/Koopman: statsmodels ``confint_proportions_2indep``,
    ``method="score"``); ``kind="count"`` (events per person: sanctions) the MOVER interval for a
    ratio of two Poisson rates (Li, Tang & Wong 2014: statsmodels ``confint_poisson_2indep``,
    ``method="mover"``). A ratio built on fewer than :data:`MIN_CASES` cases (the level's plus
    the reference's; the reference's alone for the reference level), or on a reference without
    cases, is *not estimable*: ``ratio`` and the interval are null and ``estimable`` is false.
    """
    persons = res.subjects["type"] == 0
    levels = res.subjects[attribute][persons].astype(np.int64)
    vals = np.asarray(per_subject, np.float64)[persons]
    n = np.bincount(levels)
    cases = np.bincount(levels, weights=vals, minlength=n.size)
    rate = np.divide(cases, n, out=np.zeros_like(cases), where=n > 0)
    labels = _labels(res, attribute, rate.size)
    ref_cases = float(cases[reference]) if reference < rate.size else 0.0
    ref_n = int(n[reference]) if reference < rate.size else 0
    out: dict[str, dict[str, float | int | bool | None]] = {}
    for i in range(rate.size):
        built = ref_cases if i == reference else cases[i] + ref_cases
        estimable = bool(built >= MIN_CASES and ref_cases > 0 and n[i] > 0)
        lo = hi = None
        if estimable and i != reference:
            lo, hi = _ratio_interval(float(cases[i]), int(n[i]), ref_cases, ref_n, kind)
        out[labels[i]] = {
            "ratio": (1.0 if i == reference else float(rate[i] / rate[reference])) if estimable else None,
            "ci95_low": lo,
            "ci95_high": hi,
            "cases": int(round(cases[i])),
            "persons": int(n[i]),
            "rate": float(rate[i]),
            "estimable": estimable,
        }
    return out


def _ratio_interval(c1: float, n1: int, c0: float, n0: int, kind: str) -> tuple[float | None, float | None]:
    """95 % interval for (c1 / n1) / (c0 / n0) by the method ``disparity`` names for ``kind``."""
    import warnings

    from statsmodels.stats.proportion import confint_proportions_2indep
    from statsmodels.stats.rates import confint_poisson_2indep

    with warnings.catch_warnings():  # statsmodels warns on boundary cases (a zero count) it handles
        warnings.simplefilter("ignore", RuntimeWarning)
        if kind == "share":
            lo, hi = confint_proportions_2indep(c1, n1, c0, n0, method="score", compare="ratio")
        elif kind == "count":
            lo, hi = confint_poisson_2indep(c1, n1, c0, n0, method="mover", compare="ratio")
        else:
            raise ValueError(f"disparity kind must be 'share' or 'count', not {kind!r}")
    low, high = max(float(lo), 0.0), float(hi)
    return (low if math.isfinite(low) else None), (high if math.isfinite(high) else None)


def _labels(res: Results, attribute: str, size: int) -> list[str]:
    if attribute == "group":
        return list(res.names["group"])[:size]
    return {"sex": ["male", "female"], "urban": ["rural", "urban"], "migrant": ["local", "migrant"]}.get(
        attribute, [str(i) for i in range(size)]
    )[:size]


def self_governance_index(comply_unobserved: float, comply_observed: float) -> float | None:
    """Compliance people would show believing nobody watches, over compliance believing they are watched.

    1 means behaviour no longer depends on being watched (fully internalised); lower values
    mean compliance rests on surveillance. Both terms are expected compliance summed over
    the actual decisions of the run, computed from the decision model with perceived
    detection set to 0 and to 1.
    """
    return None if comply_observed <= 0 else float(comply_unobserved / comply_observed)


def ratio_by(
    res: Results, num: np.ndarray, den: np.ndarray, attribute: str, complement: bool = False
) -> dict[str, float | None]:
    """sum(num)/sum(den) within each level of a person attribute (1 - that if ``complement``)."""
    persons = res.subjects["type"] == 0
    levels = res.subjects[attribute][persons].astype(np.int64)
    n = np.bincount(levels, weights=np.asarray(num, np.float64)[persons])
    d = np.bincount(levels, weights=np.asarray(den, np.float64)[persons], minlength=n.size)
    labels = _labels(res, attribute, d.size)
    out: dict[str, float | None] = {}
    for i in range(d.size):
        if d[i] <= 0:
            out[labels[i]] = None
        else:
            r = float(n[i] / d[i]) if i < n.size else 0.0
            out[labels[i]] = 1.0 - r if complement else r
    return out


def by_income_quintile(res: Results, per_subject: np.ndarray) -> list[float]:
    """Mean of a per-subject count among adults with income, by starting-income quintile (lowest first)."""
    persons = (res.subjects["type"] == 0) & (res.subjects["income0"] > 0)
    inc = res.subjects["income0"][persons]
    vals = np.asarray(per_subject, np.float64)[persons]
    if inc.size < 5:
        return []
    edges = np.quantile(inc, [0.2, 0.4, 0.6, 0.8])
    q = np.searchsorted(edges, inc, side="right")
    return [float(vals[q == k].mean()) if (q == k).any() else 0.0 for k in range(5)]
