"""Typed aliases of the scenario schema's units: one definition of each range.

Field names carry units (``*_share`` a fraction, ``*_per_year`` a rate, ``*_days`` a
duration); these aliases carry their ranges, so a field reads ``cut_share: Share =
Field(0.0, description=...)`` instead of repeating ``ge=0.0, le=1.0``. A field adds its own
upper bound where it has one (``Field(1.0, le=365.0)`` on a ``Rate``).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

__all__ = ["Days", "Rate", "Share"]

#: A fraction in [0, 1] (``*_share``, probabilities, weights).
Share = Annotated[float, Field(ge=0.0, le=1.0)]
#: A non-negative rate (``*_per_year``); each field states its own upper bound.
Rate = Annotated[float, Field(ge=0.0)]
#: A non-negative whole number of days (``*_days``); each field states its own upper bound.
Days = Annotated[int, Field(ge=0)]
