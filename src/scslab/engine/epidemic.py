"""Optional process: an SEIR epidemic over the contact networks, with health-code colours.

Why it is here: a health code (facts 8.11-8.12) is a score computed from infection,
contact and travel data that gates movement. To ask how the code treats people -- and
how it keeps treating them after they recover -- the simulator needs the epidemic that
feeds it. Its row comes before behaviour (``position = ("before", "behaviour")``); each day:

1. yesterday's check-ins: a coded person past isolation who checked in with a normal
   reading (not infectious) extends a streak; the code turns green when the streak reaches
   the colour's check-in days (7 for yellow, 14 for red), a miss restarts it (facts 8.11);
2. disease progression E -> I -> R; a share of new infectious cases is confirmed after a
   delay and coded *red*; traced household / work / friend contacts are coded *yellow*;
3. trips to risk areas: non-green people are stopped (a green code is required to enter,
   facts 8.11); travellers may bring an infection back and are coded yellow (facts 8.12);
4. isolated people may break isolation (``violation_behaviour``): the decision uses the
   behaviour's logit (:func:`.decision.violation_logit`: deterrence, honesty, norms),
   detection uses the scenario's sources, detected breaches are filed in
   ``sim.state.observations`` and reach the ledger like any record, so list rules can
   blacklist; the breakers learn from being caught or not (:func:`.perception.learn`)
   before the day's other decisions;
5. transmission: each susceptible escapes every infectious neighbour independently; an
   isolated person's contacts are multiplied by the isolation factors (unless violating).

Every random draw comes from a named counter-based stream keyed by (day, person), so two
scenarios differing in one rule face the same luck (common random numbers).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import numpy.typing as npt

from ..jit import njit
from .decision import Expectations, sigmoid, violation_logit, watched
from .module import Module, ResultSpec
from .perception import learn
from .queue import FAR, Calendar, DayQueue
from .rng import draw
from .sources import members_mask, source_tables

if TYPE_CHECKING:
    from .sim import Sim

__all__ = [
    "COLUMNS_INFO",
    "EXPOSED",
    "GREEN",
    "INFECTIOUS",
    "RECOVERED",
    "RED",
    "SERIES",
    "SERIES_INFO",
    "SUSCEPTIBLE",
    "YELLOW",
    "EpidemicModule",
]

GREEN, YELLOW, RED = 0, 1, 2
SUSCEPTIBLE, EXPOSED, INFECTIOUS, RECOVERED = 0, 1, 2, 3
NEVER = np.iinfo(np.int32).max
#: Daily series of the epidemic: name -> (unit, description).
SERIES_INFO: dict[str, tuple[str, str]] = {
    "susceptible": ("persons", "persons never infected yet"),
    "infected": ("persons", "persons exposed or infectious"),
    "infectious": ("persons", "persons infectious"),
    "recovered": ("persons", "persons recovered"),
    "new_infections": ("persons", "persons infected today"),
    "new_confirmed": ("persons", "cases confirmed today"),
    "code_green": ("persons", "persons holding a green code"),
    "code_yellow": ("persons", "persons holding a yellow code"),
    "code_red": ("persons", "persons holding a red code"),
    "isolated": ("persons", "persons in isolation"),
    "quarantine_violations": ("acts", "breaches of isolation today"),
    "quarantine_violations_detected": ("acts", "breaches of isolation detected today"),
    "code_blocked_trips": ("trips", "trips stopped today because the code was not green"),
}
SERIES = tuple(SERIES_INFO)
#: Per-person columns of the epidemic: name -> (unit, description, dtype).
COLUMNS_INFO: dict[str, tuple[str, str, str]] = {
    "ever_infected": ("flag", "1 if ever infected (ground truth the institution does not see)", "i1"),
    "ever_yellow": ("flag", "1 if ever coded yellow", "i1"),
    "ever_red": ("flag", "1 if ever coded red (a confirmed case)", "i1"),
    "epi_state": ("code", "compartment at the end: 0 susceptible, 1 exposed, 2 infectious, 3 recovered", "i1"),
    "days_yellow": ("days", "days under a yellow code", "i4"),
    "days_red": ("days", "days under a red code", "i4"),
    "post_recovery_nongreen_days": ("days", "days under a non-green code after recovering", "i4"),
    "blocked_trips": ("trips", "trips stopped because the code was not green", "i4"),
    "isolation_breaches_detected": ("acts", "breaches of isolation detected", "i4"),
}


@njit(cache=True, inline="always")
def _gid(ids, i):
    """Person ``i``'s global index (``ids`` empty: a whole run, the identity)."""
    return np.int64(ids[i]) if ids.shape[0] else np.int64(i)


