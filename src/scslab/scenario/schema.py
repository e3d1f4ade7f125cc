"""Typed scenario models (pydantic v2).

A scenario is data: the TOML file is validated into these models, and the engine reads
nothing else. Every model forbids unknown keys so a typo fails loudly with its field path.
Units are carried by field names: ``*_per_year`` is a rate, ``*_days`` a duration,
``*_share`` a fraction in [0, 1], ``*_months`` an amount in months of the subject's income.
"""

from __future__ import annotations

import builtins
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    ValidationInfo,
    field_validator,
    model_serializer,
    model_validator,
)

from ..codes import DOMAINS, SEVERITIES, SUBJECT_TYPES, Domain, ListType, Severity, SubjectType, Via
from .schema_ext import Epidemic, Letters
from .types import Days, Rate, Share

__all__ = [
    "BUILTIN_SERVICES",
    "DOMAINS",
    "SEVERITIES",
    "SUBJECT_TYPES",
    "Band",
    "Behaviour",
    "BehaviourModel",
    "Days",
    "Dimension",
    "Exclusion",
    "Group",
    "ListRule",
    "Measure",
    "Perception",
    "Policy",
    "Population",
    "Rate",
    "Region",
    "Repair",
    "Scenario",
    "ScheduleItem",
    "Scoring",
    "Service",
    "Share",
    "SimSettings",
    "Source",
    "service_names",
]

# Services a measure can deny without declaring them; a scenario adds its own in [[services]].
BUILTIN_SERVICES = ("flight", "rail", "loan", "procurement", "private_school", "hiring", "office")


class Strict(BaseModel):
    """Base: unknown keys are errors, values are validated on construction."""

    model_config = ConfigDict(extra="forbid", frozen=False, validate_default=True)


class Group(Strict):
    """A synthetic group label used only for disparity analysis (no real ethnicity)."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    share: Share


class Occupation(Strict):
    """A focus professional group that keeps its own credit file (facts 1.10: public servants,
    teachers, medical personnel, lawyers, accountants ...). A synthetic label on working-age
    adults, readable by rules as ``occupation_<name>``."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    share: Share = Field(description="share of working-age adults (18-64) in this occupation")
    min_education: int = Field(
        0,
        ge=0,
        le=3,
        description="lowest education level it requires (0 primary, 1 secondary, 2 tertiary, 3 postgraduate)",
    )


