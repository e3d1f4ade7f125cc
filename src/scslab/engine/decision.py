"""How people decide, as functions several modules share (behaviour, the epidemic, letters).

Why a module of plain functions: the epidemic's isolated people break isolation with the
same decision model as any violation, and letters use the same logistic response; keeping
the model here (rather than in one module that others would have to call into) means the
behaviour module and the epidemic compute exactly the same thing from the same inputs.
Equations: docs/model.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from ..scenario.schema import Behaviour, BehaviourModel, ListRule, Measure, Perception, Policy, Scenario
    from .sim import Sim
    from .state import State

__all__ = [
    "KIND_CODES",
    "Expectations",
    "actual_detection",
    "expected_weights",
    "measure_enabled",
    "occupation_reach",
    "sigmoid",
    "triggers",
    "violation_logit",
    "watched",
]

KIND_CODES = {"obligation": 0, "prohibition": 1, "good_deed": 2, "expression": 3}

# attributes through which any record (of any behaviour) can move a subject onto a list
_ANY_RECORD = {"records", "bad_records", "good_records", "serious_records", "score", "points", "grade"}


def sigmoid(x: np.ndarray | float) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def measure_enabled(m: Measure, policy: Policy, day: int | None = None) -> bool:
    """A measure is off if it is joint and joint sanctions are off, or public and publicity is
    off; with ``day``, also before its agency joins (``from_day``) and from ``until_day``."""
    if m.joint and not policy.joint_sanctions:
        return False
    if m.publicity and not policy.publicity:
        return False
    return day is None or (day >= m.from_day and (m.until_day is None or day < m.until_day))


def triggers(lst: ListRule, spec: Behaviour) -> bool:
    """Can a record of this behaviour help put a subject on this list (by its entry rule)?"""
    from ..scenario.expr import compile_expr

    names = compile_expr(lst.entry).names
    if f"records_{spec.name}" in names or f"records_{spec.domain}" in names or names & _ANY_RECORD:
        return True
    if any(n.startswith("grade_") for n in names):
        return True
    debt_names = {"debt", "unpaid_days", "able_to_pay", "open_obligations", f"unpaid_days_{spec.name}"}
    return spec.kind == "obligation" and bool(names & debt_names)


def occupation_reach(sc: Scenario, lst: ListRule) -> float:
    """The share of people a list can reach when its entry rule names occupations.

    Expected weights are one number per behaviour, the same for everyone, so a list for
    civil servants alone (``occupation_civil_servant and bad_records > 0``) must not weigh on
    everybody's decisions as if everybody were one: its measures count with the share of
    working-age adults in the occupations it names (their sum, an upper bound). 1 for a
    list that names none, which is every list of a scenario without occupations.
    """
    from ..scenario.expr import compile_expr

    occ = getattr(sc.population, "occupations", [])
    if not occ:
        return 1.0
    names = compile_expr(lst.entry).names
    named = [o.share for o in occ if f"occupation_{o.name}" in names]
    return min(1.0, sum(named)) if named else 1.0


def _measure_weight(m: Measure, sc: Scenario, reach: float) -> float:
    """What one measure weighs in a decision: income, a denied service, exposure and benefit (in
    units of median income), as far as people know of it (joint ones) and as far as its list reaches."""
    mw = abs(m.income_effect) * 5.0 + (0.3 if m.blocks else 0.0) + (0.3 if m.publicity else 0.0)
    mw = (mw + m.benefit / sc.population.income_median_per_year) * (sc.model.awareness if m.joint else 1.0)
    return mw * reach


def _universal(m: Measure) -> bool:
    """A measure that reaches every listed subject itself: no eligibility to evaluate."""
    return "self" in m.applies_to and m.eligible.strip() == "true"


class Expectations:
    """What each subject expects from a recorded act, per behaviour: the sanction weight of a
    violation and the reward weight of a good deed.

    For a violation: the points it costs plus every enabled measure of a list whose entry rule
    the act's records can trigger (sanctions, and rewards it would forfeit). For a good deed:
    the rewards of the lists it helps to enter. A measure counts for a subject only if it would
    apply to it: the measure's ``eligible`` rule holds for the subject itself (via ``self``) or
    for someone it reaches on the subject's behalf (its legal representative, children, spouse,
    household, represented firms), so a flight ban for persons does not deter a government body
    and a school ban does not deter the childless. Measures are grouped by (rule, links); the
    weight is ``base[b] + coef[b] @ mask[:, subject]`` where ``mask`` (groups x subjects) is
    evaluated over all subjects at once by :meth:`refresh` (rules read attributes that change:
    age, code colour), never per day per agent.
    """

    #: days between two evaluations of the eligibility rules (an assumption: eligibility
    #: changes slowly, and people learn of it with a lag)
    REFRESH_DAYS = 30

    def __init__(self, sc: Scenario) -> None:
        self.sc = sc
        pol = sc.policy
        lists = {x.name: x for x in sc.lists}
        reach = {x.name: occupation_reach(sc, x) for x in sc.lists}
        keys: list[tuple[str, tuple[str, ...]]] = []
        B = len(sc.behaviours)
        base_s, base_r = np.zeros(B), np.zeros(B)
        coef: dict[tuple[str, tuple[str, ...]], tuple[np.ndarray, np.ndarray]] = {}
        for b, spec in enumerate(sc.behaviours):
            base_s[b] = max(0.0, -spec.points) / 50.0
            for m in sc.measures:
                if not measure_enabled(m, pol) or not triggers(lists[m.list], spec):
                    continue
                mw = _measure_weight(m, sc, reach[m.list])
                to = None
                if spec.kind == "good_deed":
                    if m.kind == "reward":
                        to = 1
                elif m.kind == "sanction" or spec.points < 0:
                    to = 0
                if to is None:
                    continue
                if _universal(m):
                    (base_s, base_r)[to][b] += mw
                    continue
                key = (m.eligible.strip(), tuple(sorted(m.applies_to)))
                if key not in coef:
                    keys.append(key)
                    coef[key] = (np.zeros(B), np.zeros(B))
                coef[key][to][b] += mw
        scale = pol.sanction_scale**sc.model.severity_elasticity
        self.keys = keys
        self.base_sanction = base_s * scale
        self.base_reward = base_r
        G = len(keys)
        self.coef_sanction = np.array([coef[k][0] for k in keys]).T.reshape(B, G) * scale
        self.coef_reward = np.array([coef[k][1] for k in keys]).T.reshape(B, G)
        self.mask: np.ndarray | None = None  # (groups, subjects) bool, from refresh
        self.refreshed = -(10**9)

    def upper(self) -> tuple[np.ndarray, np.ndarray]:
        """(sanction, reward) weight per behaviour for a subject every measure would reach."""
        return self.base_sanction + self.coef_sanction.sum(axis=1), self.base_reward + self.coef_reward.sum(axis=1)

    def due(self, day: int) -> bool:
        return bool(self.keys) and (self.mask is None or day - self.refreshed >= self.REFRESH_DAYS)

    def refresh(self, sim: Sim, day: int) -> None:
        """Evaluate every group's eligibility rule over all subjects, once, vectorised."""
        from ..scenario.expr import compile_expr
        from .attributes import SubjectView, attribute_names

        st = sim.state
        S, n = st.S, st.n
        everyone = np.arange(S, dtype=np.int64)
        view = SubjectView(sim, everyone)
        names = attribute_names(sim)
        mask = np.zeros((len(self.keys), S), np.bool_)
        rules: dict[str, np.ndarray] = {}
        for g, (rule, vias) in enumerate(self.keys):
            ok = rules.get(rule)
            if ok is None:
                ok = rules[rule] = np.asarray(compile_expr(rule, names).condition(view, S), np.bool_)
            for via in vias:
                mask[g] |= _reached(sim, via, ok, S, n)
        self.mask = mask
        self.refreshed = day

    def sanction(self, b: int, idx: np.ndarray) -> np.ndarray | float:
        """Expected sanction weight of behaviour ``b`` for the subjects ``idx``."""
        if self.mask is None or not self.keys:
            return float(self.base_sanction[b] + self.coef_sanction[b].sum())
        return self.base_sanction[b] + self.coef_sanction[b] @ self.mask[:, idx]

    def reward(self, b: int, idx: np.ndarray) -> np.ndarray | float:
        """Expected reward weight of good deed ``b`` for the subjects ``idx``."""
        if self.mask is None or not self.keys:
            return float(self.base_reward[b] + self.coef_reward[b].sum())
        return self.base_reward[b] + self.coef_reward[b] @ self.mask[:, idx]


