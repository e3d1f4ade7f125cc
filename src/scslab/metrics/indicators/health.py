"""Indicators of the health-code preset: the epidemic, the colours, and what they did to whom.

The question behind most of them: how does a health code treat people who were infected,
during and *after* their illness, compared with people who never were? Persons are split
by ``ever_infected`` (ground truth, which the institution does not see) and compared on
days under a non-green code after recovery, sanctions received, list entries and records
still on file. Shares are per person; counts of people are multiplied by the scale.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .registry import IndicatorSet

if TYPE_CHECKING:
    from ...engine.results import Results

__all__ = ["SET", "Epidemic", "epidemic_of", "split_by_infection"]

SET = IndicatorSet("health")


class Epidemic:
    """The epidemic's per-person columns and daily series of a run, as the indicators read
    them (declared by ``engine.epidemic.EpidemicModule``; persons only)."""

    def __init__(self, res: Results) -> None:
        n, subj = res.n_persons, res.subjects
        self.n = n
        self.ever_infected = subj["ever_infected"][:n] > 0
        self.ever_yellow = subj["ever_yellow"][:n] > 0
        self.ever_red = subj["ever_red"][:n] > 0
        self.epi = subj["epi_state"][:n]
        self.days_yellow = subj["days_yellow"][:n]
        self.days_red = subj["days_red"][:n]
        self.post_recovery_nongreen = subj["post_recovery_nongreen_days"][:n]
        self.blocked_trips = subj["blocked_trips"][:n]
        self.violations_detected = subj["isolation_breaches_detected"][:n]
        self.daily = res.series


def epidemic_of(res: Results) -> Epidemic | None:
    """The run's epidemic, or None when ``[epidemic]`` was off."""
    return Epidemic(res) if "ever_infected" in res.subjects else None


def _share(mask: np.ndarray, within: np.ndarray) -> float | None:
    return None if not within.any() else float(mask[within].mean())


def split_by_infection(ep: Epidemic, per_person: np.ndarray) -> tuple[float | None, float | None]:
    """Mean of a per-person array among the ever-infected and the never-infected."""
    inf = ep.ever_infected
    a = None if not inf.any() else float(per_person[: inf.size][inf].mean())
    b = None if inf.all() else float(per_person[: inf.size][~inf].mean())
    return a, b


def _sanctions_per_person(res: Results) -> np.ndarray:
    sanc, n = res.sanctions, res.n_persons
    kinds = np.asarray(res.names["measure_kind"], dtype=object)
    is_sanction = kinds[sanc["measure"]] == "sanction" if len(sanc["target"]) else np.zeros(0, bool)
    tgt = sanc["target"][is_sanction]
    return np.bincount(tgt[tgt < n], minlength=n)


def _listed_persons(res: Results) -> np.ndarray:
    sp, n = res.list_spells, res.n_persons
    black = [k for k, t in enumerate(res.names["list_type"]) if t == "black"]
    subj = sp["subject"][np.isin(sp["list"], black)]
    out = np.zeros(n, np.bool_)
    out[subj[subj < n]] = True
    return out


def _guard(f):
    def g(res: Results) -> Any:
        ep = epidemic_of(res)
        return None if ep is None else f(res, ep)

    g.__name__ = f.__name__
    g.__doc__ = f.__doc__
    return g


@SET.register("attack_rate")
@_guard
def _attack_rate(res, ep):
    """Share of persons ever infected (ground truth)."""
    return float(ep.ever_infected.mean())


@SET.register("peak_infectious_share")
@_guard
def _peak(res, ep):
    return float(ep.daily["infectious"].max() / ep.n)


@SET.register("confirmed_cases")
@_guard
def _confirmed(res, ep):
    """Confirmed (red-coded) cases, in real people."""
    return float(ep.daily["new_confirmed"].sum() * res.scale)


@SET.register("ever_coded_share")
@_guard
def _ever_coded(res, ep):
    return float((ep.ever_yellow | ep.ever_red).mean())


@SET.register("mean_nongreen_share")
@_guard
def _nongreen(res, ep):
    """Average share of the population under a yellow or red code on a day."""
    return float(((ep.daily["code_yellow"] + ep.daily["code_red"]) / ep.n).mean())


@SET.register("yellow_never_infected_share")
@_guard
def _yellow_clean(res, ep):
    """Of everyone ever coded yellow, the share never infected: the code's collateral reach."""
    return _share(~ep.ever_infected, ep.ever_yellow)


@SET.register("post_recovery_nongreen_days")
@_guard
def _post_recovery(res, ep):
    """Mean days a recovered person spent under a non-green code after recovering."""
    rec = ep.epi == 3
    return None if not rec.any() else float(ep.post_recovery_nongreen[rec].mean())


