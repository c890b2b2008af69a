"""The registration part of a protocol: what a trial registry (IRCT) records.

Titles, conditions, sponsors, funding, contacts, recruitment centres, ethics approvals and IPD sharing,
plus the identifier patterns and the Jalali/Gregorian date helpers they use.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal

import jdatetime
from pydantic import ConfigDict, Field, StringConstraints, field_validator, model_validator

from trialdesk.protocol.base import ProtocolModel, Text

SLUG_PATTERN = r"^[a-z][a-z0-9_-]*$"
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
PHONE_PATTERN = r"^\+?[0-9][0-9 ()\-]{4,}$"
JALALI_PATTERN = r"^\d{4}/\d{1,2}/\d{1,2}$"
ICD10_PATTERN = r"^[A-Z][0-9]{2}(\.[0-9A-Z]{1,4})?$"
IRCT_ID_PATTERN = r"^IRCT\d+N\d+$"

Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN)]
"""A lower-case identifier: a letter, then letters, digits, '_' or '-'."""
Email = Annotated[str, StringConstraints(pattern=EMAIL_PATTERN)]
Phone = Annotated[str, StringConstraints(pattern=PHONE_PATTERN)]
JalaliDate = Annotated[str, StringConstraints(pattern=JALALI_PATTERN)]
Percent = Annotated[float, Field(ge=0, le=100)]

Phase = Literal["n/a", "0", "1", "1-2", "2", "2-3", "3", "4"]
MaskedRole = Literal["participant", "care_provider", "investigator", "outcome_assessor", "data_analyst"]


def jalali_to_gregorian(text: str) -> date:
    """'1400/03/18' -> date(2021, 6, 8); raises ValueError for a malformed or impossible Jalali date."""
    if not re.match(JALALI_PATTERN, text):
        raise ValueError(f"'{text}' is not a Jalali date written as YYYY/MM/DD")
    year, month, day = (int(part) for part in text.split("/"))
    try:
        gregorian: date = jdatetime.date(year, month, day).togregorian()
    except ValueError as exc:
        raise ValueError(f"'{text}' is not a valid Jalali date") from exc
    return gregorian


def gregorian_to_jalali(value: date) -> str:
    """date(2021, 6, 8) -> '1400/03/18'."""
    jalali = jdatetime.date.fromgregorian(date=value)
    return f"{jalali.year:04d}/{jalali.month:02d}/{jalali.day:02d}"


class SchemaModel(ProtocolModel):
    """A protocol model whose field docstrings become the field descriptions (shown in the JSON schema)."""

    model_config = ConfigDict(use_attribute_docstrings=True)


# --- registration ---------------------------------------------------------------------------


class Address(SchemaModel):
    """A postal address as the registry gives it (kept as written, in whichever script)."""

    street: str | None = None
    """Street address."""
    city: str | None = None
    """City."""
    province: str | None = None
    """Province or state."""
    postal_code: str | None = None
    """Postal code."""
    country: str | None = None
    """Country, when not Iran."""


class Sponsor(SchemaModel):
    """An organization that sponsors the trial."""

    organization: str
    """Name of the organization or entity."""
    responsible_person: str | None = None
    """Full name of the person responsible at the sponsor."""
    address: Address | None = None
    """Postal address of the sponsor."""
    phone: Phone | None = None
    """Telephone number."""
    email: Email | None = None
    """E-mail address."""


class FundingSource(SchemaModel):
    """A source of funding and its share of the budget."""

    name: str
    """Title of the funding source."""
    same_as_sponsor: bool | None = None
    """Whether the funder is the sponsor organization itself."""
    proportion_percent: Percent | None = None
    """Share of the funding provided by this source, in percent (0-100)."""
    sector: Literal["public", "private"] | None = None
    """Public or private sector."""
    origin: Literal["domestic", "foreign"] | None = None
    """Domestic or foreign origin."""
    foreign_category: str | None = None
    """Category of a foreign source (only for a foreign origin)."""
    country: str | None = None
    """Country of origin of a foreign source."""
    organization_type: str | None = None
    """Type of organization providing the funding (e.g. Academic, Industry, Charity)."""
    grant_name: str | None = None
    """Name of the grant."""
    grant_code: str | None = None
    """Grant code or reference number."""

    @model_validator(mode="after")
    def _foreign_details_need_foreign_origin(self) -> FundingSource:
        if self.origin == "domestic" and self.foreign_category:
            raise ValueError("foreign_category is only allowed when origin is foreign")
        return self


class Contact(SchemaModel):
    """A person the registry names for one kind of inquiry."""

    name: str
    """Full name of the responsible person."""
    organization: str | None = None
    """Name of the organization or entity."""
    position: str | None = None
    """Position held."""
    degree: str | None = None
    """Latest academic degree."""
    specialty: str | None = None
    """Other areas of specialty or work."""
    address: Address | None = None
    """Postal address."""
    phone: Phone | None = None
    """Telephone number."""
    email: Email | None = None
    """E-mail address."""


class Contacts(SchemaModel):
    """The registry's contact persons, one per role."""

    general_inquiries: Contact | None = None
    """Person responsible for general inquiries."""
    scientific_inquiries: Contact | None = None
    """Person responsible for scientific inquiries."""
    data_updates: Contact | None = None
    """Person responsible for updating the registry data."""


