"""SCS-core in Mesa 3: the reference model of architecture.md, written the idiomatic Mesa way.

One ``mesa.Agent`` per person holding its own state as Python attributes, a per-day
``model.agents.shuffle_do("step")``, a ``DataCollector`` for the daily outputs and a plain
list-of-lists random friendship graph. That per-agent-object style is deliberately *not*
scslab's (struct-of-arrays, calendars, numba): the point of ``compare_mesa.py`` is to time
the two styles on the same model. This file is a benchmark, not part of the package; it
needs ``mesa>=3`` (``pip install "mesa>=3"``), which scslab itself never imports.

The equations are scslab's for these four behaviours (docs/model.md sections 1-6, 8, 9),
and every number is read from ``benchmarks/scs_core.toml`` -- the same file scslab runs --
so a change there changes both models. Simplifications against scslab (they are why the
aggregate dynamics agree only approximately; see docs/performance.md):

- income is a plain lognormal (scslab also multiplies by education, age and region, which
  fattens the tails before re-centring on the same median);
- agents act in a shuffled order and update beliefs, records and lists in their own step,
  where scslab runs each phase (decide, detect, record, list, sanction, economy) for
  everyone before the next;
- independent random streams (Python's ``random``), so runs agree in distribution only.
"""

from __future__ import annotations

import math
import re
import tomllib
from pathlib import Path

import mesa

__all__ = ["DEFAULT_TOML", "Person", "ScsCore", "load_params", "sanction_weights"]

DEFAULT_TOML = Path(__file__).with_name("scs_core.toml")
SAVINGS_SHAPE = 0.7  # gamma shape of savings in months of income (scslab population/synth.py)
CONSUMPTION_SHARE = 0.9  # share of normal income spent (scslab engine/feedback.py)
RECENT_WEIGHT = 0.2  # weight of the latest decision in the visible violation record (engine/behaviour.py)
GAIN = 1.0  # Behaviour.gain default (schema.py): not set in the TOML
PROHIBITED_KINDS = ("obligation", "prohibition")


def load_params(path: Path | str = DEFAULT_TOML) -> dict:
    """The scenario as a plain dict (no scslab import: this model stands on its own)."""
    with open(path, "rb") as f:
        return tomllib.load(f)


def _triggers(entry: str, beh: dict) -> bool:
    """Can a record of this behaviour put someone on the list? (scslab behaviour._triggers, reduced
    to the names SCS-core's rule can use.)"""
    names = set(re.findall(r"[a-z_][a-z0-9_]*", entry))
    if f"records_{beh['name']}" in names or f"records_{beh['domain']}" in names:
        return True
    if names & {"records", "bad_records", "score", "points", "grade"}:
        return True
    return beh["kind"] == "obligation" and bool(
        names & {"debt", "unpaid_days", "able_to_pay", "open_obligations", f"unpaid_days_{beh['name']}"}
    )


def sanction_weights(p: dict) -> list[float]:
    """S_b: what people expect a recorded act of b to bring (docs/model.md section 4)."""
    lists = {x["name"]: x for x in p["lists"]}
    aware = p["model"]["awareness"]
    median = p["population"]["income_median_per_year"]
    scale = p.get("policy", {}).get("sanction_scale", 1.0) ** p["model"]["severity_elasticity"]
    out = []
    for b in p["behaviours"]:
        w = max(0.0, -b["points"]) / 50.0
        for m in p["measures"]:
            if not _triggers(lists[m["list"]]["entry"], b) or b["kind"] == "good_deed":
                continue
            mw = abs(m.get("income_effect", 0.0)) * 5.0 + (0.3 if m.get("blocks") else 0.0)
            mw = (mw + m.get("benefit", 0.0) / median) * (aware if m.get("joint", True) else 1.0)
            if m.get("kind", "sanction") == "sanction" or b["points"] < 0:
                w += mw
        out.append(w * scale)
    return out


def _gap(u: float, per_year: float) -> int:
    """Exponential waiting time in whole days, at least one (as scslab's calendars)."""
    return max(1, math.ceil(-math.log1p(-u) * 365.0 / per_year)) if per_year > 0 else 10**9