@SET.register("blocked_trips_per_capita")
@_guard
def _blocked(res, ep):
    """Trips stopped because the code was not green (a green code is required, facts 8.11)."""
    return float(ep.blocked_trips.sum() / ep.n)


@SET.register("violators_detected")
@_guard
def _violators(res, ep):
    """Persons whose breach of isolation was detected at least once, in real people."""
    return float((ep.violations_detected > 0).sum() * res.scale)


@SET.register("violators_listed_share")
@_guard
def _violators_listed(res, ep):
    """Of the persons with a detected breach, the share listed on a blacklist by the end."""
    return _share(_listed_persons(res), ep.violations_detected > 0)


@SET.register("sanctions_per_capita_ever_infected")
@_guard
def _sanc_inf(res, ep):
    return split_by_infection(ep, _sanctions_per_person(res))[0]


@SET.register("sanctions_per_capita_never_infected")
@_guard
def _sanc_clean(res, ep):
    return split_by_infection(ep, _sanctions_per_person(res))[1]


@SET.register("listed_share_ever_infected")
@_guard
def _listed_inf(res, ep):
    return split_by_infection(ep, _listed_persons(res).astype(np.float64))[0]


@SET.register("listed_share_never_infected")
@_guard
def _listed_clean(res, ep):
    return split_by_infection(ep, _listed_persons(res).astype(np.float64))[1]


@SET.register("records_on_file_after_recovery_share")
@_guard
def _on_file(res, ep):
    """Of the recovered confirmed cases, the share with any active record still on file."""
    done = (ep.epi == 3) & ep.ever_red
    rec = res.records
    live = rec["end_day"] < 0  # in force at the end: what the rules' record counters hold
    on_file = np.bincount(rec["subject"][live].astype(np.int64), minlength=res.subjects["type"].size)[: ep.n] > 0
    return _share(on_file, done)


# -- the blacklisting of infected citizens (health-code-blacklist) --------------------------
# What listing the infected does to them, next to everyone else: sanctions, ties lost to
# exclusion, income; and the code's collateral reach (non-green codes on the never-infected).


@SET.register("nongreen_never_infected_share", unit="share")
@_guard
def _nongreen_clean(res, ep):
    """Of everyone ever coded yellow or red, the share never infected (the code's collateral reach)."""
    return _share(~ep.ever_infected, ep.ever_yellow | ep.ever_red)


@SET.register("nongreen_days_never_infected_share", unit="share")
@_guard
def _nongreen_days_clean(res, ep):
    """Share of all person-days under a yellow or red code held by persons never infected."""
    days = ep.days_yellow.astype(np.float64) + ep.days_red
    total = days.sum()
    return None if total <= 0 else float(days[~ep.ever_infected].sum() / total)


@SET.register("confirmed_listed_share", unit="share")
@_guard
def _confirmed_listed(res, ep):
    """Of the confirmed (red-coded) cases, the share put on a blacklist."""
    return _share(_listed_persons(res), ep.ever_red)


def _ties_lost(res: Results) -> np.ndarray:
    """Per person, the share of friendship ties lost over the run (NaN for the friendless),
    declared by the exclusion module."""
    return res.subjects["ties_lost_share"][: res.n_persons].astype(np.float64)


def _income_change(res: Results) -> np.ndarray:
    """Per person, the relative change of income from the start to the end of the run (NaN without income)."""
    subj, n = res.subjects, res.n_persons
    inc0 = subj["income0"][:n].astype(np.float64)
    inc = subj["income"][:n].astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(inc0 > 0, inc / inc0 - 1.0, np.nan)


def _nanmean_split(ep: Epidemic, values: np.ndarray) -> tuple[float | None, float | None]:
    inf, ok = ep.ever_infected, np.isfinite(values[: ep.n])
    a, b = inf & ok, ~inf & ok
    return (
        None if not a.any() else float(values[: ep.n][a].mean()),
        None if not b.any() else float(values[: ep.n][b].mean()),
    )


@SET.register("ties_lost_share_ever_infected", unit="share")
@_guard
def _ties_inf(res, ep):
    """Mean share of friendship ties the ever-infected lost over the run (exclusion)."""
    return _nanmean_split(ep, _ties_lost(res))[0]


@SET.register("ties_lost_share_never_infected", unit="share")
@_guard
def _ties_clean(res, ep):
    """Mean share of friendship ties the never-infected lost over the run (exclusion)."""
    return _nanmean_split(ep, _ties_lost(res))[1]


@SET.register("income_change_ever_infected", unit="share")
@_guard
def _income_inf(res, ep):
    """Mean relative change of income, start to end of the run, among the ever-infected."""
    return _nanmean_split(ep, _income_change(res))[0]


@SET.register("income_change_never_infected", unit="share")
@_guard
def _income_clean(res, ep):
    """Mean relative change of income, start to end of the run, among the never-infected."""
    return _nanmean_split(ep, _income_change(res))[1]
