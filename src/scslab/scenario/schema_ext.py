"""The scenario tables of the two optional processes, apart from :mod:`schema`.

What it holds: ``[epidemic]`` (:class:`Epidemic`: an SEIR epidemic over the household, work
and friend networks with health codes, testing, tracing and isolation, for the health-code
presets) and ``[letters]`` (:class:`Letters`: a reminder-letter trial with a stated norm, for
bit-nudge). Each table has ``enabled = false`` by default; the engine adds the matching
module (``engine/epidemic.py``, ``engine/letters.py``) to the loop only when it is enabled.
Kept apart so each process documents its own parameters next to each other.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .types import Share

__all__ = ["Epidemic", "Letters"]

SimilarityAttribute = Literal["urban", "age", "income", "education", "sex", "migrant"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)


class Epidemic(_Strict):
    """A simple SEIR transmission process over the networks, with health-code colours.

    Colours follow the Hangzhou rules (facts 8.11-8.12): *red* for confirmed cases,
    *yellow* for traced close contacts and travellers from risk areas; a coded person is
    isolated for ``*_isolation_days`` and turns green after ``*_checkin_days`` consecutive
    normal daily check-ins (a missed or abnormal check-in restarts the count). Isolation
    multiplies the person's contacts by the ``isolation_factor_*``; coded people may break
    isolation (``violation_behaviour``), which the scenario's sources detect like any act.
    """

    enabled: bool = False
    initial_infected: int = Field(10, ge=0, description="persons infected (exposed) on start_day")
    start_day: int = Field(0, ge=0, description="day the outbreak is seeded")
    latent_days: float = Field(3.0, ge=1.0, le=60.0, description="mean days exposed before infectious")
    infectious_days: float = Field(7.0, ge=1.0, le=120.0, description="mean days infectious")
    beta_household: Share = Field(0.05, description="transmission per infectious contact-day, household")
    beta_work: Share = Field(0.01, description="transmission per infectious contact-day, workplace")
    beta_friend: Share = Field(0.01, description="transmission per infectious contact-day, friends")
    travel_per_year: float = Field(0.0, ge=0.0, le=365.0, description="trips to risk areas per person-year")
    travel_infection_share: Share = Field(0.0, description="trips that bring an infection back")
    travel_yellow_share: Share = Field(1.0, description="returning travellers coded yellow")
    detect_share: Share = Field(0.7, description="infections confirmed by a test (-> red)")
    detect_delay_days: int = Field(3, ge=0, le=60, description="days from onset of infectiousness to confirmation")
    trace_household_share: Share = Field(0.95, description="household contacts of a case coded yellow")
    trace_other_share: Share = Field(0.5, description="work and friend contacts of a case coded yellow")
    yellow_isolation_days: int = Field(7, ge=0, le=365)  # facts 8.11
    yellow_checkin_days: int = Field(7, ge=0, le=365)  # facts 8.11
    red_isolation_days: int = Field(14, ge=0, le=365)  # facts 8.11
    red_checkin_days: int = Field(14, ge=0, le=365)  # facts 8.11
    checkin_share: Share = Field(0.98, description="daily chance a coded person checks in")
    isolation_factor_household: Share = Field(0.5, description="household transmission multiplier while isolated")
    isolation_factor_community: Share = Field(0.05, description="work/friend transmission multiplier while isolated")
    violation_behaviour: str | None = Field(None, description="behaviour (prohibition) for breaking isolation")
    violation_opportunities_per_day: Share = Field(0.1, description="temptations to break isolation per isolated day")
    case_record_behaviour: str | None = Field(None, description="behaviour recorded for each confirmed case")
    case_record_source: str | None = Field(None, description="source that files the case record")


class Letters(_Strict):
    """Reminder letters with social-norm messages (the nudge comparator, facts 7.14-7.17).

    On each send day every adult with an open obligation of ``behaviour`` gets a letter.
    A letter is a reminder (the control arm) and may state a *descriptive norm*: the share
    of people who pay. The stated share moves the recipient's perceived norm from
    ``prior_norm_share`` toward it by ``message_weight``; the chance of responding (paying
    within the window) is a logit in ``base_response_logit`` plus ``w_norm_message`` times
    that shift. Only the *stated* share differs between arms: ``national`` states the fixed
    ``national_norm_share`` (HMRC's "9 out of 10"), ``town`` and ``postcode`` state the
    *simulated* share of adults who missed no payment in the last ``norm_lookback_days`` in
    the recipient's urban/rural region or household-and-friends neighbourhood. So the local arms are predictions of the
    mechanism, not fitted values.
    """

    enabled: bool = False
    behaviour: str = Field(
        "tax_payment",
        pattern=r"^[a-z][a-z0-9_]*$",
        description="the obligation the letters chase (must be kind = obligation)",
    )
    norm: Literal["control", "national", "postcode", "town"] = Field(
        "control", description="message arm: reminder only, or the share paying nationally / locally"
    )
    send_days: list[int] = Field(
        default_factory=lambda: [180], description="simulation days on which letters go out (days)"
    )
    response_window_days: int = Field(
        23,
        ge=1,
        le=3650,
        description="window in which payment counts as a response (days; 23 in Hallsworth et al. 2017, facts 7.16)",
    )
    min_overdue_days: int = Field(
        1, ge=0, le=3650, description="only obligations open at least this long get a letter (days)"
    )
    national_norm_share: float = Field(
        0.9,
        ge=0.0,
        le=1.0,
        description="share stated by the national message ('9 out of 10 people pay on time', facts 7.15)",
    )
    prior_norm_share: float = Field(
        0.75,
        ge=0.0,
        le=1.0,
        description="share of payers a debtor believes in before any message "
        "(assumed: debtors under-estimate compliance)",
    )
    message_weight: float = Field(
        1.0,
        ge=0.0,
        le=1.0,
        description="how far a stated share replaces the prior belief (0 = ignored, 1 = fully believed)",
    )
    base_response_logit: float = Field(
        -1.0,
        ge=-20.0,
        le=20.0,
        description="log-odds of responding to a plain reminder (logit units; calibrated to the control arm)",
    )
    w_norm_message: float = Field(
        2.0,
        ge=-100.0,
        le=100.0,
        description="logit units per unit shift of the perceived norm (calibrated to the national arm)",
    )
    norm_lookback_days: int = Field(
        365,
        ge=1,
        le=36_500,
        description="a person 'pays on time' if no payment of the behaviour was "
        "missed in this many days before the letter (days)",
    )
    min_neighbours: int = Field(
        3, ge=0, le=1000, description="a postcode share needs this many neighbours; fewer -> town share"
    )
    reference_weighting: Literal["none", "similarity"] = Field(
        "none",
        description="'similarity': a stated share moves the perceived norm in proportion to how similar the "
        "named group is to the reader (reference-group proximity and similarity); 'none': fully, whoever it names",
    )
    similarity_attributes: list[SimilarityAttribute] = Field(
        default_factory=lambda: list[SimilarityAttribute](["urban", "age", "income", "education"]),
        min_length=1,
        description="attributes of the Gower similarity between a reader and the named group "
        "(with reference_weighting = 'similarity')",
    )

    @model_validator(mode="after")
    def _days(self) -> Letters:
        if any(d < 0 for d in self.send_days):
            raise ValueError("letters.send_days must be >= 0")
        return self
