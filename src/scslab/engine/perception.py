"""The perception row: people learn from whether today's violations were caught.

Each violation nudges the violator's perceived detection toward what happened (caught or
not), and -- more weakly -- that of everyone in their three circles (household,
colleagues, friends) who saw it. The sources publish what they saw and missed in
``sim.events.detections``; this row turns it into beliefs (``sim.state.perceived``).

:func:`learn` is the rule itself, shared with the epidemic, whose isolated people learn
from their own breaches before the day's decisions (its row comes before behaviour).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..jit import njit
from .module import SAMPLE_EVERY, Module, ResultSpec

if TYPE_CHECKING:
    from .sim import Sim

__all__ = ["PerceptionModule", "learn"]


@njit(cache=True)
def _vicarious(indptr, indices, subj, beh, detected, perceived, rate):
    """Contacts of each violator update their belief about that behaviour toward the outcome."""
    for k in range(subj.shape[0]):
        i, b, d = subj[k], beh[k], detected[k]
        for e in range(indptr[i], indptr[i + 1]):
            j = indices[e]
            perceived[b, j] += rate * (d - perceived[b, j])


def learn(sim: Sim, subj: np.ndarray, beh: np.ndarray, detected: np.ndarray) -> None:
    """Experience: violators (and their circles) move ``state.perceived`` toward what happened.

    Good deeds teach nothing about detection and are skipped.
    """
    per, st = sim.scenario.model.perception, sim.state
    good = np.array([b.kind == "good_deed" for b in sim.scenario.behaviours], bool)
    keep = ~good[beh]
    s, b, d = subj[keep], beh[keep], detected[keep].astype(np.float32)
    p = st.perceived[b, s]
    st.perceived[b, s] = p + per.learning_rate * (d - p)
    if per.vicarious_rate > 0 and s.size:
        people = s < st.n
        for net in (sim.pop.household_net, sim.pop.work_net, st.friend_net):
            _vicarious(
                net.indptr,
                net.indices,
                s[people],
                b[people].astype(np.int64),
                d[people],
                st.perceived,
                np.float32(per.vicarious_rate),
            )


class PerceptionModule(Module):
    """violators and those who saw them learn whether they were caught"""

    name = "perception"

    def step(self, sim: Sim, day: int) -> None:
        if sim.events.detections is not None:
            learn(sim, *sim.events.detections)

    def results(self, sim: Sim) -> list[ResultSpec]:
        """The persons' mean perceived detection rate."""
        return [
            ResultSpec(
                "perceived_mean",
                "share",
                "mean perceived detection rate, persons x behaviours",
                every=SAMPLE_EVERY,
                reduce="mean",
            )
        ]

    def record(self, sim: Sim, day: int, out: Any) -> None:
        if out.sampling:
            st = sim.state
            out["perceived_mean"] = st.perceived[:, : st.n].mean() if st.perceived.shape[0] else 0.0