def _reached(sim: Sim, via: str, ok: np.ndarray, S: int, n: int) -> np.ndarray:
    """Subjects (S,) for whom a measure along ``via`` reaches someone eligible (``ok``, per subject)."""
    st = sim.state
    out = np.zeros(S, np.bool_)
    if via == "self":
        return ok
    if via == "legal_rep":
        rep = np.asarray(st.legal_rep, np.int64)
        has = rep >= 0
        out[n:][has] = ok[rep[has]]
        return out
    if via == "spouse":
        sp = np.asarray(st.spouse, np.int64)
        has = sp >= 0
        out[:n][has] = ok[sp[has]]
        return out
    csr = {"children": st.children, "represented_firms": st.represented, "household": sim.pop.household_net}[via]
    deg = np.diff(np.asarray(csr.indptr, dtype=np.int64)).astype(np.int64)
    if deg.sum() == 0:
        return out
    rows = np.repeat(np.arange(deg.size), deg)
    hits = np.bincount(rows, weights=ok[csr.indices].astype(np.float64), minlength=deg.size)
    out[: deg.size] = hits > 0
    return out


def expected_weights(sc: Scenario) -> tuple[np.ndarray, np.ndarray]:
    """(sanction weight, reward weight) per behaviour for a subject every measure would reach
    (an upper bound; what each subject expects is :class:`Expectations`)."""
    return Expectations(sc).upper()