class Region(Strict):
    """One region of the population (a province, a state): a block of persons synthesised
    together. Persons are apportioned to regions by ``weight`` (largest remainder), so the
    table's shares hold at any ``n``. Readable by rules as ``region_<name>`` and
    ``region_code``; the results' subjects carry ``region_code``."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="short name (rules read ``region_<name>``)")
    code: int = Field(ge=0, le=32_767, description="the region's numeric code (e.g. GB/T 2260 province code)")
    weight: float = Field(gt=0.0, description="population weight (e.g. census persons); shares are weight / total")


class Population(Strict):
    """How the synthetic population is drawn. One agent stands for ``scale`` people.

    A preset states the real population it stands for (``represents``); the number of agents
    then only changes precision: ``scale = represents / n`` whatever ``--n`` is.
    """

    n: int = Field(
        10_000,
        ge=10,
        le=10_000_000_000,
        description="persons simulated (agents); what fits in memory is decided by the resource estimate "
        "of scslab run (--max-memory), and one process holds at most 2**31 - 1 subjects (more need --shards)",
    )
    represents: float | None = Field(
        None,
        gt=0.0,
        le=1e10,
        description="real people the simulated persons stand for; when set, scale = represents / n "
        "(so --n changes precision, not the people figures) and scale may only be set consistently",
    )
    scale: float = Field(
        1.0, gt=0.0, description="real people each agent stands for (derived from represents when that is set)"
    )
    division_code: str = Field(
        "990101", pattern=r"^[0-9]{6}$", description="6-digit synthetic administrative division code for ids"
    )
    adult_share: Share = Field(0.82)
    urban_share: Share = Field(0.64)
    migrant_share: Share = Field(0.15)
    female_share: Share = Field(0.49)
    household_size_mean: float = Field(2.6, ge=1.0, le=10.0)
    income_median_per_year: float = Field(
        36_000.0, gt=0.0, description="median income per year, in the scenario's currency (`currency`)"
    )
    currency: str = Field(
        "yuan",
        pattern=r"^[A-Za-z][A-Za-z -]{0,23}$",
        description="unit of every money amount (incomes, benefits, debts), as shown in inspect and the report",
    )
    income_sigma: float = Field(0.7, gt=0.0, le=3.0, description="lognormal sigma of income")
    savings_months_mean: float = Field(3.0, ge=0.0, description="mean savings in months of income")
    honesty_alpha: float = Field(6.0, gt=0.0)
    honesty_beta: float = Field(2.0, gt=0.0)
    groups: list[Group] = Field(
        default_factory=lambda: [Group(name="majority", share=0.9), Group(name="minority", share=0.1)]
    )
    occupations: list[Occupation] = Field(
        default_factory=list,
        description="focus professional groups drawn among working-age adults (none by default: "
        "no occupation attribute and no draw)",
    )
    enterprises_per_1000: float = Field(20.0, ge=0.0, le=500.0)
    social_orgs_per_1000: float = Field(1.0, ge=0.0, le=100.0)
    government_bodies: int = Field(8, ge=0, le=10_000)
    friends_mean_degree: float = Field(8.0, ge=0.0, le=200.0)
    workplace_size_mean: float = Field(15.0, ge=1.0, le=10_000.0)
    regions: list[Region] = Field(
        default_factory=list,
        description="regions (provinces) the persons live in, each a block synthesised on its own; "
        "none by default: persons are synthesised in fixed-size blocks and carry region -1",
    )
    cross_region_share: Share = Field(
        0.088,
        description="share of friendship ties drawn to a person in another region (with regions only); "
        "default 0.088 = inter-provincial migrants 124.84 M / 1,411.78 M people (2020 census, "
        "NBS communique No. 7; assumed: ties cross provinces as often as people do)",
    )

    @model_validator(mode="after")
    def _derive_scale(self) -> Population:
        # an explicit scale is kept, and Scenario refuses it when it disagrees with represents
        if self.represents is not None and "scale" not in self.model_fields_set:
            self.scale = self.represents / self.n
        return self

    @model_serializer(mode="wrap")
    def _dump_without_derived_scale(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # a derived scale is not part of the scenario: a dump resized (``Sim(sc, n=...)``, a
        # sweep point) and validated again derives it anew from represents / n
        out = handler(self)
        if self.represents is not None and isinstance(out, dict):
            out.pop("scale", None)
        return out

    @model_validator(mode="after")
    def _groups_sum_to_one(self) -> Population:
        total = sum(g.share for g in self.groups)
        if not self.groups or abs(total - 1.0) > 1e-6:
            raise ValueError(f"group shares must sum to 1 (got {total:g})")
        names = [g.name for g in self.groups]
        if len(set(names)) != len(names):
            raise ValueError("group names must be unique")
        occ = [o.name for o in self.occupations]
        if len(set(occ)) != len(occ):
            raise ValueError("occupation names must be unique")
        if sum(o.share for o in self.occupations) > 1.0 + 1e-9:
            raise ValueError("occupation shares must sum to at most 1")
        regions = [r.name for r in self.regions]
        if len(set(regions)) != len(regions):
            raise ValueError("region names must be unique")
        codes = [r.code for r in self.regions]
        if len(set(codes)) != len(codes):
            raise ValueError("region codes must be unique")
        if len(self.regions) > self.n:
            raise ValueError(f"more regions ({len(self.regions)}) than persons (n = {self.n})")
        return self


class SimSettings(Strict):
    """Run length and seed."""

    days: int = Field(365, ge=1, le=36_500)
    seed: int = Field(1, ge=0, le=2**63 - 1)


class Policy(Strict):
    """Levers every preset honours; the natural axes of a sweep."""

    detection_scale: float = Field(1.0, ge=0.0, le=100.0, description="multiplies every detection probability")
    sanction_scale: float = Field(1.0, ge=0.0, le=100.0, description="multiplies every sanction's severity")
    joint_sanctions: bool = Field(True, description="cross-domain (joint) measures on or off")
    publicity: bool = Field(True, description="public exposure of listed subjects on or off")
    repair: bool = Field(True, description="credit repair after a waiting period on or off")
    objections: bool = Field(True, description="objections against records on or off")


class Behaviour(Strict):
    """One kind of conduct the institution may record.

    ``kind`` decides the decision model: an *obligation* (repay a debt, file taxes) can be
    missed for lack of money as well as will; a *prohibition* (traffic rule) is violated or
    not; a *good_deed* (volunteering) is done or not; *expression* (online criticism) is
    lawful but may be recorded by some scenarios.
    """

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    domain: Domain
    kind: Literal["obligation", "prohibition", "good_deed", "expression"] = "prohibition"
    subject: SubjectType = "person"
    opportunities_per_year: Rate = Field(1.0, le=365.0)
    base_logit: float = Field(-2.0, ge=-20.0, le=20.0, description="log-odds of violating (or doing) at zero pressure")
    gain: float = Field(1.0, ge=0.0, le=100.0, description="private gain from violating, in logit units")
    amount_months: float = Field(1.0, ge=0.0, le=1200.0, description="obligation size, months of income")
    repay_per_year: Rate = Field(2.0, le=365.0, description="rate at which an open obligation is settled when able")
    points: float = Field(0.0, ge=-1000.0, le=1000.0, description="points per record (negative for violations)")
    severity: Severity = "minor"
    reward_value: float = Field(0.0, ge=0.0, le=100.0, description="perceived reward of a good deed, logit units")
    adults_only: bool = True


class Source(Strict):
    """A data source: what it sees, where, how late and how wrongly."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    kind: Literal["court", "tax", "bank", "platform", "camera", "grid_worker", "volunteer", "informant", "registry"] = (
        "registry"
    )
    detects: dict[str, float] = Field(default_factory=dict, description="behaviour -> detection probability")
    coverage_urban: Share = Field(1.0)
    coverage_rural: Share = Field(1.0)
    delay_days: Days = Field(0, le=3650)
    only_if_still_open: bool = Field(
        False,
        description="an obligation is reported only if still unpaid when the "
        "delay has passed (e.g. FICO's 30 days overdue)",
    )
    entry_error_share: Share = Field(0.0, description="records attributed to the wrong subject")
    false_match_per_year: Rate = Field(0.0, le=100.0, description="false records per person-year")
    false_match_behaviour: str | None = None
    false_match_multipliers: dict[str, float] = Field(
        default_factory=dict, description="attribute or group name -> multiplier, e.g. female = 3"
    )
    members_of: list[str] = Field(
        default_factory=list,
        description="lists whose current members alone this source observes (acts and false matches), "
        "e.g. a card's checkpoints monitoring cardholders; empty = everyone",
    )

    @model_validator(mode="after")
    def _probabilities(self) -> Source:
        for k, v in self.detects.items():
            if not 0.0 <= v <= 1.0:
                raise ValueError(f"detects.{k} must be a probability in [0, 1] (got {v})")
        for k, v in self.false_match_multipliers.items():
            if v < 0:
                raise ValueError(f"false_match_multipliers.{k} must be >= 0 (got {v})")
        if self.false_match_per_year > 0 and not self.false_match_behaviour:
            raise ValueError("false_match_behaviour is required when false_match_per_year > 0")
        return self


