"""The common indicator set: figures any preset can report (lists, blocks, payments).

Counts of people are multiplied by the population scale factor so they compare with
published national or city figures.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from ...engine.results import END_REASONS
from .. import core
from .registry import IndicatorSet

if TYPE_CHECKING:
    from ...engine.results import Results

__all__ = ["SET"]

SET = IndicatorSet("common")


def _blocks(kind: str) -> Callable[[Results], float]:
    def f(res: Results) -> float:
        return int(res.figures["blocked_by_service"].get(kind, 0)) * res.scale

    return f


def _paid_after_listing(res: Results) -> float:
    sp = res.list_spells
    black = np.isin(sp["list"], core.black_lists(res))
    return float((black & (sp["end_reason"] == END_REASONS.index("performance"))).sum() * res.scale)


def _payment_rate(res: Results) -> float | None:
    """Share of obligations paid on time: the letter trial's outcome when letters went out.

    With a reminder-letter trial (``[letters]``, bit-nudge) the share of letter recipients
    who paid within the response window (facts 7.15); otherwise the share of obligation
    opportunities met on time.
    """
    fig = res.figures
    if fig.get("letters_sent"):
        return fig["letters_paid_share"]
    obligations = [b["name"] for b in res.scenario["behaviours"] if b["kind"] == "obligation"]
    viol = sum(res.series[f"violations_{b}"].sum() for b in obligations)
    opp = sum(fig["opportunities_by_behaviour"][b] for b in obligations)
    return None if opp == 0 else float(1.0 - viol / opp)


SET.add(
    "ever_listed",
    lambda r: core.ever_listed(r) * r.scale,
    unit="people",
    description="people ever on a blacklist (times the population scale)",
)
SET.add(
    "listed_now",
    lambda r: core.listed_now(r) * r.scale,
    unit="people",
    description="people on a blacklist at the end of the run (times the scale)",
)
SET.add(
    "wrongful_listings",
    lambda r: core.wrongful_listings(r) * r.scale,
    unit="people",
    description="list entries of people who did not commit the listed act (times the scale)",
)
SET.add(
    "paid_after_listing",
    _paid_after_listing,
    unit="people",
    description="blacklist spells ended by performance (paying up), times the scale",
)
for _service in ("flight", "rail", "loan", "hiring"):
    SET.add(
        f"{_service}_blocks",
        _blocks(_service),
        unit="attempts",
        description=f"blocked {_service} attempts, each counted once per subject (times the scale)",
    )
SET.add("payment_rate", _payment_rate, unit="share")
SET.add(
    "records_per_capita",
    lambda r: len(r.records["subject"]) / max(r.n_persons, 1),
    unit="records per person",
    description="records written per simulated person",
)
