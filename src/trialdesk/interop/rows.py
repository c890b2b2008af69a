"""The row contracts: what a service reads from the database, in chunks, and hands to the writers.

Every row is a frozen dataclass of plain values, pseudonymous by construction: a participant is known only
by its code (`SITE-NNN`); no contract has a field for a name, national id, phone number, address or birth
date (a test keeps it that way). Participant age is a year of birth or an age in years, never a date.

Ordering (what the writers rely on so they can stream):
    ValueRow, AuditRow, QueryRow, SignatureRow   by participant, visit, occurrence, form (the `form_key`)
    every other row                              by participant
Writers hold at most one participant's rows at a time (the wide CSV and SDTM baseline flags), never the study.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

FormKey = tuple[str, str, int, str]


@dataclass(frozen=True, slots=True)
class SiteRow:
    """A recruiting site (the ODM Location of audit records and signatures)."""

    code: str
    title: str
    country: str | None = None


@dataclass(frozen=True, slots=True)
class UserRow:
    """A staff account that entered, changed or signed data (ODM AdminData User): login and role only."""

    user_id: str
    role: str


@dataclass(frozen=True, slots=True)
class StatusChange:
    """One step of a participant's status history (FHIR ResearchSubject status history, SDTM DS)."""

    status: str
    on: date
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class ParticipantRow:
    """One participant, pseudonymous: code, site, arm, sex and a year of birth or an age, never a birth date."""

    code: str
    site: str
    arm: str | None
    sex: Literal["female", "male", "unknown"]
    birth_year: int | None
    age_years: int | None
    status: str
    consented_on: date | None
    randomized_on: date | None
    first_dose_on: date | None
    last_dose_on: date | None
    ended_on: date | None
    end_reason: str | None = None
    country: str | None = None
    history: tuple[StatusChange, ...] = ()


@dataclass(frozen=True, slots=True)
class ValueRow:
    """One item value as entered, with its unit, its standardized value in the canonical unit and its flags.

    `group`/`group_row` place an item of a repeating group (row numbers start at 1).
    `flags`: e.g. "H", "L" (reference range), "soft_confirmed", "query_open".
    """

    participant: str
    site: str
    arm: str | None
    visit: str
    occurrence: int
    visit_date: date | None
    form: str
    form_version: str
    item: str
    value: str | None
    unit: str | None
    standardized: Decimal | None
    canonical_unit: str | None
    flags: tuple[str, ...]
    entered_at: datetime
    entered_by: str
    group: str | None = None
    group_row: int | None = None
    reference_low: Decimal | None = None
    reference_high: Decimal | None = None

    @property
    def form_key(self) -> FormKey:
        return (self.participant, self.visit, self.occurrence, self.form)


@dataclass(frozen=True, slots=True)
class AuditRow:
    """An earlier state of an item value (the ODM audit trail): what it was, who set it, when and why."""

    participant: str
    site: str
    visit: str
    occurrence: int
    form: str
    item: str
    value: str | None
    action: Literal["insert", "update", "remove"]
    changed_at: datetime
    changed_by: str
    reason: str | None = None
    group: str | None = None
    group_row: int | None = None

    @property
    def form_key(self) -> FormKey:
        return (self.participant, self.visit, self.occurrence, self.form)


@dataclass(frozen=True, slots=True)
class QueryRow:
    """A data query on an item (an ODM Annotation)."""

    participant: str
    visit: str
    occurrence: int
    form: str
    item: str | None
    number: int
    text: str
    status: Literal["open", "answered", "closed"]
    raised_at: datetime
    raised_by: str

    @property
    def form_key(self) -> FormKey:
        return (self.participant, self.visit, self.occurrence, self.form)


@dataclass(frozen=True, slots=True)
class SignatureRow:
    """An investigator's signature of a form (ODM Signature with its meaning)."""

    participant: str
    site: str
    visit: str
    occurrence: int
    form: str
    signed_by: str
    signed_at: datetime
    meaning: str

    @property
    def form_key(self) -> FormKey:
        return (self.participant, self.visit, self.occurrence, self.form)


@dataclass(frozen=True, slots=True)
class VisitRow:
    """A visit occurrence as it happened (SDTM SV): done on a date, or missed."""

    participant: str
    visit: str
    occurrence: int
    status: Literal["done", "missed"]
    on: date | None


@dataclass(frozen=True, slots=True)
class DoseRow:
    """One administration of the study product (SDTM EX, FHIR MedicationAdministration)."""

    participant: str
    number: int
    step: str
    amount: Decimal
    unit: str
    route: str
    given_at: datetime
    lot: str | None = None
    partial: bool = False


@dataclass(frozen=True, slots=True)
class AdverseEventRow:
    """One adverse event (SDTM AE, FHIR AdverseEvent): CTCAE term and grade, seriousness, relatedness."""

    participant: str
    number: int
    term: str
    grade: int | None
    serious: bool
    seriousness: tuple[str, ...]
    relatedness: str | None
    started_on: date
    ended_on: date | None
    outcome: str | None
    action_taken: str | None = None


@dataclass(frozen=True, slots=True)
class CriterionResult:
    """A screening answer: was this criterion met (None: not assessed)?"""

    criterion: str
    met: bool | None


@dataclass(frozen=True, slots=True)
class ScreeningRow:
    """A screening (SDTM IE records the criteria that made a participant ineligible)."""

    participant: str
    screened_on: date
    eligible: bool
    results: tuple[CriterionResult, ...]


@dataclass(frozen=True, slots=True)
class MedicationRow:
    """A concomitant medication (SDTM CM); the service maps the medication form's rows onto it."""

    participant: str
    number: int
    medication: str
    drug_class: str | None
    dose: Decimal | None
    dose_unit: str | None
    started_on: date | None
    ended_on: date | None
    ongoing: bool


ROW_CONTRACTS: tuple[type, ...] = (
    SiteRow,
    UserRow,
    StatusChange,
    ParticipantRow,
    ValueRow,
    AuditRow,
    QueryRow,
    SignatureRow,
    VisitRow,
    DoseRow,
    AdverseEventRow,
    CriterionResult,
    ScreeningRow,
    MedicationRow,
)

__all__ = [
    "ROW_CONTRACTS",
    "AdverseEventRow",
    "AuditRow",
    "CriterionResult",
    "DoseRow",
    "FormKey",
    "MedicationRow",
    "ParticipantRow",
    "QueryRow",
    "ScreeningRow",
    "SignatureRow",
    "SiteRow",
    "StatusChange",
    "UserRow",
    "ValueRow",
    "VisitRow",
]