class Band(Strict):
    name: str
    min: float


class Dimension(Strict):
    """A weighted-score dimension: a share of the score driven by some behaviours."""

    name: str
    weight: Share
    behaviours: list[str] = Field(default_factory=list)
    attribute: str | None = Field(None, description="subject attribute in [0,1] feeding this dimension")
    good_weight: float = Field(
        0.0,
        ge=0.0,
        le=100.0,
        description="weight of one good record (points > 0) of the dimension's behaviours against one bad "
        "record: the dimension is (1 + w x good) / (1 + w x good + sanction_scale x bad); 0 = only bad "
        "records count",
    )


class Scoring(Strict):
    """Points ledger (Rongcheng), weighted-dimension score (Sesame), or none (the national lists)."""

    kind: Literal["none", "points", "weighted"] = "none"
    start: float = 1000.0
    min: float = 0.0
    max: float = 2000.0
    bands: list[Band] = Field(default_factory=list)
    dimensions: list[Dimension] = Field(default_factory=list)
    annual_bonus: float = Field(0.0, ge=0.0, description="points added each year to subjects with no bad record")
    subjects: Literal["person", "adult", "enterprise", "any"] = "person"
    opt_in_share: Share = Field(1.0, description="share of subjects who consent to be scored (voluntary scores)")

    @model_validator(mode="after")
    def _check(self) -> Scoring:
        if self.min >= self.max:
            raise ValueError("min must be below max")
        mins = [b.min for b in self.bands]
        if mins != sorted(mins, reverse=True):
            raise ValueError("bands must be listed from the highest threshold down")
        if self.kind == "weighted" and self.dimensions:
            total = sum(d.weight for d in self.dimensions)
            if abs(total - 1.0) > 1e-6:
                raise ValueError(f"dimension weights must sum to 1 (got {total:g})")
        return self