@njit(cache=True)
def _checkins(day, code, iso_end, streak, need, epi, key, share, ids):
    """Assess the check-in of ``day - 1`` for everyone past isolation; green on a full streak."""
    t = day - 1
    greened = 0
    for i in range(code.shape[0]):
        if code[i] == 0:
            continue
        if t >= iso_end[i]:
            if draw(key, np.int64(t), _gid(ids, i)) < share and epi[i] != 2:
                streak[i] += 1
            else:
                streak[i] = 0
        if day >= iso_end[i] and streak[i] >= need[i]:
            code[i] = 0
            streak[i] = 0
            greened += 1
    return greened


@njit(cache=True)
def _progress(day, epi, until, key, inf_mean, ids):
    """E -> I and I -> R transitions due today; returns the newly infectious persons."""
    out = np.empty(epi.shape[0], np.int64)
    k = 0
    for i in range(epi.shape[0]):
        if until[i] > day:
            continue
        if epi[i] == 1:
            epi[i] = 2
            u = draw(key, np.int64(day), _gid(ids, i))
            until[i] = day + max(1, int(np.ceil(-np.log1p(-u) * inf_mean)))
            out[k] = i
            k += 1
        elif epi[i] == 2:
            epi[i] = 3
            until[i] = 2147483647
    return out[:k]


@njit(cache=True)
def _exposure(indptr, indices, beta, infectious, fac, epi, logesc):
    """Add log escape probabilities of susceptibles from each infectious neighbour."""
    if beta <= 0.0:
        return
    for i in infectious:
        fi = fac[i]
        for p in range(indptr[i], indptr[i + 1]):
            j = indices[p]
            if epi[j] == 0:
                pr = min(beta * fi * fac[j], 1.0 - 1e-12)
                if pr > 0.0:
                    logesc[j] += np.log1p(-pr)


@njit(cache=True)
def _account(day, code, iso_end, epi, days_yellow, days_red, days_isolated, post_recovery, counts):
    """Per-person exposure to each colour and the day's population counts."""
    for i in range(code.shape[0]):
        c = code[i]
        counts[c] += 1
        counts[3 + epi[i]] += 1
        if c == 1:
            days_yellow[i] += 1
        elif c == 2:
            days_red[i] += 1
        if c > 0:
            if day < iso_end[i]:
                days_isolated[i] += 1
                counts[7] += 1
            if epi[i] == 3:
                post_recovery[i] += 1


def _person_view(sim: Sim, idx: np.ndarray, field: str, value: Any) -> np.ndarray:
    """``field == value`` for the persons in idx (False for organisations)."""
    ext = sim.module("epidemic")
    arr = getattr(ext, field)
    out = np.zeros(idx.size, bool)
    people = idx < arr.size
    out[people] = arr[idx[people]] == value
    return out


def _person_value(
    field: str, dtype: npt.DTypeLike, fn: Callable[[np.ndarray], np.ndarray] | None = None
) -> Callable[[Sim, np.ndarray], np.ndarray]:
    """A rule getter reading the epidemic's per-person array ``field`` (0 / False for organisations)."""

    def get(sim: Sim, idx: np.ndarray) -> np.ndarray:
        ext = sim.module("epidemic")
        arr = getattr(ext, field)
        out = np.zeros(idx.size, dtype)
        people = idx < arr.size
        v = arr[idx[people]]
        out[people] = v if fn is None else fn(v)
        return out

    return get


