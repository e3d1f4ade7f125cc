"""Who wins and who loses under a reform: per synthetic person, paired with the baseline.

Run i of both arms has the same seed, hence the same synthetic people (population synthesis
depends only on the seed and the population section). For every person and each outcome the
change reform - baseline is classed as better off, worse off or unchanged, and the shares
are pooled over all runs, overall and by start-of-run income quintile, group, sex, region
(urban/rural) and hukou (local/migrant) -- the distributional view PolicyEngine gives for a
tax reform, applied to a credit regime.

Outcomes, the direction that counts as better, and the band within which a change counts
as "unchanged":

| outcome        | better when | unchanged band                                          |
|----------------|-------------|---------------------------------------------------------|
| ever_listed    | lower       | exact (0/1)                                             |
| days_listed    | lower       | exact (whole days on any blacklist, spell-days)         |
| sanctions      | lower       | exact (sanction applications suffered, rewards excluded)|
| income         | higher      | relative change within +-0.1 % (``(R - B) / max(|B|, 1)``) |
| score          | higher      | within +-0.5 points (below any preset's display step)   |

For income the shares gaining or losing more than 5 % are given too. The relative change
is ``(R - B) / max(|B|, 1)``: PolicyEngine's intra-decile chart once added the absolute
change to the *reform* income before dividing, which doubled every change (fixed in
policyengine-api PR 3283); the hand-built test in tests/test_lab_compare.py pins this one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["OUTCOMES", "PersonOutcomes", "WinnersLosers", "person_outcomes"]

#: outcome -> (sign: +1 if higher is better, unchanged band, band kind)
OUTCOMES: dict[str, tuple[int, float, str]] = {
    "ever_listed": (-1, 0.0, "exact"),
    "days_listed": (-1, 0.0, "exact"),
    "sanctions": (-1, 0.0, "exact"),
    "income": (+1, 0.001, "relative"),
    "score": (+1, 0.5, "absolute"),
}
BIG_INCOME_CHANGE = 0.05
BREAKDOWNS = ("all", "income_quintile", "group", "sex", "region", "hukou")


@dataclass
class PersonOutcomes:
    """Per-person attributes at the start and outcomes at the end of one run (persons only)."""

    ids: np.ndarray  # synthetic ids, to check both arms have the same people
    income0: np.ndarray
    group: np.ndarray  # labels
    sex: np.ndarray  # labels
    region: np.ndarray  # labels
    hukou: np.ndarray  # labels
    outcomes: dict[str, np.ndarray]

    def categories(self) -> dict[str, np.ndarray]:
        """Each breakdown's category label per person."""
        q = np.full(self.income0.size, "no income", dtype=object)
        has = self.income0 > 0
        if has.sum() >= 5:
            edges = np.quantile(self.income0[has], [0.2, 0.4, 0.6, 0.8])
            k = np.searchsorted(edges, self.income0[has], side="right")
            q[has] = np.array([f"Q{i + 1}" for i in range(5)], dtype=object)[k]
        return {
            "all": np.full(self.income0.size, "all", dtype=object),
            "income_quintile": q,
            "group": self.group.astype(object),
            "sex": self.sex.astype(object),
            "region": self.region.astype(object),
            "hukou": self.hukou.astype(object),
        }


def person_outcomes(res: Any) -> PersonOutcomes:
    """The per-person view of one run's :class:`~scslab.engine.results.Results`."""
    from scslab.metrics.core import black_lists

    sub = res.subjects
    persons = np.flatnonzero(np.asarray(sub["type"]) == 0)
    n_all = int(np.asarray(sub["type"]).size)
    sp = res.list_spells
    black = np.isin(sp["list"], black_lists(res)) if len(sp["list"]) else np.zeros(0, bool)
    end = np.where(sp["end"][black] < 0, res.days, sp["end"][black])
    days = np.bincount(
        sp["subject"][black].astype(np.int64),
        weights=np.maximum(end - sp["start"][black], 0).astype(np.float64),
        minlength=n_all,
    )
    ever = np.bincount(sp["subject"][black].astype(np.int64), minlength=n_all) > 0
    sa = res.sanctions
    kinds = np.asarray(res.names.get("measure_kind", []), dtype=object)
    is_sanction = (kinds[sa["measure"]] == "sanction") if len(sa["measure"]) else np.zeros(0, bool)
    sanctions = np.bincount(sa["target"][is_sanction].astype(np.int64), minlength=n_all)
    groups = np.asarray(res.names.get("group", []), dtype=object)
    g = np.asarray(sub["group"])[persons]
    return PersonOutcomes(
        ids=np.asarray(sub["id"])[persons],
        income0=np.asarray(sub["income0"], dtype=np.float64)[persons],
        group=groups[g] if groups.size else g.astype(str).astype(object),
        sex=np.array(["male", "female"], dtype=object)[np.asarray(sub["sex"])[persons].clip(0, 1)],
        region=np.array(["rural", "urban"], dtype=object)[np.asarray(sub["urban"])[persons].clip(0, 1)],
        hukou=np.array(["local", "migrant"], dtype=object)[np.asarray(sub["migrant"])[persons].clip(0, 1)],
        outcomes={
            "ever_listed": ever[persons].astype(np.float64),
            "days_listed": days[persons],
            "sanctions": sanctions[persons].astype(np.float64),
            "income": np.asarray(sub["income"], dtype=np.float64)[persons],
            "score": np.asarray(sub["score"], dtype=np.float64)[persons],
        },
    )


