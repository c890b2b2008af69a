"""The protocol schema: a whole trial as data.

Top level (every later section is optional so that a registry import can be a draft):
    schema_version, id, version, status, registration, design, arms, criteria, outcomes,
    consent, randomization, dosing, schedule, stopping_rules, safety, forms, lab_tests, edit_checks, assumptions

`registration` holds what a trial registry (IRCT) records: titles, conditions, sponsors, funding,
contacts, recruitment centres and ethics approvals. `design` holds the design facts the system acts
on (allocation, masking, phase, sample size, age and sex limits). Every field carries its docstring
as its description; docs/protocol.md lists them all (a test keeps the two in step).
"""

from __future__ import annotations

import re
import typing
from datetime import date
from typing import Annotated, Literal

import jdatetime
from pydantic import ConfigDict, Field, StringConstraints, field_validator, model_validator

from trialdesk.protocol.base import Assumption, ProtocolModel, Text
from trialdesk.protocol.forms import EditCheck, FormDefinition, LabTestDefinition, check_form_references
from trialdesk.protocol.randomization import RandomizationDesign, check_against_arms
from trialdesk.protocol.treatment import (
    DosingPlan,
    SafetyPlan,
    StoppingRules,
    VisitSchedule,
    treatment_problems,
)

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


# --- design ----------------------------------------------------------------------------------


class Eligibility(SchemaModel):
    """Age and sex limits of eligibility (the criteria themselves are the top-level `criteria`)."""

    min_age_years: float | None = Field(default=None, ge=0)
    """Youngest eligible age in years (inclusive); none means no lower limit."""
    max_age_years: float | None = Field(default=None, ge=0)
    """Oldest eligible age in years (inclusive); none means no upper limit."""
    gender: Literal["both", "female", "male"] = "both"
    """Which sexes may take part."""

    @model_validator(mode="after")
    def _min_age_is_not_above_max_age(self) -> Eligibility:
        low, high = self.min_age_years, self.max_age_years
        if low is not None and high is not None and low > high:
            raise ValueError(f"min_age_years {low:g} is above max_age_years {high:g}")
        return self

    @property
    def no_age_limit(self) -> bool:
        """True when neither a lower nor an upper age limit is set."""
        return self.min_age_years is None and self.max_age_years is None


class Design(SchemaModel):
    """How the trial is designed: allocation, masking, phase, purpose, size and eligibility limits."""

    allocation: Literal["randomized", "non_randomized", "single_arm"] = "randomized"
    """How participants are allocated to arms."""
    masking: Literal["none", "single", "double", "triple", "quadruple"] = "none"
    """Level of masking (blinding); none = not blinded."""
    masked_roles: list[MaskedRole] = Field(default_factory=list)
    """Who is masked (participant, care_provider, investigator, outcome_assessor, data_analyst)."""
    masking_description: str | None = None
    """How masking is achieved."""
    placebo: bool = False
    """Whether a placebo is used."""
    assignment: Literal["parallel", "crossover", "factorial", "single_group", "other"] = "parallel"
    """Intervention assignment model."""
    phase: Phase | None = None
    """Trial phase as registered: n/a, 0, 1, 1-2, 2, 2-3, 3 or 4."""
    purpose: str | None = None
    """Primary purpose, e.g. Treatment, Prevention, Diagnosis, Supportive."""
    target_sample_size: int = Field(gt=0)
    """Number of participants to be enrolled."""
    description: str | None = None
    """The registry's free-text description of the design."""
    settings: str | None = None
    """Settings and conduct: where and how the trial is run."""
    randomization_description: str | None = None
    """The registry's description of the randomization."""
    other_features: str | None = None
    """Other design features."""
    eligibility: Eligibility = Field(default_factory=Eligibility)
    """Age and sex limits."""

    @model_validator(mode="after")
    def _unmasked_trial_masks_nobody(self) -> Design:
        if self.masking == "none" and self.masked_roles:
            raise ValueError("masked_roles are given but masking is none (not blinded)")
        return self


# --- arms, criteria, outcomes, consent --------------------------------------------------------


class Arm(SchemaModel):
    """A treatment arm (intervention group)."""

    id: Slug
    """Identifier of the arm, unique in the protocol."""
    name: Text
    """Short name of the arm."""
    description: Text | None = None
    """What the arm receives."""
    kind: Literal["experimental", "control", "active_comparator", "placebo_comparator", "other"] = "other"
    """Role of the arm in the comparison."""
    registry_category: str | None = None
    """The registry's intervention category, e.g. 'Treatment - Other'."""


class Criterion(SchemaModel):
    """One eligibility criterion. Inclusion criteria sharing a `group` are alternatives: at least one must be met."""

    id: Slug
    """Identifier of the criterion, unique in the protocol."""
    kind: Literal["inclusion", "exclusion"]
    """Inclusion or exclusion."""
    text: Text
    """The criterion as worded for the screener."""
    group: Slug | None = None
    """Alternatives group (inclusion only): at least one criterion of the group must be met."""

    @model_validator(mode="after")
    def _only_inclusion_criteria_are_grouped(self) -> Criterion:
        if self.group is not None and self.kind != "inclusion":
            raise ValueError("group is only allowed on inclusion criteria")
        return self