class ListRule(Strict):
    """A red list, blacklist or watch list with an entry rule and a term."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    type: ListType = "black"
    domain: Domain | None = None
    subjects: Literal["person", "enterprise", "any"] = "any"
    entry: str = Field(description="rule expression over subject attributes")
    term_days: Days = Field(730, le=36_500, description="fixed term; 0 = open-ended until the exit rule holds")
    extend_if: str | None = Field(None, description="rule checked at term end: extend instead of removing")
    extension_days: Days = Field(0, le=36_500)
    exit: str | None = Field(None, description="rule for removal on performance")
    exit_within_days: Days = Field(3, le=3650)
    review_every_days: int = Field(1, ge=1, le=3650)
    full_review_days: Days = Field(
        0,
        le=3650,
        description="every N days evaluate the entry rule for all subjects, not only those "
        "whose records changed (for rules on time, e.g. a clean record); 0 = never",
    )


class Measure(Strict):
    """One joint sanction or reward: a row of the measure × list × agency table."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    list: str
    kind: Literal["sanction", "reward"] = "sanction"
    agency: str = "court"
    category: str = "other"
    joint: bool = Field(True, description="cross-domain measure: off when policy.joint_sanctions is false")
    publicity: bool = Field(False, description="public exposure: off when policy.publicity is false")
    applies_to: builtins.list[Via] = Field(default_factory=lambda: builtins.list[Via](["self"]))
    eligible: str = Field("true", description="rule over the target's attributes")
    recheck_days: Days = Field(
        0,
        le=3650,
        description="every N days the eligibility rule is evaluated again for the targets of open spells: "
        "the measure starts for those who became eligible and stops for those who no longer are "
        "(a child reaching school age, a code turning green); 0 = only when the spell starts or the agency joins",
    )
    income_effect: float = Field(0.0, ge=-1.0, le=1.0, description="fractional income change while active")
    blocks: str | None = Field(
        None,
        pattern=r"^[a-z][a-z0-9_]*$",
        description="the service this measure denies: a built-in one (flight, rail, loan, procurement, "
        "private_school, hiring, office) or one declared in [[services]]",
    )
    benefit: float = Field(0.0, ge=0.0, description="yuan per year of a reward (discounts, free transport)")
    from_day: int = Field(0, ge=0, description="day the agency joins")
    until_day: int | None = Field(
        None,
        ge=1,
        description="day the measure is lifted: from then on it reaches nobody and open spells lose it "
        "(a rule replaced by a narrower one); none = never",
    )
    human_review_share: float = Field(
        0.0,
        ge=0.0,
        le=1.0,
        description="share of automated applications of this measure a human reviews; "
        "a review cancels it when the causing record is false",
    )
    attempts_per_year: float = Field(
        0.0,
        ge=0.0,
        le=365.0,
        description="how often a target tries the blocked service (counts blocks; a target denied the "
        "service by several measures tries it at the highest of their rates)",
    )


class Service(Strict):
    """A service that measures can deny (a train seat, a star-hotel room, a loan, an exit permit).

    Declaring one lets a ``[[measures]]`` entry name it in ``blocks``; the built-in services
    (``BUILTIN_SERVICES``) need no declaration. How often a blocked subject tries the service
    is the blocking measure's ``attempts_per_year``; each attempt is drawn once per subject and
    service, however many measures deny it, and counted for the service and for every measure
    denying it at the time.
    """

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    description: str = ""


def service_names(sc: Scenario) -> tuple[str, ...]:
    """Every service a measure of this scenario may block: the built-ins first, then the declared."""
    extra = [s.name for s in sc.services if s.name not in BUILTIN_SERVICES]
    return (*BUILTIN_SERVICES, *dict.fromkeys(extra))