class Person(mesa.Agent):
    """One person: traits, beliefs, money, open obligations, points and list status."""

    def __init__(self, model: ScsCore, income: float, savings: float, honesty: float) -> None:
        super().__init__(model)
        B = len(model.behs)
        self.base_income = income
        self.income = income
        self.savings = savings
        self.honesty = honesty
        self.norm = 0.0
        self.perceived = list(model.prior)
        self.recent_violation = 0.0
        self.peer_share = 0.0
        self.seen_share = 0.0
        self.friends: list[Person] = []
        self.open_since = [-1] * B  # day an obligation opened (-1 none)
        self.owed = [0.0] * B
        self.debt = 0.0
        self.points = 0.0  # sum of record points
        self.score = model.start
        self.records = [0] * B
        self.last_record_true = [True] * B  # ground truth of the newest record, per behaviour
        self.listed = False
        self.list_expiry = -1
        self.wrongful = False
        self.effect = 0.0  # summed income_effect of the measures on this person
        r = self.random.random
        self.next_opp = [_gap(r(), b["opportunities_per_year"]) - 1 for b in model.behs]
        self.next_shock = _gap(r(), model.mdl["shocks_per_year"])
        self.next_false_match = _gap(r(), model.fm_rate) if model.fm_rate > 0 else 10**9

    # -- the day ---------------------------------------------------------------------------
    def step(self) -> None:
        m, day = self.model, self.model.day
        for b, spec in enumerate(m.behs):
            if self.next_opp[b] == day:
                self.next_opp[b] = day + _gap(self.random.random(), spec["opportunities_per_year"])
                self.decide(b, spec, day)
        self.settle()
        if self.next_false_match == day:
            self.next_false_match = day + _gap(self.random.random(), m.fm_rate)
            m.false_matches += 1
            self.record(m.fm_beh, truth=False)
        self.review_list(day)
        self.economy(day)

    def decide(self, b: int, spec: dict, day: int) -> None:
        m, mdl = self.model, self.model.mdl
        m.opportunities[b] += 1
        u = self.random.random()
        if spec["kind"] == "good_deed":
            logit = (
                spec["base_logit"]
                + spec.get("reward_value", 0.0)
                + mdl["w_norm"] * self.norm
                + mdl["w_honesty"] * (self.honesty - 0.5)
            )
            if u < 1.0 / (1.0 + math.exp(-logit)):
                m.good_deeds[b] += 1
                self.detect(b, learn=False)
            return
        watched = min(1.0, self.perceived[b] + m.w_seen * self.seen_share)
        stress = min(3.0, max(0.0, -self.savings / max(self.base_income / 12.0, 1.0)))
        logit = (
            spec["base_logit"]
            + GAIN
            - mdl["w_deterrence"] * watched * m.sanction_w[b]
            - mdl["w_honesty"] * (self.honesty - 0.5)
            - mdl["w_norm"] * self.norm
            + mdl["w_peer"] * self.peer_share
            + mdl["w_stress"] * stress
        )
        viol = u < 1.0 / (1.0 + math.exp(-logit))
        if spec["kind"] == "obligation":  # ability before willingness
            amount = spec["amount_months"] * self.base_income / 12.0
            if self.savings + self.income / 12.0 < amount:
                m.involuntary += not viol
                viol = True
            if viol:
                if self.open_since[b] < 0:
                    self.open_since[b] = day
                self.owed[b] += amount
                self.debt += amount
        if viol:
            m.violations[b] += 1
            self.detect(b, learn=True)
        if mdl["internalisation"]:  # norms: compliance under observation builds them
            per_event = 1.0 / m.events_per_year
            up = mdl["norm_gain_per_year"] * per_event * watched * (not viol)
            down = mdl["norm_decay_per_year"] * per_event * (1.0 - watched)
            n = self.norm
            n = n + up * (1.0 - n) - down * n - viol * mdl["norm_loss_per_violation"] * n
            self.norm = min(1.0, max(0.0, n))
        self.recent_violation = (1 - RECENT_WEIGHT) * self.recent_violation + RECENT_WEIGHT * viol

    def detect(self, b: int, learn: bool) -> None:
        """The behaviour's source sees the act (or misses it); violators and their friends learn."""
        m = self.model
        seen = self.random.random() < m.detect[b]
        if seen:
            self.record(b, truth=True)
        if learn:
            d, lr, vr = float(seen), m.per["learning_rate"], m.per["vicarious_rate"]
            self.perceived[b] += lr * (d - self.perceived[b])
            for f in self.friends:
                f.perceived[b] += vr * (d - f.perceived[b])

    def record(self, b: int, truth: bool) -> None:
        m = self.model
        m.records += 1
        self.records[b] += 1
        self.last_record_true[b] = truth
        self.points += m.behs[b]["points"]
        self.score = min(m.smax, max(m.smin, m.start + self.points))

    def settle(self) -> None:
        """Open obligations are paid at a hazard raised by sanctions, if the person can pay."""
        m = self.model
        for b in m.obligations:
            if self.open_since[b] < 0 or self.savings + self.income / 12.0 < self.owed[b]:
                continue
            h = m.behs[b]["repay_per_year"] / 365.0 * (1.0 + m.mdl["w_pressure"] * self.listed)
            if self.random.random() < h:
                self.savings -= self.owed[b]
                self.debt = max(0.0, self.debt - self.owed[b])
                self.owed[b] = 0.0
                self.open_since[b] = -1

    def review_list(self, day: int) -> None:
        """Term end, exit on performance, entry on a recorded debt unpaid for long (in that order)."""
        m = self.model
        unpaid = [day - s if s >= 0 else 0 for s in self.open_since]
        if self.listed and (day >= self.list_expiry or (max(unpaid) == 0 and self.debt == 0)):
            self.listed = False
            m.listed -= 1
            m.wrongful_listed -= self.wrongful
            self.income_effect(+1)
        if not self.listed and m.entry(self, unpaid):
            self.listed, self.list_expiry = True, day + m.term_days
            self.wrongful = not self.last_record_true[m.debt_b]
            m.listed += 1
            m.wrongful_listed += self.wrongful
            self.income_effect(-1)
        if self.listed:
            for rate in m.attempts:
                if self.random.random() < rate / 365.0:
                    m.blocks += 1

    def income_effect(self, sign: int) -> None:
        """Add (-1: listed) or remove (+1: delisted) the list's income effect (a negative share)."""
        self.effect -= sign * self.model.list_income_effect

    def economy(self, day: int) -> None:
        m = self.model
        self.income = self.base_income * max(0.0, 1.0 + self.effect)
        spend = max(CONSUMPTION_SHARE * self.base_income, m.mdl["subsistence_per_year"])
        self.savings += (self.income - spend) / 365.0
        if self.next_shock == day:
            self.savings -= m.mdl["shock_months"] * self.base_income / 12.0
            self.next_shock = day + _gap(self.random.random(), m.mdl["shocks_per_year"])

    # -- weekly social updates, in two passes so everyone reads the same snapshot -----------
    def look(self) -> None:
        fr = self.friends
        if not fr:
            self._new = (0.0, 0.0, 0.0)
            return
        k = len(fr)
        mine = sum(self.perceived) / len(self.perceived)
        theirs = sum(sum(f.perceived) for f in fr) / (k * len(self.perceived))
        self._new = (
            sum(f.recent_violation for f in fr) / k,
            sum(f.listed for f in fr) / k,
            self.model.per["social_rate"] * (theirs - mine),
        )

    def adopt(self) -> None:
        self.peer_share, seen, shift = self._new
        self.seen_share = self.model.visibility * seen
        self.perceived = [min(1.0, max(0.0, p + shift)) for p in self.perceived]