def _classify(outcome: str, b: np.ndarray, r: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(+1 better / -1 worse / 0 unchanged, change, relative change) per person; NaN -> excluded."""
    sign, band, kind = OUTCOMES[outcome]
    change = r - b
    if kind == "relative":
        rel = change / np.maximum(np.abs(b), 1.0)
        moved = np.abs(rel) > band
    else:
        rel = np.full(change.shape, np.nan)
        moved = np.abs(change) > band
    cls = np.where(moved, np.sign(change) * sign, 0.0)
    cls[~(np.isfinite(b) & np.isfinite(r))] = np.nan
    return cls, change, rel


class WinnersLosers:
    """Accumulates run pairs; :meth:`table` gives the tidy shares (pooled over person-runs)."""

    def __init__(self) -> None:
        self.pairs = 0
        self.skipped = 0
        self._acc: dict[tuple[str, str, str], np.ndarray] = {}

    def add(self, base: PersonOutcomes, reform: PersonOutcomes) -> bool:
        """Add run i of both arms; False (and not counted) when they do not hold the same people."""
        if base.ids.shape != reform.ids.shape or not np.array_equal(base.ids, reform.ids):
            self.skipped += 1
            return False
        self.pairs += 1
        cats = base.categories()
        for outcome in OUTCOMES:
            cls, change, rel = _classify(outcome, base.outcomes[outcome], reform.outcomes[outcome])
            ok = np.isfinite(cls)
            big_gain = (rel > BIG_INCOME_CHANGE) & ok
            big_loss = (rel < -BIG_INCOME_CHANGE) & ok
            cols = np.stack(
                [
                    ok,
                    (cls == 1) & ok,
                    (cls == -1) & ok,
                    (cls == 0) & ok,
                    np.where(ok, change, 0.0),
                    big_gain,
                    big_loss,
                ]
            ).astype(np.float64)
            for breakdown, labels in cats.items():
                uniq, inv = np.unique(labels.astype(str), return_inverse=True)
                for j, u in enumerate(uniq):
                    sel = inv == j
                    key = (outcome, breakdown, str(u))
                    acc = self._acc.setdefault(key, np.zeros(cols.shape[0]))
                    acc += cols[:, sel].sum(axis=1)
        return True

    def table(self):
        """One row per (outcome, breakdown, category): persons per run, shares better/worse/unchanged."""
        import pandas as pd

        order = {b: i for i, b in enumerate(BREAKDOWNS)}
        rows = []
        for (outcome, breakdown, cat), a in self._acc.items():
            n = a[0]
            sign, band, kind = OUTCOMES[outcome]
            row: dict[str, Any] = {
                "outcome": outcome,
                "breakdown": breakdown,
                "category": cat,
                "persons": n / max(self.pairs, 1),
                "better_off": a[1] / n if n else np.nan,
                "worse_off": a[2] / n if n else np.nan,
                "unchanged": a[3] / n if n else np.nan,
                "mean_change": a[4] / n if n else np.nan,
                "band": f"{kind} {band:g}" if kind != "exact" else "exact",
            }
            if outcome == "income":
                row["gain_over_5pct"] = a[5] / n if n else np.nan
                row["loss_over_5pct"] = a[6] / n if n else np.nan
            rows.append(row)
        cols = [
            "outcome",
            "breakdown",
            "category",
            "persons",
            "better_off",
            "worse_off",
            "unchanged",
            "mean_change",
            "gain_over_5pct",
            "loss_over_5pct",
            "band",
        ]
        df = pd.DataFrame(rows, columns=cols)
        if df.empty:
            return df
        df["_o"] = df["outcome"].map({o: i for i, o in enumerate(OUTCOMES)})
        df["_b"] = df["breakdown"].map(order)
        return df.sort_values(["_o", "_b", "category"]).drop(columns=["_o", "_b"]).reset_index(drop=True)