def actual_detection(sc: Scenario) -> np.ndarray:
    """Probability that at least one source detects each behaviour (urban coverage, current scale)."""
    names = [x.name for x in sc.behaviours]
    miss = np.ones(len(names))
    for s in sc.sources:
        for name, p in s.detects.items():
            miss[names.index(name)] *= 1.0 - min(1.0, p * s.coverage_urban * sc.policy.detection_scale)
    return 1.0 - miss


def watched(state: State, per: Perception, b: int, idx: np.ndarray) -> np.ndarray:
    """How watched people feel: perceived detection plus contacts seen punished (capped at 1)."""
    return np.minimum(1.0, state.perceived[b, idx] + per.w_seen * state.seen_share[idx])


def violation_logit(
    state: State,
    mdl: BehaviourModel,
    spec: Behaviour,
    weight: float | np.ndarray,
    watched: np.ndarray,
    idx: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Log-odds of violating, and the deterrence term inside it (for the self-governance index).

    ``weight`` is the behaviour's expected sanction weight of the subjects ``idx`` (:class:`Expectations`).
    """
    stress = np.clip(-state.savings[idx] / np.maximum(state.base_income[idx] / 12.0, 1.0), 0.0, 3.0)
    deterrence = mdl.w_deterrence * watched * weight
    logit = (
        spec.base_logit
        + spec.gain
        - deterrence
        - mdl.w_honesty * (state.honesty[idx] - 0.5)
        - mdl.w_norm * state.norm[idx]
        + mdl.w_peer * state.peer_share[idx]
        + mdl.w_stress * stress
    )
    return logit, deterrence
