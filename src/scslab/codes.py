"""Every code and column of scslab, defined once (issue 7.4).

The bottom of the import graph: plain constants, no scslab import, no NumPy. The scenario
schema takes its enumerations from here (``Domain``, ``Severity``, ...), the engine its codes
(a coded column stores the index into its tuple: ``DOMAINS.index("judicial")``) and the
dtypes of its tables, the store the labels it writes, the report the labels it shows.

Tables (column -> NumPy dtype) of :class:`scslab.engine.results.Results`:

- ``records`` (:data:`RECORD_DTYPES`), ``list_spells`` (:data:`SPELL_DTYPES`),
  ``sanctions`` (:data:`SANCTION_DTYPES`, less the engine's internal :data:`SANCTION_INTERNAL`
  columns), and the fixed columns of ``subjects`` (:data:`SUBJECT_DTYPES`; declared subject
  columns come on top).
"""

from __future__ import annotations

from typing import Literal, get_args

__all__ = [
    "DOMAINS",
    "DOMAIN_CODES",
    "END_REASONS",
    "HUKOU",
    "LIST_TYPES",
    "RECORD_DTYPES",
    "RECORD_STATUS",
    "REGION",
    "SANCTION_DTYPES",
    "SANCTION_INTERNAL",
    "SEVERITIES",
    "SEX",
    "SPELL_DTYPES",
    "SUBJECT_DTYPES",
    "SUBJECT_TYPES",
    "TABLE_LABELS",
    "VIA",
    "Domain",
    "ListType",
    "Severity",
    "SubjectType",
    "Via",
]

#: The four domains of the 2014 Outline (facts 1.4-1.7); records and lists carry one.
Domain = Literal["government", "commercial", "social", "judicial"]
DOMAINS: tuple[Domain, ...] = get_args(Domain)
DOMAIN_CODES: dict[str, int] = {d: i for i, d in enumerate(DOMAINS)}

#: Severity of a record (repair waiting times and publication periods depend on it).
Severity = Literal["minor", "moderate", "serious"]
SEVERITIES: tuple[Severity, ...] = get_args(Severity)

#: Kinds of subject: natural persons first, then the organisations.
SubjectType = Literal["person", "enterprise", "social_org", "government"]
SUBJECT_TYPES: tuple[SubjectType, ...] = get_args(SubjectType)

#: Kinds of list.
ListType = Literal["black", "red", "watch"]
LIST_TYPES: tuple[ListType, ...] = get_args(ListType)

#: ``records.status``; a record ``active`` or ``disputed`` is in force.
RECORD_STATUS = ("active", "expired", "repaired", "corrected", "disputed")
#: ``list_spells.end_reason`` (``open``: still listed).
END_REASONS = ("open", "term", "performance", "corrected", "repaired")
#: ``sanctions.via``: how a measure reached its target from the listed subject.
Via = Literal["self", "legal_rep", "represented_firms", "spouse", "children", "household"]
VIA: tuple[Via, ...] = get_args(Via)

#: labels of the person attributes coded 0/1 in ``subjects`` (sex, urban, migrant)
SEX = ("male", "female")
REGION = ("rural", "urban")
HUKOU = ("local", "migrant")
#: coded column of each table -> the ``Results.names`` entry holding its labels
TABLE_LABELS: dict[str, dict[str, str]] = {
    "records": {
        "domain": "domain",
        "behaviour": "behaviour",
        "source": "source",
        "severity": "severity",
        "status": "record_status",
    },
    "list_spells": {"list": "list", "end_reason": "end_reason"},
    "sanctions": {"measure": "measure", "via": "via"},
    "subjects": {
        "type": "subject_type",
        "sex": "sex",
        "urban": "region",
        "migrant": "hukou",
        "group": "group",
        "grade": "grade",
    },
}

RECORD_DTYPES = {
    "subject": "i4",
    "domain": "i1",
    "behaviour": "i2",
    "source": "i2",
    "day": "i4",
    "points": "f4",
    "true": "?",
    "severity": "i1",
    "status": "i1",
    "end_day": "i4",
}
SPELL_DTYPES = {
    "subject": "i4",
    "list": "i2",
    "start": "i4",
    "end": "i4",
    "cause_record": "i8",
    "end_reason": "i1",
    "wrongful": "?",
}
SANCTION_DTYPES = {
    "target": "i4",
    "measure": "i2",
    "spell": "i8",
    "start": "i4",
    "end": "i4",
    "via": "i1",
    "wrongful": "?",
    "next": "i8",
    "effect": "f8",
    "benefit": "f8",
    # the cascade: the subject whose record set the chain off, that record, and the links
    # between them and the target (0: the listed subject itself)
    "origin_subject": "i4",
    "origin_record": "i8",
    "depth": "i1",
}
#: The engine's own bookkeeping columns of the sanction table, not part of the results.
SANCTION_INTERNAL = ("next", "effect", "benefit")
#: The fixed columns of ``subjects`` (declared subject columns come on top).
SUBJECT_DTYPES = {
    "type": "i1",
    "sex": "i1",
    "urban": "i1",
    "migrant": "i1",
    "group": "i1",
    "income0": "f4",
    "income": "f4",
    "score": "f4",
    "grade": "i1",
}