def _days_nongreen(sim: Sim, idx: np.ndarray) -> np.ndarray:
    return _person_value("days_yellow", np.int32)(sim, idx) + _person_value("days_red", np.int32)(sim, idx)


def _neighbours(csr: Any, who: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(neighbour, index into who) for every edge leaving ``who``."""
    deg = (csr.indptr[who + 1] - csr.indptr[who]).astype(np.int64)
    total = int(deg.sum())
    if total == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    starts = np.repeat(csr.indptr[who], deg)
    offs = np.arange(total) - np.repeat(np.cumsum(deg) - deg, deg)
    return csr.indices[starts + offs].astype(np.int64), np.repeat(np.arange(who.size), deg)


class EpidemicModule(Module):
    """an epidemic spreads; health codes colour, isolate and stop people"""

    name = "epidemic"
    reads_synthesised_friends = True  # infection spreads over the ties as synthesised
    position = ("before", "behaviour")

    # names rule expressions may use while the epidemic runs (persons only; firms read False/0).
    # The colour, confirmation and days under each colour are what the health platform knows;
    # infected / infectious / recovered / ever_infected are the epidemic's ground truth, there
    # for rules that model an institution told of every infection. A person whose code or
    # infection state changed today, or who holds a non-green code (its day counts grow), is a
    # candidate for the list rules today (``state.dirty``).
    attributes: ClassVar[dict] = {
        "code_green": lambda s, i: _person_view(s, i, "code", GREEN),
        "code_yellow": lambda s, i: _person_view(s, i, "code", YELLOW),
        "code_red": lambda s, i: _person_view(s, i, "code", RED),
        "code_nongreen": _person_value("code", np.bool_, lambda v: v != GREEN),
        "ever_red": lambda s, i: _person_view(s, i, "ever_red", True),
        "ever_yellow": lambda s, i: _person_view(s, i, "ever_yellow", True),
        "confirmed": lambda s, i: _person_view(s, i, "ever_red", True),  # only a confirmed case turns red
        "ever_infected": lambda s, i: _person_view(s, i, "ever_infected", True),
        "infected": _person_value("epi", np.bool_, lambda v: (v == EXPOSED) | (v == INFECTIOUS)),
        "infectious": lambda s, i: _person_view(s, i, "epi", INFECTIOUS),
        "recovered": lambda s, i: _person_view(s, i, "epi", RECOVERED),
        "days_yellow": _person_value("days_yellow", np.int32),
        "days_red": _person_value("days_red", np.int32),
        "days_nongreen": _days_nongreen,
        "days_isolated": _person_value("days_isolated", np.int32),
    }

    def init(self, sim: Sim) -> None:
        ep, n, days = sim.scenario.epidemic, sim.state.n, sim.scenario.sim.days
        self.n, self.days, self._ep = n, days, ep
        self.epi = np.zeros(n, np.int8)
        self.until = np.full(n, NEVER, np.int32)
        self.code = np.zeros(n, np.int8)
        self.code_start = np.full(n, -1, np.int32)
        self.iso_end = np.zeros(n, np.int32)
        self.streak = np.zeros(n, np.int16)
        self.need = np.zeros(n, np.int16)
        self.ever_infected = np.zeros(n, np.bool_)
        self.ever_yellow = np.zeros(n, np.bool_)
        self.ever_red = np.zeros(n, np.bool_)
        self.days_yellow = np.zeros(n, np.int32)
        self.days_red = np.zeros(n, np.int32)
        self.days_isolated = np.zeros(n, np.int32)
        self.post_recovery_nongreen = np.zeros(n, np.int32)
        self.violations = np.zeros(n, np.int32)
        self.violations_detected = np.zeros(n, np.int32)
        self.blocked_trips = np.zeros(n, np.int32)
        self.fac_h = np.ones(n, np.float64)
        self.fac_c = np.ones(n, np.float64)
        self.confirm_q = DayQueue()
        self.daily = {k: np.zeros(days, np.float64) for k in SERIES}
        beh = {b.name: i for i, b in enumerate(sim.scenario.behaviours)}
        src = {s.name: i for i, s in enumerate(sim.scenario.sources)}
        for field, names in (("violation_behaviour", beh), ("case_record_behaviour", beh), ("case_record_source", src)):
            v = getattr(ep, field)
            if v is not None and v not in names:
                raise ValueError(f"epidemic.{field}: unknown name '{v}'")
        if (ep.case_record_behaviour is None) != (ep.case_record_source is None):
            raise ValueError("epidemic.case_record_behaviour and case_record_source go together")
        self.viol_b = beh.get(ep.violation_behaviour, -1) if ep.violation_behaviour else -1
        self.case_b = beh[ep.case_record_behaviour] if ep.case_record_behaviour else -1
        self.case_src = src[ep.case_record_source] if ep.case_record_source else -1
        self.trips = Calendar(n, days)
        self._next_trip(sim, -1, np.arange(n, dtype=np.int64), ep.travel_per_year)
        self.configure(sim)

    def configure(self, sim: Sim) -> None:
        """The sources' detection tables and the breach's expected sanction weight, as behaviour sees them."""
        self.sources = source_tables(sim.scenario)
        self.expect = Expectations(sim.scenario)

    # -- public helpers -----------------------------------------------------------------
    def assign_code(self, idx: np.ndarray, colour: int, day: int, sim: Sim | None = None) -> np.ndarray:
        """Code ``idx`` yellow or red from ``day``: isolation, then a fresh check-in streak.

        Red is never downgraded to yellow; a second yellow restarts the yellow clock.
        Returns the persons actually (re)coded.
        """
        ep = self._ep if sim is None else sim.scenario.epidemic
        idx = np.unique(np.asarray(idx, np.int64))
        if colour == YELLOW:
            idx = idx[self.code[idx] != RED]
            iso, need = ep.yellow_isolation_days, ep.yellow_checkin_days
            self.ever_yellow[idx] = True
        else:
            iso, need = ep.red_isolation_days, ep.red_checkin_days
            self.ever_red[idx] = True
        self.code[idx] = colour
        self.code_start[idx] = day
        self.iso_end[idx] = day + iso
        self.streak[idx] = 0
        self.need[idx] = need
        return idx

    def expose(self, sim: Sim, idx: np.ndarray, day: int) -> np.ndarray:
        """Infect susceptibles in ``idx`` today (they become infectious after the latent period)."""
        idx = np.asarray(idx, np.int64)
        idx = np.unique(idx[self.epi[idx] == SUSCEPTIBLE])
        u = sim.streams.uniform("epidemic.latent", day, idx)
        lat = np.maximum(1, np.ceil(-np.log1p(-u) * sim.scenario.epidemic.latent_days)).astype(np.int64)
        self.epi[idx] = EXPOSED
        self.until[idx] = np.minimum(day + lat, NEVER)
        self.ever_infected[idx] = True
        self.daily["new_infections"][day] += idx.size
        return idx

    def isolated(self, day: int) -> np.ndarray:
        return np.flatnonzero((self.code > 0) & (self.iso_end > day))

    # -- the day ------------------------------------------------------------------------
    def step(self, sim: Sim, day: int) -> None:
        ep = self._ep = sim.scenario.epidemic
        code0, epi0 = self.code.copy(), self.epi.copy()
        _checkins(
            day,
            self.code,
            self.iso_end,
            self.streak,
            self.need,
            self.epi,
            sim.streams.key("epidemic.checkin"),
            ep.checkin_share,
            sim.streams.gids(),
        )
        if day == ep.start_day and ep.initial_infected > 0:
            u = sim.streams.uniform("epidemic.seed", -1, np.arange(self.n))
            self.expose(sim, np.argsort(u, kind="stable")[: ep.initial_infected], day)
        new_inf = _progress(
            day, self.epi, self.until, sim.streams.key("epidemic.recover"), ep.infectious_days, sim.streams.gids()
        )
        if new_inf.size and ep.detect_share > 0:
            hit = new_inf[sim.streams.uniform("epidemic.detect", day, new_inf) < ep.detect_share]
            self.confirm_q.push(day + ep.detect_delay_days, hit)
        self._confirm(sim, day)
        self._travel(sim, day)
        iso = self.isolated(day)
        viol = self._violations(sim, day, iso)
        self._transmit(sim, day, iso, viol)
        self._record(sim, day)
        # what list rules may read changed for these persons: they are candidates today
        sim.state.dirty[: self.n] |= (self.code != code0) | (self.epi != epi0) | (self.code != GREEN)

    def _confirm(self, sim: Sim, day: int) -> None:
        cases = self.confirm_q.pop(day)
        if cases.size == 0:
            return
        ep, pop = self._ep, sim.pop
        cases = self.assign_code(cases, RED, day)
        self.daily["new_confirmed"][day] += cases.size
        if self.case_b >= 0:  # the case leaves a record on file (the 'after recovery' question)
            sim.state.observations.file(
                day + int(self.sources.delay[self.case_src]),
                cases,
                np.full(cases.size, self.case_b, np.int16),
                self.case_src,
                np.ones(cases.size, np.bool_),
            )
        traced = []
        for net, share in (
            ("household", ep.trace_household_share),
            ("work", ep.trace_other_share),
            ("friend", ep.trace_other_share),
        ):
            if share <= 0:
                continue
            tgt, src = _neighbours(getattr(pop, f"{net}_net"), cases)
            if tgt.size:
                u = sim.streams.uniform_pair(f"epidemic.trace.{net}", day, tgt, cases[src])
                traced.append(tgt[u < share])
        if traced:
            self.assign_code(np.concatenate(traced), YELLOW, day)

    def _next_trip(self, sim: Sim, day: int, who: np.ndarray, per_year: float) -> None:
        if per_year <= 0 or who.size == 0:
            return
        u = sim.streams.uniform("epidemic.travel.next", day, who)
        gap = np.maximum(1, np.ceil(-np.log1p(-u) * 365.0 / per_year))
        self.trips.push(np.minimum(day + gap, FAR).astype(np.int64), who)

    def _travel(self, sim: Sim, day: int) -> None:
        ep = self._ep
        who = self.trips.pop(day)
        if who.size == 0:
            return
        self._next_trip(sim, day, who, ep.travel_per_year)
        stopped = self.code[who] != GREEN  # a green code is required to travel (facts 8.11)
        self.blocked_trips[who[stopped]] += 1
        self.daily["code_blocked_trips"][day] += int(stopped.sum())
        go = who[~stopped]
        if go.size == 0:
            return
        u = sim.streams.uniform("epidemic.travel.infect", day, go)
        self.expose(sim, go[u < ep.travel_infection_share], day)
        u = sim.streams.uniform("epidemic.travel.code", day, go)
        self.assign_code(go[u < ep.travel_yellow_share], YELLOW, day)

    def _violations(self, sim: Sim, day: int, iso: np.ndarray) -> np.ndarray:
        """Isolated adults tempted to go out decide with the behaviour's own logit."""
        ep, b = self._ep, self.viol_b
        if b < 0 or iso.size == 0 or ep.violation_opportunities_per_day <= 0:
            return np.empty(0, np.int64)
        st = sim.state
        cand = iso[st.adult[iso]]
        cand = cand[
            sim.streams.uniform("epidemic.violation.opportunity", day, cand) < ep.violation_opportunities_per_day
        ]
        if cand.size == 0:
            return cand
        spec, mdl = sim.scenario.behaviours[b], sim.scenario.model
        seen = watched(st, mdl.perception, b, cand)
        if self.expect.due(day):
            self.expect.refresh(sim, day)
        logit, _ = violation_logit(st, mdl, spec, self.expect.sanction(b, cand), seen, cand)
        p = sigmoid(logit)
        viol = cand[sim.streams.uniform("epidemic.violation.choice", day, cand) < p]
        self.violations[viol] += 1
        self.daily["quarantine_violations"][day] += viol.size
        if viol.size == 0:
            return viol
        src, beh = self.sources, np.full(viol.size, b, np.int16)
        remaining = np.ones(viol.size, np.bool_)
        scale = sim.scenario.policy.detection_scale
        for k, s in enumerate(sim.scenario.sources):
            pk = src.detect[k, b] * src.coverage[k, st.urban[viol]] * scale
            only = members_mask(st, src.members[k], viol)
            if only is not None:
                pk = pk * only
            if not pk.any():
                continue
            hit = remaining & (sim.streams.uniform(f"epidemic.violation.detect.{s.name}", day, viol) < pk)
            remaining &= ~hit
            if hit.any():
                sim.state.observations.file(
                    day + int(src.delay[k]), viol[hit], beh[hit], k, np.ones(int(hit.sum()), np.bool_)
                )
        self.violations_detected[viol[~remaining]] += 1
        self.daily["quarantine_violations_detected"][day] += int((~remaining).sum())
        learn(sim, viol, beh, ~remaining)  # the breakers learn before today's decisions
        return viol

    def _transmit(self, sim: Sim, day: int, iso: np.ndarray, viol: np.ndarray) -> None:
        ep, pop = self._ep, sim.pop
        infectious = np.flatnonzero(self.epi == INFECTIOUS)
        if infectious.size == 0:
            return
        self.fac_h[iso] = ep.isolation_factor_household
        self.fac_c[iso] = ep.isolation_factor_community
        self.fac_h[viol] = 1.0  # a person out of isolation meets people as usual
        self.fac_c[viol] = 1.0
        logesc = np.zeros(self.n, np.float64)
        _exposure(
            pop.household_net.indptr,
            pop.household_net.indices,
            ep.beta_household,
            infectious,
            self.fac_h,
            self.epi,
            logesc,
        )
        for net, beta in ((pop.work_net, ep.beta_work), (pop.friend_net, ep.beta_friend)):
            _exposure(net.indptr, net.indices, beta, infectious, self.fac_c, self.epi, logesc)
        self.fac_h[iso] = 1.0
        self.fac_c[iso] = 1.0
        cand = np.flatnonzero(logesc < 0.0)
        if cand.size:
            u = sim.streams.uniform("epidemic.infect", day, cand)
            self.expose(sim, cand[u < -np.expm1(logesc[cand])], day)

    def _record(self, sim: Sim, day: int) -> None:
        counts = np.zeros(8, np.int64)
        _account(
            day,
            self.code,
            self.iso_end,
            self.epi,
            self.days_yellow,
            self.days_red,
            self.days_isolated,
            self.post_recovery_nongreen,
            counts,
        )
        d = self.daily
        d["code_green"][day], d["code_yellow"][day], d["code_red"][day] = counts[:3]
        d["susceptible"][day], d["infectious"][day], d["recovered"][day] = counts[3], counts[5], counts[6]
        d["infected"][day] = counts[4] + counts[5]
        d["isolated"][day] = counts[7]

    # -- results --------------------------------------------------------------------------
    def results(self, sim: Sim) -> list[ResultSpec]:
        """The epidemic's compartments, the colours of the codes, isolation and its breaches;
        per person, what the epidemic and the codes did to them (organisations hold 0)."""
        return [
            *(ResultSpec(k, *SERIES_INFO[k]) for k in SERIES),
            *(ResultSpec(k, unit, desc, dtype, kind="column") for k, (unit, desc, dtype) in COLUMNS_INFO.items()),
        ]

    def finish(self, sim: Sim, out: dict[str, Any]) -> None:
        S = sim.state.S
        for k, src in (
            ("ever_infected", self.ever_infected),
            ("ever_yellow", self.ever_yellow),
            ("ever_red", self.ever_red),
            ("epi_state", self.epi),
            ("days_yellow", self.days_yellow),
            ("days_red", self.days_red),
            ("post_recovery_nongreen_days", self.post_recovery_nongreen),
            ("blocked_trips", self.blocked_trips),
            ("isolation_breaches_detected", self.violations_detected),
        ):
            col = np.zeros(S, np.dtype(COLUMNS_INFO[k][2]))
            col[: src.size] = src
            out[k] = col

    def record(self, sim: Sim, day: int, out: Any) -> None:
        for k in SERIES:
            out[k] = self.daily[k][day]
