"""What happened today, for the modules later in the day: the per-day event buffers.

Why buffers instead of calls: a module that needs another's output reads it here, in its
own step, after the producer filled it in *its* step. So the loop table in
``engine/sim.py`` is the order in which things happen, and no module reaches into another.
:meth:`Events.clear` runs at the start of every day; nothing survives the day (what must
wait longer -- observations filed with a delay, record expiries -- sits in queues in
``sim.state`` or in the module that owns the deadline).

| buffer              | producer (row)          | consumers (row)                          |
|---------------------|-------------------------|------------------------------------------|
| ``acts``            | behaviour               | sources                                  |
| ``detections``      | sources                 | perception                               |
| ``records_written`` | ledger                  | scoring, repair, results (ledger)        |
| ``spell_changes``   | lists                   | measures, results (lists)                |
| ``records_retired`` | repair                  | retirement                               |
| ``records_corrected``| repair                 | retirement                               |
| ``spells_corrected``| retirement              | measures, results (lists)                |
| ``exposed``         | measures                | exclusion                                |

Each buffer holds NumPy arrays (or an ordered list of batches where the order of events
within the day matters: a sanction lifted before another is applied to the same subject
changes a floating-point sum).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["SPELL_END", "SPELL_START", "Events"]

SPELL_START, SPELL_END = 1, -1


def _ids() -> np.ndarray:
    return np.empty(0, np.int64)


@dataclass
class Events:
    """The day's event buffers (see the module docstring for who fills and reads each).

    - ``acts``: today's observable acts, ``(subjects, behaviour codes)``;
    - ``detections``: the acts the sources saw or missed, ``(subjects, behaviours, detected)``;
    - ``records_written``: ids of the records the ledger wrote today;
    - ``spell_changes``: ``(SPELL_START | SPELL_END, spell ids)`` in the order lists made them;
    - ``records_retired``: ``(status, record ids)`` in the order repair retired them;
    - ``records_corrected``: ids of records found false on verification today;
    - ``spells_corrected``: ids of the spells retirement ended because their cause was corrected;
    - ``exposed``: batches of subjects a publicity measure exposed today.
    """

    acts: tuple[np.ndarray, np.ndarray] = field(default_factory=lambda: (_ids(), np.empty(0, np.int16)))
    detections: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
    records_written: np.ndarray = field(default_factory=_ids)
    spell_changes: list[tuple[int, np.ndarray]] = field(default_factory=list)
    records_retired: list[tuple[int, np.ndarray]] = field(default_factory=list)
    records_corrected: np.ndarray = field(default_factory=_ids)
    spells_corrected: np.ndarray = field(default_factory=_ids)
    exposed: list[np.ndarray] = field(default_factory=list)

    def clear(self) -> None:
        """Empty every buffer (the start of a day)."""
        fresh = Events()
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(fresh, name))

    def spells_started(self) -> np.ndarray:
        """Ids of the spells lists started today."""
        return _cat([ids for kind, ids in self.spell_changes if kind == SPELL_START])

    def spells_ended(self) -> np.ndarray:
        """Ids of the spells that ended today (by term, on performance, or by a correction)."""
        return _cat([ids for kind, ids in self.spell_changes if kind == SPELL_END] + [self.spells_corrected])


def _cat(parts: list[np.ndarray]) -> np.ndarray:
    parts = [p for p in parts if p.size]
    if not parts:
        return _ids()
    return np.concatenate(parts).astype(np.int64, copy=False)
