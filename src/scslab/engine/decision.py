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
    from .state import State

__all__ = [
    "KIND_CODES",
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


def expected_weights(sc: Scenario) -> tuple[np.ndarray, np.ndarray]:
    """(sanction weight, reward weight) per behaviour: what people expect from a recorded act.

    For a violation: the points it costs plus every enabled measure of a list whose entry
    rule the act's records can trigger (sanctions, and rewards it would forfeit). For a good
    deed: the rewards of the lists it helps to enter. Joint measures count only as far as
    people know of them (``model.awareness``); money is in units of median income.
    """
    pol, aware = sc.policy, sc.model.awareness
    lists = {x.name: x for x in sc.lists}
    reach = {x.name: occupation_reach(sc, x) for x in sc.lists}
    median = sc.population.income_median_per_year
    B = len(sc.behaviours)
    sanction, reward = np.zeros(B), np.zeros(B)
    for b, spec in enumerate(sc.behaviours):
        w = max(0.0, -spec.points) / 50.0
        for m in sc.measures:
            if not measure_enabled(m, pol) or not triggers(lists[m.list], spec):
                continue
            mw = abs(m.income_effect) * 5.0 + (0.3 if m.blocks else 0.0) + (0.3 if m.publicity else 0.0)
            mw = (mw + m.benefit / median) * (aware if m.joint else 1.0) * reach[m.list]
            if spec.kind == "good_deed":
                if m.kind == "reward":
                    reward[b] += mw
            elif m.kind == "sanction" or spec.points < 0:
                w += mw
        sanction[b] = w * pol.sanction_scale**sc.model.severity_elasticity
    return sanction, reward


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
    state: State, mdl: BehaviourModel, spec: Behaviour, weight: float, watched: np.ndarray, idx: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Log-odds of violating, and the deterrence term inside it (for the self-governance index).

    ``weight`` is the behaviour's expected sanction weight (:func:`expected_weights`).
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