class Perception(Strict):
    """How people learn the detection rate from experience, not from the truth.

    They start from what is announced, update on their own violations (detected or not),
    drift toward what their contacts believe, and feel more watched while they see contacts
    punished (visible to all under publicity, only partly without it).
    """

    initial: Share = Field(0.3, description="announced / prior perceived detection probability")
    visibility: float = Field(
        0.5,
        ge=0.0,
        le=1.0,
        description="share of the actual detection rate people see directly (cameras, "
        "patrols); the prior mixes it with the announced rate, and a scheduled "
        "change of detection_scale shifts beliefs by this share at once",
    )
    learning_rate: Share = Field(0.2, description="weight of one own experience")
    social_rate: Share = Field(0.1, description="weekly pull toward contacts' beliefs")
    vicarious_rate: Share = Field(
        0.05, description="weight of a contact's violation (caught or not) seen by each contact"
    )
    w_seen: float = Field(
        1.0, ge=0.0, le=10.0, description="added perceived detection per unit share of contacts seen sanctioned"
    )
    private_visibility: Share = Field(0.3, description="how visible a sanction is to contacts without publicity")


class Exclusion(Strict):
    """Contacts cut ties with a publicly exposed subject (social and business exclusion)."""

    cut_share: Share = Field(0.0, description="chance a friend or colleague cuts the tie")


class BehaviourModel(Strict):
    """Weights of the decision model (logit units). See docs/model.md."""

    w_deterrence: float = Field(4.0, ge=0.0, le=100.0)
    w_honesty: float = Field(3.0, ge=0.0, le=100.0)
    w_norm: float = Field(2.0, ge=0.0, le=100.0)
    w_peer: float = Field(2.0, ge=0.0, le=100.0)
    w_stress: float = Field(1.0, ge=0.0, le=100.0)
    severity_elasticity: float = Field(
        0.5,
        ge=0.0,
        le=2.0,
        description="perceived sanction weight grows as sanction_scale ** this "
        "(diminishing sensitivity to severity; see docs/model.md)",
    )
    w_pressure: float = Field(2.0, ge=0.0, le=100.0, description="effect of active sanctions on settling debts")
    internalisation: bool = True
    norm_gain_per_year: Rate = Field(0.3, le=10.0)
    norm_decay_per_year: Rate = Field(0.1, le=10.0)
    norm_loss_per_violation: Share = Field(0.1, description="share of the norm a person's own violation erodes")
    shocks_per_year: Rate = Field(0.1, le=12.0, description="income shocks per person-year")
    shock_months: float = Field(3.0, ge=0.0, le=120.0)
    economic_feedback: bool = Field(True, description="measures change income (off: they only block and expose)")
    subsistence_per_year: float = Field(
        8_000.0,
        ge=0.0,
        description="yuan a person spends however low their income (assumed, near a rural minimum-living line)",
    )
    social_update_days: int = Field(
        14, ge=1, le=365, description="days between updates of peer shares and social beliefs"
    )
    norm_initial: Share = Field(0.0, description="mean internalised norm at the start")
    awareness: Share = Field(1.0, description="share of joint (cross-domain) measures people know of (facts 3.21: 11%)")
    peer_household: float = Field(0.3, ge=0.0, description="weight of household in the peer violation share")
    peer_work: float = Field(0.3, ge=0.0, description="weight of colleagues in the peer violation share")
    peer_friends: float = Field(0.4, ge=0.0, description="weight of friends in the peer violation share")
    perception: Perception = Field(default_factory=Perception)
    exclusion: Exclusion = Field(default_factory=Exclusion)


_EXPIRY_DAYS: dict[Severity, int] = {"minor": 1095, "moderate": 1825, "serious": 1825}
_WAIT_DAYS: dict[Severity, int] = {"minor": 90, "moderate": 180, "serious": 1095}