class RecruitmentCentre(SchemaModel):
    """A centre where participants are recruited."""

    name: str
    """Name of the recruitment centre."""
    responsible_person: str | None = None
    """Full name of the person responsible at the centre."""
    address: Address | None = None
    """Postal address."""
    phone: Phone | None = None
    """Telephone number."""
    email: Email | None = None
    """E-mail address."""


class EthicsCommittee(SchemaModel):
    """An ethics committee approval of the trial."""

    name: str
    """Name of the ethics committee."""
    address: Address | None = None
    """Postal address of the committee."""
    approval_date: date | None = None
    """Date of approval (Gregorian, ISO)."""
    approval_date_jalali: JalaliDate | None = None
    """The approval date in the Jalali calendar as written, e.g. '1400/03/18'; must be the same day."""
    reference_number: str | None = None
    """Ethics committee reference number, e.g. IR.KUMS.REC.1400.198."""

    @model_validator(mode="after")
    def _jalali_date_is_the_approval_date(self) -> EthicsCommittee:
        if self.approval_date_jalali is None:
            return self
        if self.approval_date is None:
            raise ValueError("approval_date_jalali is given without approval_date")
        converted = jalali_to_gregorian(self.approval_date_jalali)
        if converted != self.approval_date:
            raise ValueError(
                f"approval_date_jalali {self.approval_date_jalali} is {converted.isoformat()}, "
                f"not the approval_date {self.approval_date.isoformat()}"
            )
        return self


class HealthCondition(SchemaModel):
    """A health condition studied, with its ICD-10 code."""

    description: Text
    """Description of the health condition studied."""
    icd10_code: Annotated[str, StringConstraints(pattern=ICD10_PATTERN)] | None = None
    """ICD-10 code, e.g. M32 or M32.1."""
    icd10_description: str | None = None
    """The ICD-10 code's description."""


class SecondaryId(SchemaModel):
    """An identifier of the same trial in another registry."""

    registry: str
    """Name of the other registry."""
    identifier: str
    """The trial's identifier there."""


class IpdSharing(SchemaModel):
    """The plan for sharing deidentified individual participant data (IPD)."""

    shared: Literal["yes", "no", "undecided"]
    """Whether IPD will be shared."""
    justification: str | None = None
    """Justification or reason for not sharing or for indecision."""
    details: str | None = None
    """What is shared, when, with whom and how (when shared)."""


class Registration(SchemaModel):
    """Registry and ethics metadata of the trial."""

    registry: str | None = None
    """Name of the registry, e.g. IRCT."""
    registry_id: str | None = None
    """The trial's registry identifier (IRCT ids look like IRCT20210517051306N1); unknown for a draft."""
    registration_date: date | None = None
    """Date of registration."""
    secondary_ids: list[SecondaryId] = Field(default_factory=list)
    """Identifiers in other registries."""
    scientific_title: Text
    """Scientific title."""
    public_title: Text | None = None
    """Public (lay) title as registered."""
    summary_title: Text | None = None
    """The headline of the registry's summary, when it differs from the registered public title."""
    conditions: list[HealthCondition] = Field(default_factory=list)
    """Health conditions studied."""
    sponsors: list[Sponsor] = Field(default_factory=list)
    """Sponsoring organizations."""
    funding_sources: list[FundingSource] = Field(default_factory=list)
    """Sources of funding."""
    contacts: Contacts = Field(default_factory=Contacts)
    """Contact persons by role."""
    recruitment_centres: list[RecruitmentCentre] = Field(default_factory=list)
    """Recruitment centres."""
    ethics_committees: list[EthicsCommittee] = Field(default_factory=list)
    """Ethics committee approvals."""
    ipd_sharing: IpdSharing | None = None
    """Individual participant data sharing plan."""

    @model_validator(mode="after")
    def _irct_id_has_irct_form(self) -> Registration:
        if self.registry == "IRCT" and self.registry_id and not re.match(IRCT_ID_PATTERN, self.registry_id):
            raise ValueError(
                f"registry_id '{self.registry_id}' is not an IRCT id (like IRCT20210517051306N1)"
            )
        return self

    @field_validator("funding_sources")
    @classmethod
    def _funding_adds_up_to_at_most_100(cls, sources: list[FundingSource]) -> list[FundingSource]:
        total = sum(s.proportion_percent or 0 for s in sources)
        if total > 100.0001:
            raise ValueError(f"the funding proportions add up to {total:g}%, more than 100%")
        return sources


def earliest_study_date(registration: Registration) -> date | None:
    """The first day anything of the trial can happen: its earliest ethics approval (None when unknown)."""
    approvals = [c.approval_date for c in registration.ethics_committees if c.approval_date is not None]
    return min(approvals) if approvals else None
