"""Reminder letters with social-norm messages: the nudge comparator (facts 7.14-7.17).

No sanction, no list: on each send day every adult with an open obligation of the chased
behaviour gets a letter. A letter stating a *descriptive norm* ("9 out of 10 people pay on
time") moves the recipient's perceived norm from a prior belief toward the stated share,
and the chance of paying within the response window rises with that shift. The arms
differ only in the share stated:

- ``control``: a plain reminder, no share (perceived norm stays at the prior);
- ``national``: the fixed ``national_norm_share`` (HMRC's message, facts 7.15);
- ``town``: the simulated share of adults who missed no payment in the last
  ``norm_lookback_days`` (they "pay on time") in the recipient's urban/rural region;
- ``postcode``: the same share among the recipient's household and friends (the local,
  mostly same-region network), falling back to the town share for the isolated.

With ``reference_weighting = "similarity"`` the message also counts for as much as the
named group is like the reader (reference-group proximity and similarity of descriptive
norms: people take their cue from similar others, Festinger's social comparison theory and
its related-attributes form, Goethals & Darley; Turner's referent informational
influence; the "same room" norm of Goldstein, Cialdini & Griskevicius 2008). The
perceived norm moves by ``relevance * (stated - prior)``, where ``relevance`` is the mean
Gower similarity of the reader to the named group's adults on ``similarity_attributes``
(place, age, income rank, education), computed from the synthetic population: the nation
is least like the reader, the region more, household and friends most. The mechanism adds
no parameter to fit.

Only the control and national arms are calibrated; the local arms are what the mechanism
predicts from the simulated local compliance and the local groups' similarity, so changing
who pays locally, or who lives near whom, changes them.

A responder pays on a uniformly drawn day inside the window (stream ``letters.delay``),
if able to then; the response draw has its own stream ``letters.respond``, so the arms
of one seed are compared on the same luck. Settlement is the shared
:meth:`.obligations.Obligations.settle` that behaviour uses too (savings fall by the
amount owed, the obligation closes, the subject becomes dirty for list rules). Payments
through the ordinary settlement hazard during the window count too: the outcome is the
share of recipients whose obligation closed within the window.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..population.network import neighbor_mean
from .decision import sigmoid
from .module import Module, ResultSpec

if TYPE_CHECKING:
    from .sim import Sim

__all__ = ["LettersModule", "local_shares", "reference_similarity"]

SIMILARITY_ATTRIBUTES = ("urban", "age", "income", "education")


def _attribute_columns(sim: Sim, attributes: Sequence[str]) -> list[tuple[str, np.ndarray]]:
    """Each similarity attribute over persons: ('cat', codes) or ('num', values in [0, 1]).

    Numeric attributes are put on [0, 1] among adults: age by its adult range, income by its
    rank among adults (income is skewed; a rank difference is the share of adults between
    two people), education by its ordinal range. ``urban``, ``sex`` and ``migrant`` are
    categories.
    """
    st, n = sim.state, sim.state.n
    adult = st.adult[:n]
    cols: list[tuple[str, np.ndarray]] = []
    for a in attributes:
        if a in ("urban", "sex", "migrant"):
            cols.append(("cat", np.asarray(getattr(st, a)[:n], np.int64)))
            continue
        if a == "income":
            x = st.base_income[:n].astype(np.float64)
            ranks = np.zeros(n)
            idx = np.flatnonzero(adult)
            order = idx[np.argsort(x[idx], kind="stable")]
            ranks[order] = (np.arange(order.size) + 0.5) / max(order.size, 1)
            cols.append(("num", ranks))
            continue
        x = np.asarray(getattr(st, a)[:n], np.float64)
        lo, hi = (x[adult].min(), x[adult].max()) if adult.any() else (0.0, 1.0)
        cols.append(("num", (x - lo) / (hi - lo) if hi > lo else np.zeros(n)))
    return cols


def _mean_similarity_to(values: np.ndarray, kind: str, readers: np.ndarray, members: np.ndarray) -> np.ndarray:
    """Mean similarity of each reader to all ``members`` on one attribute (Gower terms).

    Category: the share of members in the reader's category. Number on [0, 1]: one minus
    the mean absolute difference, from a sorted prefix sum (O(m log m)).
    """
    if members.size == 0:
        return np.zeros(readers.size)
    xm, xr = values[members], values[readers]
    if kind == "cat":
        codes, counts = np.unique(xm, return_counts=True)
        pos = np.clip(np.searchsorted(codes, xr), 0, codes.size - 1)
        return np.where(codes[pos] == xr, counts[pos], 0) / members.size
    xs = np.sort(xm)
    cs = np.concatenate([[0.0], np.cumsum(xs)])
    k = np.searchsorted(xs, xr, side="right")
    below = xr * k - cs[k]
    above = (cs[-1] - cs[k]) - xr * (xs.size - k)
    return 1.0 - (below + above) / xs.size


def reference_similarity(
    sim: Sim, adult: np.ndarray, min_neighbours: int, attributes: Sequence[str] = SIMILARITY_ATTRIBUTES
) -> dict[str, np.ndarray]:
    """How similar each person is to the reference group a message names, per arm.

    Gower similarity (the mean over ``attributes`` of per-attribute similarity: 1 for the
    same category, 1 - |difference| on [0, 1] for numbers) averaged over the group's adult
    members: ``national`` all adults, ``town`` the adults of the reader's urban/rural
    region, ``postcode`` the adult household members and friends (each tie once per
    network, as in :func:`local_shares`; fewer than ``min_neighbours`` -> the town value).
    Returned per person (NaN for nobody), for the arms ``national``, ``town``, ``postcode``.
    """
    n = adult.size
    members = np.flatnonzero(adult)
    persons = np.arange(n)
    urban = sim.state.urban[:n] == 1
    cols = _attribute_columns(sim, attributes)
    k = max(len(cols), 1)
    national = np.zeros(n)
    town = np.zeros(n)
    for kind, x in cols:
        national += _mean_similarity_to(x, kind, persons, members)
        for region in (False, True):
            r = np.flatnonzero(urban == region)
            town[r] += _mean_similarity_to(x, kind, r, members[urban[members] == region])
    num = np.zeros(n)
    den = np.zeros(n)
    for net in (sim.pop.household_net, sim.pop.friend_net):
        src, dst = net.edges()
        src, dst = src.astype(np.int64), dst.astype(np.int64)
        keep = adult[dst]
        src, dst = src[keep], dst[keep]
        s = np.zeros(src.size)
        for kind, x in cols:
            s += (x[src] == x[dst]) if kind == "cat" else 1.0 - np.abs(x[src] - x[dst])
        num += np.bincount(src, weights=s, minlength=n)
        den += np.bincount(src, minlength=n)
    enough = den >= max(min_neighbours, 1)
    postcode = np.where(enough, num / np.maximum(den, 1) / k, town / k)
    return {"national": national / k, "town": town / k, "postcode": postcode}


def local_shares(
    sim: Sim, up_to_date: np.ndarray, adult: np.ndarray, min_neighbours: int
) -> tuple[np.ndarray, np.ndarray]:
    """(town, postcode) share of adults up to date, per person.

    ``up_to_date`` and ``adult`` are boolean over persons. Town: the urban/rural region
    mean. Postcode: the mean over adult household members and friends, degree-weighted
    across the two networks; persons with fewer than ``min_neighbours`` adult
    neighbours get the town share (a postcode with too few people prints no statistic).
    """
    n = up_to_date.size
    urban = sim.state.urban[:n] == 1
    town = np.empty(n, np.float64)
    for region in (False, True):
        m = (urban == region) & adult
        town[urban == region] = up_to_date[m].mean() if m.any() else 1.0
    ok = (up_to_date & adult).astype(np.float64)
    ad = adult.astype(np.float64)
    num = np.zeros(n)
    den = np.zeros(n)
    for net in (sim.pop.household_net, sim.pop.friend_net):
        deg = net.degree().astype(np.float64)
        num += neighbor_mean(net, ok).astype(np.float64) * deg
        den += neighbor_mean(net, ad).astype(np.float64) * deg
    enough = den >= max(min_neighbours, 1) - 1e-6
    postcode = np.where(enough, num / np.maximum(den, 1e-12), town)
    return town, postcode


class LettersModule(Module):
    """reminder letters go out; responders pay within the window"""

    name = "letters"
    reads_synthesised_friends = True  # letters reach the household and friends as synthesised
    position = ("before", "behaviour")

    def init(self, sim: Sim) -> None:
        cfg = sim.scenario.letters
        obligations = [b.name for b in sim.scenario.behaviours if b.kind == "obligation"]
        if cfg.behaviour not in obligations:
            raise ValueError(
                f"letters.behaviour: '{cfg.behaviour}' is not an obligation of this scenario "
                f"(choose from {obligations})"
            )
        self.cfg = cfg
        self.j = obligations.index(cfg.behaviour)
        self.send_days = set(int(d) for d in cfg.send_days)
        # one row per letter: recipient, send day, the obligation's open day, stated share,
        # perceived norm, response probability, responded, scheduled pay day, paid day
        self.recipient = np.empty(0, np.int64)
        self.sent = np.empty(0, np.int32)
        self.opened = np.empty(0, np.int32)
        self.stated = np.empty(0, np.float64)
        self.relevant = np.empty(0, np.float64)  # relevance of the named group to the recipient
        self._relevance: np.ndarray | None = None
        self.p_respond = np.empty(0, np.float64)
        self.responded = np.empty(0, np.bool_)
        self.pay_day = np.empty(0, np.int32)
        self.paid_day = np.empty(0, np.int32)
        self.settled_by_letter = 0
        self.actual_share = float("nan")  # share of adults paying on time at the last send day
        # who missed a payment when: a rise in the amount owed, or an obligation opened
        # yesterday, is a missed payment (read each morning before behaviour runs)
        n = sim.state.n
        self.owed_prev = np.zeros(n, np.float32)  # nothing is owed before the first day
        self.last_miss = np.full(n, -(10**9), np.int64)

    # -- the message ----------------------------------------------------------------------
    def stated_share(self, sim: Sim, who: np.ndarray) -> np.ndarray:
        """The share each recipient's letter states (NaN for the control reminder)."""
        cfg, st = self.cfg, sim.state
        if cfg.norm == "control":
            return np.full(who.size, np.nan)
        if cfg.norm == "national":
            return np.full(who.size, cfg.national_norm_share)
        n = st.n
        up = self.last_miss < sim.day - cfg.norm_lookback_days
        town, postcode = local_shares(sim, up, st.adult[:n], cfg.min_neighbours)
        return (town if cfg.norm == "town" else postcode)[who]

    def relevance(self, sim: Sim) -> np.ndarray:
        """How much of the stated share each person takes as the norm of people like them.

        1 everywhere with ``reference_weighting = "none"``; with ``"similarity"`` the
        Gower similarity of the person to the reference group the arm names
        (:func:`reference_similarity`), computed once per run from the synthetic
        population (the attributes do not change during a run).
        """
        cfg, n = self.cfg, sim.state.n
        if cfg.reference_weighting == "none" or cfg.norm == "control":
            return np.ones(n)
        if self._relevance is None:
            sims = reference_similarity(sim, sim.state.adult[:n], cfg.min_neighbours, cfg.similarity_attributes)
            self._relevance = sims[cfg.norm]
        return self._relevance

    def response_probability(self, stated: np.ndarray, relevance: np.ndarray | float = 1.0) -> np.ndarray:
        """sigmoid(base + w * (perceived - prior)).

        perceived = prior + message_weight * relevance * (stated - prior): the stated share
        moves the belief about what people like the reader do by the share of the named
        group that is like the reader (``relevance``, 1 without reference weighting).
        """
        cfg = self.cfg
        shift = np.where(
            np.isnan(stated), 0.0, cfg.message_weight * np.asarray(relevance) * (stated - cfg.prior_norm_share)
        )
        return sigmoid(cfg.base_response_logit + cfg.w_norm_message * shift)

    # -- the day ----------------------------------------------------------------------------
    def step(self, sim: Sim, day: int) -> None:
        self._watch_misses(sim, day)
        if day in self.send_days:
            self._send(sim, day)
        self._track(sim, day)
        self._pay(sim, day)
        self.owed_prev[:] = sim.state.obligations.owed[self.j, : sim.state.n]

    def _watch_misses(self, sim: Sim, day: int) -> None:
        """Record yesterday's missed payments (the ground truth of the local statistics)."""
        ob, n = sim.state.obligations, sim.state.n
        missed = (ob.owed[self.j, :n] > self.owed_prev) | (ob.open_since[self.j, :n] == day - 1)
        self.last_miss[missed] = day - 1

    def _send(self, sim: Sim, day: int) -> None:
        ob, st = sim.state.obligations, sim.state
        since = ob.open_since[self.j, : st.n]
        who = np.flatnonzero((since >= 0) & (since <= day - self.cfg.min_overdue_days) & st.adult[: st.n])
        if who.size == 0:
            return
        n = st.n
        self.actual_share = float((self.last_miss[st.adult[:n]] < day - self.cfg.norm_lookback_days).mean())
        stated = self.stated_share(sim, who)
        rel = self.relevance(sim)[who]
        p = self.response_probability(stated, rel)
        u = sim.streams.uniform("letters.respond", day, who)
        resp = u < p
        w = self.cfg.response_window_days
        delay = np.minimum((sim.streams.uniform("letters.delay", day, who) * w).astype(np.int32), w - 1)
        self.recipient = np.concatenate([self.recipient, who])
        self.sent = np.concatenate([self.sent, np.full(who.size, day, np.int32)])
        self.opened = np.concatenate([self.opened, since[who].astype(np.int32)])
        self.stated = np.concatenate([self.stated, stated])
        self.relevant = np.concatenate([self.relevant, rel])
        self.p_respond = np.concatenate([self.p_respond, p])
        self.responded = np.concatenate([self.responded, resp])
        self.pay_day = np.concatenate([self.pay_day, np.where(resp, day + delay, -1).astype(np.int32)])
        self.paid_day = np.concatenate([self.paid_day, np.full(who.size, -1, np.int32)])

    def _open_letters(self, day: int, slack: int = 0) -> np.ndarray:
        """Rows whose window is still running and whose obligation has not been seen paid.

        ``slack = 1`` lets the tracker see, on the morning after, a payment made on the
        window's last day.
        """
        return np.flatnonzero((self.paid_day < 0) & (day < self.sent + self.cfg.response_window_days + slack))

    def _track(self, sim: Sim, day: int) -> None:
        """Mark letters whose obligation closed (by any route) before today."""
        rows = self._open_letters(day, slack=1)
        if rows.size == 0:
            return
        cur = sim.state.obligations.open_since[self.j, self.recipient[rows]]
        closed = cur != self.opened[rows]
        self.paid_day[rows[closed]] = day - 1  # it closed at the latest yesterday

    def _pay(self, sim: Sim, day: int) -> None:
        """Responders due today (or earlier but unable then) pay if they can."""
        rows = self._open_letters(day)
        rows = rows[self.responded[rows] & (self.pay_day[rows] <= day)]
        if rows.size == 0:
            return
        ob, st, j = sim.state.obligations, sim.state, self.j
        who = self.recipient[rows]
        able = st.savings[who] + st.income[who] / 12.0 >= ob.owed[j, who]
        pay = np.unique(who[able])
        if pay.size == 0:
            return
        ob.settle(st, j, pay)
        self.settled_by_letter += int(pay.size)

    # -- outcome ----------------------------------------------------------------------------
    def close_books(self, sim: Sim) -> None:
        """Close the books at the end of the run: windows still running are checked once more."""
        self._track(sim, sim.scenario.sim.days)

    def payment_rate(self, sim: Sim) -> float | None:
        """Share of letters whose obligation closed within the response window."""
        if self.recipient.size == 0:
            return None
        self.close_books(sim)
        return float((self.paid_day >= 0).mean())

    # -- results --------------------------------------------------------------------------
    def results(self, sim: Sim) -> list[ResultSpec]:
        """The trial's outcome: letters sent, paid within the window, what they stated."""
        return [
            ResultSpec("letters_sent", "letters", "letters sent over the run (agents, unscaled)", "i8", kind="figure"),
            ResultSpec(
                "letters_paid_share",
                "share",
                "share of letters whose obligation closed within the response window (None: none sent)",
                "object",
                kind="figure",
            ),
            ResultSpec(
                "letters_stated_mean",
                "share",
                "mean share of payers the letters stated (None for the control reminder)",
                "object",
                kind="figure",
            ),
            ResultSpec(
                "letters_actual_share",
                "share",
                "share of adults who missed no payment in the lookback, at the last sending (None: none sent)",
                "object",
                kind="figure",
            ),
            ResultSpec(
                "letters_response_mean",
                "probability",
                "mean modelled probability of responding to a letter, before the ability check",
                "object",
                kind="figure",
            ),
        ]

    def finish(self, sim: Sim, out: dict[str, Any]) -> None:
        stated = self.stated
        out["letters_sent"] = int(self.recipient.size)
        out["letters_paid_share"] = self.payment_rate(sim)
        out["letters_stated_mean"] = None if stated.size == 0 or np.isnan(stated).all() else float(np.nanmean(stated))
        out["letters_actual_share"] = None if np.isnan(self.actual_share) else float(self.actual_share)
        out["letters_response_mean"] = None if self.p_respond.size == 0 else float(self.p_respond.mean())