class Repair(Strict):
    """Expiry, credit repair and objections (facts 1.14-1.16)."""

    expiry_days: dict[Severity, Annotated[Days, Field(le=36_500)]] = Field(default_factory=lambda: dict(_EXPIRY_DAYS))
    wait_days: dict[Severity, Annotated[Days, Field(le=36_500)]] = Field(
        default_factory=lambda: dict(_WAIT_DAYS)
    )  # facts 1.16
    course_required: list[Severity] = Field(default_factory=lambda: list[Severity](["serious"]))  # facts 1.16
    apply_share: Share = Field(0.5, description="share of eligible subjects who apply")
    objection_share_false: Share = Field(0.5, description="share of false records objected to")
    objection_share_true: Share = Field(0.02)
    verify_days: Days = Field(20, le=3650)  # facts 1.15
    verify_accuracy: Share = Field(0.9)

    @field_validator("expiry_days", "wait_days", mode="after")
    @classmethod
    def _every_severity(cls, v: dict[Severity, int], info: ValidationInfo) -> dict[Severity, int]:
        # a table that names some severities keeps the defaults of the others (the engine needs all three)
        return {**(_EXPIRY_DAYS if info.field_name == "expiry_days" else _WAIT_DAYS), **v}


class ScheduleItem(Strict):
    """A timed change of the scenario: on ``day`` the dotted-path overrides in ``set`` apply."""

    day: int = Field(ge=0)
    set: dict[str, float | int | bool | str]


class Scenario(Strict):
    """A whole scenario: population, institution, behaviour and levers."""

    name: str = "unnamed"
    description: str = ""
    extends: str | None = None
    population: Population = Field(default_factory=Population)
    sim: SimSettings = Field(default_factory=SimSettings)
    policy: Policy = Field(default_factory=Policy)
    model: BehaviourModel = Field(default_factory=BehaviourModel)
    behaviours: list[Behaviour] = Field(default_factory=list)
    sources: list[Source] = Field(default_factory=list)
    scoring: Scoring = Field(default_factory=Scoring)
    lists: list[ListRule] = Field(default_factory=list)
    measures: list[Measure] = Field(default_factory=list)
    services: list[Service] = Field(
        default_factory=list, description="services measures may deny, beyond the built-ins"
    )
    repair: Repair = Field(default_factory=Repair)
    schedule: list[ScheduleItem] = Field(default_factory=list)
    indicators: list[str] = Field(default_factory=list, description="preset-specific indicator names")
    epidemic: Epidemic = Field(default_factory=Epidemic)
    letters: Letters = Field(default_factory=Letters)

    @model_validator(mode="after")
    def _cross_references(self) -> Scenario:
        problems: list[str] = []
        bnames = [b.name for b in self.behaviours]
        if len(set(bnames)) != len(bnames):
            problems.append("behaviours: names must be unique")
        for s in self.sources:
            for b in s.detects:
                if b not in bnames:
                    problems.append(f"sources.{s.name}.detects: unknown behaviour '{b}'")
            if s.false_match_behaviour and s.false_match_behaviour not in bnames:
                problems.append(
                    f"sources.{s.name}.false_match_behaviour: unknown behaviour '{s.false_match_behaviour}'"
                )
        lnames = [lst.name for lst in self.lists]
        if len(set(lnames)) != len(lnames):
            problems.append("lists: names must be unique")
        for s in self.sources:
            for name in s.members_of:
                if name not in lnames:
                    problems.append(f"sources.{s.name}.members_of: unknown list '{name}'")
        snames = [x.name for x in self.services]
        if len(set(snames)) != len(snames):
            problems.append("services: names must be unique")
        known = service_names(self)
        for m in self.measures:
            if m.list not in lnames:
                problems.append(f"measures.{m.name}.list: unknown list '{m.list}'")
            if m.blocks is not None and m.blocks not in known:
                problems.append(
                    f"measures.{m.name}.blocks: unknown service '{m.blocks}' "
                    f"(built-in: {', '.join(BUILTIN_SERVICES)}, others are declared in [[services]])"
                )
            if m.until_day is not None and m.until_day <= m.from_day:
                problems.append(f"measures.{m.name}.until_day: must be after from_day ({m.from_day})")
        for d in self.scoring.dimensions:
            for b in d.behaviours:
                if b not in bnames:
                    problems.append(f"scoring.dimensions.{d.name}: unknown behaviour '{b}'")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @model_validator(mode="after")
    def _scale_matches_represents(self) -> Scenario:
        p = self.population
        if p.represents is not None and abs(p.scale * p.n - p.represents) > 1e-6 * p.represents:
            raise ValueError(
                f"population.scale: {p.scale:,g} people per agent x {p.n:,} agents = {p.scale * p.n:,.0f} people, "
                f"but population.represents = {p.represents:,.0f}: set only represents (scale is represents / n)"
            )
        return self