class Outcome(SchemaModel):
    """A primary or secondary outcome measure."""

    id: Slug
    """Identifier of the outcome, unique in the protocol."""
    kind: Literal["primary", "secondary"]
    """Primary or secondary."""
    description: Text
    """What is measured."""
    timepoint: Text | None = None
    """When it is measured."""
    method: Text | None = None
    """Method of measurement."""


class ConsentDocument(SchemaModel):
    """A version of the informed consent document."""

    version: str
    """Version label of the document, e.g. 1.0."""
    approved_on: date | None = None
    """Date the ethics committee approved this version."""
    title: Text
    """Title of the document."""


class _Identified(typing.Protocol):
    @property
    def id(self) -> str: ...


def _first_repeated(values: list[str]) -> str | None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            return value
        seen.add(value)
    return None


class Protocol(SchemaModel):
    """A whole trial: registration, design, arms, eligibility, outcomes and the sections that run it."""

    schema_version: Literal[1] = 1
    """Version of this schema."""
    id: Slug
    """Identifier of the study."""
    version: str
    """Version of the protocol, e.g. 1.0.0."""
    status: Literal["draft", "final"] = "draft"
    """A draft (e.g. a registry import) or the final protocol."""
    registration: Registration
    """Registry and ethics metadata."""
    design: Design
    """Design facts."""
    arms: list[Arm] = Field(min_length=1)
    """Treatment arms."""
    criteria: list[Criterion] = Field(default_factory=list)
    """Inclusion and exclusion criteria."""
    outcomes: list[Outcome] = Field(default_factory=list)
    """Primary and secondary outcomes."""
    consent: list[ConsentDocument] = Field(default_factory=list)
    """Versions of the consent document."""
    randomization: RandomizationDesign | None = None
    """Randomization scheme."""
    dosing: DosingPlan | None = None
    """Dosing plan."""
    schedule: VisitSchedule | None = None
    """Visit schedule."""
    stopping_rules: StoppingRules | None = None
    """Stopping rules."""
    safety: SafetyPlan | None = None
    """Safety reporting settings."""
    forms: list[FormDefinition] = Field(default_factory=list)
    """Case report forms."""
    lab_tests: list[LabTestDefinition] = Field(default_factory=list)
    """Laboratory tests."""
    edit_checks: list[EditCheck] = Field(default_factory=list)
    """Edit checks."""
    assumptions: list[Assumption] = Field(default_factory=list)
    """Assumptions made where the registration is vague."""

    @field_validator("arms", "criteria", "outcomes", "assumptions")
    @classmethod
    def _ids_are_unique(cls, items: list[_Identified]) -> list[_Identified]:
        repeated = _first_repeated([item.id for item in items])
        if repeated is not None:
            raise ValueError(f"id '{repeated}' is used twice")
        return items

    @field_validator("consent")
    @classmethod
    def _consent_versions_are_unique(cls, documents: list[ConsentDocument]) -> list[ConsentDocument]:
        repeated = _first_repeated([document.version for document in documents])
        if repeated is not None:
            raise ValueError(f"consent version '{repeated}' is listed twice")
        return documents

    @model_validator(mode="after")
    def _randomized_design_has_two_arms(self) -> Protocol:
        if self.design.allocation == "randomized" and len(self.arms) < 2:
            raise ValueError("a randomized design needs at least two arms")
        return self

    @model_validator(mode="after")
    def _sections_agree(self) -> Protocol:
        """Sections kept in separate files must name the same arms, visits and lab tests."""
        arm_ids = {arm.id for arm in self.arms}
        problems = []
        if self.randomization is not None:
            problems += check_against_arms(self.randomization, sorted(arm_ids))
        problems += treatment_problems(
            arm_ids=arm_ids,
            dosing=self.dosing,
            schedule=self.schedule,
            stopping_rules=self.stopping_rules,
            safety=self.safety,
        )
        visit_ids = [visit.id for visit in self.schedule.visits] if self.schedule is not None else None
        problems += check_form_references(self.forms, self.lab_tests, self.edit_checks, visit_ids=visit_ids)
        if problems:
            raise ValueError("; ".join(str(problem) for problem in problems))
        return self

    def arm(self, arm_id: str) -> Arm:
        for arm in self.arms:
            if arm.id == arm_id:
                return arm
        raise KeyError(arm_id)

    @property
    def inclusion_criteria(self) -> list[Criterion]:
        return [c for c in self.criteria if c.kind == "inclusion"]

    @property
    def exclusion_criteria(self) -> list[Criterion]:
        return [c for c in self.criteria if c.kind == "exclusion"]