class ScsCore(mesa.Model):
    """The SCS-core model; ``ScsCore(n=10_000, seed=1).run(365)`` returns the daily table."""

    def __init__(self, n: int | None = None, seed: int = 1, params: dict | None = None) -> None:
        super().__init__(seed=seed)
        p = params or load_params()
        pop, self.mdl, self.per = p["population"], p["model"], p["model"]["perception"]
        n = n or pop["n"]
        self.behs = p["behaviours"]
        B = len(self.behs)
        names = [b["name"] for b in self.behs]
        self.obligations = [b for b, x in enumerate(self.behs) if x["kind"] == "obligation"]
        self.events_per_year = sum(x["opportunities_per_year"] for x in self.behs if x["kind"] in PROHIBITED_KINDS)
        scale = p.get("policy", {}).get("detection_scale", 1.0)
        self.detect = [0.0] * B
        self.fm_rate, self.fm_beh = 0.0, 0
        for s in p["sources"]:  # one source per behaviour in SCS-core
            for name, q in s.get("detects", {}).items():
                self.detect[names.index(name)] = min(1.0, q * scale)
            if s.get("false_match_per_year", 0.0) > 0:
                self.fm_rate = s["false_match_per_year"] * scale
                self.fm_beh = names.index(s["false_match_behaviour"])
        vis = self.per["visibility"]
        self.prior = [(1 - vis) * self.per["initial"] + vis * d for d in self.detect]
        self.w_seen = self.per["w_seen"]
        self.visibility = 1.0 if p.get("policy", {}).get("publicity", True) else self.per["private_visibility"]
        self.sanction_w = sanction_weights(p)
        sc = p["scoring"]
        self.start, self.smin, self.smax = sc["start"], sc["min"], sc["max"]
        self.bands = [(x["name"], x["min"]) for x in sc["bands"]]
        (lst,) = p["lists"]
        self.term_days = lst["term_days"]
        self.debt_b = names.index("debt_repayment")
        self.list_income_effect = sum(m.get("income_effect", 0.0) for m in p["measures"])
        self.attempts = [m["attempts_per_year"] for m in p["measures"] if m.get("blocks")]
        self.day = 0
        self.listed = self.wrongful_listed = self.blocks = 0
        self.reset_counters()
        g = self.rng
        income = pop["income_median_per_year"] * g.lognormal(0.0, pop["income_sigma"], n)
        months = g.gamma(SAVINGS_SHAPE, pop["savings_months_mean"] / SAVINGS_SHAPE, n)
        honesty = g.beta(pop["honesty_alpha"], pop["honesty_beta"], n)
        people = [
            Person(self, float(income[i]), float(income[i] / 12 * months[i]), float(honesty[i])) for i in range(n)
        ]
        pairs = round(n * pop["friends_mean_degree"] / 2)  # Erdos-Renyi by random pairs, as scslab
        edges = set()
        for a, b in zip(g.integers(0, n, pairs).tolist(), g.integers(0, n, pairs).tolist()):
            if a != b:
                edges.add((min(a, b), max(a, b)))
        for a, b in edges:
            people[a].friends.append(people[b])
            people[b].friends.append(people[a])
        reporters = {
            f"violations_{x['name']}": (lambda b: lambda mo: mo.violations[b])(b)
            for b, x in enumerate(self.behs)
            if x["kind"] in PROHIBITED_KINDS
        }
        reporters.update(
            {
                f"opportunities_{x['name']}": (lambda b: lambda mo: mo.opportunities[b])(b)
                for b, x in enumerate(self.behs)
            }
        )
        reporters.update(
            {
                f"good_deeds_{x['name']}": (lambda b: lambda mo: mo.good_deeds[b])(b)
                for b, x in enumerate(self.behs)
                if x["kind"] == "good_deed"
            }
        )
        reporters.update(
            {
                "score_mean": lambda mo: mo.agents.agg("score", lambda v: sum(v) / len(v)),
                "listed_total": "listed",
                "wrongful_listed": "wrongful_listed",
                "blocks": "blocks_today",
                "false_matches": "false_matches",
                "records": "records",
                "involuntary": "involuntary",
                "norm_mean": lambda mo: mo.agents.agg("norm", lambda v: sum(v) / len(v)),
            }
        )
        for k, (name, _) in enumerate(self.bands):
            reporters[f"grade_share_{name}"] = (lambda k: lambda mo: mo.shares[k])(k)
        self.datacollector = mesa.DataCollector(model_reporters=reporters)

    def entry(self, a: Person, unpaid: list[int]) -> bool:
        """``records_debt_repayment >= 1 and unpaid_days_debt_repayment > 30`` (scs_core.toml)."""
        return a.records[self.debt_b] >= 1 and unpaid[self.debt_b] > 30

    def grade_shares(self) -> list[float]:
        counts = [0] * len(self.bands)
        for s in self.agents.get("score"):
            counts[next((k for k, (_, lo) in enumerate(self.bands) if s >= lo), len(self.bands) - 1)] += 1
        return [c / len(self.agents) for c in counts]

    def reset_counters(self) -> None:
        B = len(self.behs)
        self.opportunities, self.violations, self.good_deeds = [0] * B, [0] * B, [0] * B
        self.involuntary = self.false_matches = self.records = 0
        self._blocks0 = self.blocks

    def step(self) -> None:
        self.reset_counters()
        self.agents.shuffle_do("step")
        if self.day % self.mdl["social_update_days"] == 0:
            self.agents.do("look")
            self.agents.do("adopt")
        self.blocks_today = self.blocks - self._blocks0
        self.shares = self.grade_shares()  # one pass for all grade reporters
        self.datacollector.collect(self)
        self.day += 1

    def run(self, days: int):
        for _ in range(days):
            self.step()
        return self.datacollector.get_model_vars_dataframe()


if __name__ == "__main__":
    import sys

    df = ScsCore(n=int(sys.argv[1]) if len(sys.argv) > 1 else 2000).run(int(sys.argv[2]) if len(sys.argv) > 2 else 60)
    print(df.tail())
