"""Indicators of the reminder-letter trial (bit-nudge, facts 7.14-7.17).

The trial's outcome is the share of *letter recipients* who paid within the response
window (HMRC's 67.5 % control vs 72.5 % national norm, facts 7.15), not the share of all
obligation opportunities met. The common set's ``payment_rate`` reports that outcome when
letters went out (and the share of obligations met otherwise); this set adds the letters'
own figures.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .registry import IndicatorSet

if TYPE_CHECKING:
    from ...engine.results import Results
    from ...engine.sim import Sim

__all__ = [
    "SET",
    "letter_actual_share",
    "letter_payment_rate",
    "letter_recipients",
    "letter_response_probability",
    "letter_stated_share",
    "letters_module",
]

SET = IndicatorSet("letters")


def letters_module(sim: Sim) -> Any | None:
    """The run's letters extension, or None when ``[letters]`` is not enabled (for tests
    that inspect a live run; the indicators read the module's declared figures)."""
    return sim.module("letters")


@SET.register("letter_payment_rate")
def letter_payment_rate(res: Results) -> float | None:
    """Share of letters whose obligation was paid within the response window."""
    return res.figures.get("letters_paid_share")


@SET.register("letter_recipients")
def letter_recipients(res: Results) -> float:
    """Letters sent, in real people (times the population scale)."""
    return float(res.figures.get("letters_sent", 0) * res.scale)


@SET.register("letter_stated_share")
def letter_stated_share(res: Results) -> float | None:
    """Mean share of payers the letters stated (None for the control reminder)."""
    return res.figures.get("letters_stated_mean")


@SET.register("letter_actual_share")
def letter_actual_share(res: Results) -> float | None:
    """Simulated national share of adults who missed no payment in the lookback (at sending)."""
    return res.figures.get("letters_actual_share")


@SET.register("letter_response_probability")
def letter_response_probability(res: Results) -> float | None:
    """Mean modelled probability of responding to the letter (before the ability check)."""
    return res.figures.get("letters_response_mean")
