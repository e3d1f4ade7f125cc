"""The server's limits: how big one run may be and how many may wait.

Why limits at all: anything that reaches a server is untrusted, and a single request for a
hundred million persons over a century would take the machine down for everyone. Each
limit is checked before any work starts; a request over a size limit is answered ``422``
naming the limit, a full queue ``429`` with a ``Retry-After`` hint.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["Limits"]


@dataclass(frozen=True)
class Limits:
    """Server limits (``scslab serve --max-n ...`` changes them; docs/reliability.md explains them)."""

    #: persons simulated in one run
    max_n: int = 1_000_000
    #: simulated years in one run
    max_years: float = 10.0
    #: persons x days of one run (about 20 million agent-days per second on 2 cores: ~1 minute)
    max_agent_days: int = 1_100_000_000
    #: runs and compare experiments queued or running at once
    max_jobs: int = 8
    #: worker processes simulating at once (each uses every core through numba's threads)
    workers: int = 1
    #: overrides in one request's ``set`` and timed changes in its ``schedule``
    max_overrides: int = 32
    max_schedule: int = 4
    #: arms x replicates of one compare experiment
    max_compare_runs: int = 10
    #: stored runs the server keeps (a new run beyond this is refused until some are deleted)
    max_stored_runs: int = 500
    #: rows one list request returns (subjects browsed, runs listed)
    max_page: int = 200
    #: credit files looked up at once (more wait their turn, first come first served): as many
    #: as the database can answer in parallel; twenty threads sharing two cores would only
    #: make every look-up wait for all the others
    lookup_threads: int = 2
    #: memory (MB) for the credit-file tables of the runs most recently looked up: a run's
    #: subjects, records, spells and measures held in memory answer a look-up without SQL
    #: (about 80 MB for a 1 M-person year); a run too big for this is answered with queries
    lookup_memory_mb: int = 1024
    #: request body size in bytes
    max_body: int = 64 * 1024
    #: seconds a client is told to wait when the queue is full
    retry_after_s: int = 10

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
