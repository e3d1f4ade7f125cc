"""The retirement row: records retired today stop counting.

Repair decides which records expire, are repaired or are found false, and writes their new
status at once (``events.records_retired``, ``events.records_corrected``). Their
consequences land here, the same day, in the order repair retired them:

1. the per-subject record counters rules read lose them (the lists row sees that
   tomorrow, as the rows that changed are marked ``dirty``);
2. their points leave the score (:class:`.scoring.ScoreBook`);
3. the open spells a corrected record caused end, as ``corrected``
   (``events.spells_corrected``: the measures row lifts their measures next).

Why a row of its own and not part of scoring, lists or repair: scores must move twice a
day -- for the records written today before lists decide, for the records retired today
after repair -- and a module has one step. Writing the second pass as a row makes the
loop table the real order of events.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .module import Module
from .spells import CORRECTED

if TYPE_CHECKING:
    from .sim import Sim

__all__ = ["RetirementModule"]


class RetirementModule(Module):
    """records retired today leave counters and scores; spells their false records caused end"""

    name = "retirement"

    def step(self, sim: Sim, day: int) -> None:
        st, ev = sim.state, sim.events
        for _status, ids in ev.records_retired:
            st.records.count(st, ids, -1)
            st.scores.add(sim, ids, -1.0)
        if ev.records_corrected.size:
            hit = st.spells.open_caused_by(ev.records_corrected)
            ev.spells_corrected = st.spells.end(st, hit, CORRECTED, day)
