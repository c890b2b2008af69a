"""The protocol schema: a whole trial as data.

Top level (every later section is optional so that a registry import can be a draft):
    schema_version, id, version, status, registration, design, arms, criteria, outcomes,
    consent, randomization, dosing, schedule, stopping_rules, safety, forms, lab_tests, edit_checks, analysis,
    assumptions

`registration` holds what a trial registry (IRCT) records: titles, conditions, sponsors, funding,
contacts, recruitment centres and ethics approvals. `design` holds the design facts the system acts
on (allocation, masking, phase, sample size, age and sex limits). Every field carries its docstring
as its description; docs/protocol.md lists them all (a test keeps the two in step).
"""

from __future__ import annotations

import typing
from datetime import date
from typing import Literal

from pydantic import Field, field_validator, model_validator

from trialdesk.errors import Problem
from trialdesk.protocol.analysis import AnalysisPlan, analysis_problems
from trialdesk.protocol.base import Assumption, Text
from trialdesk.protocol.forms import EditCheck, FormDefinition, LabTestDefinition, check_form_references
from trialdesk.protocol.randomization import RandomizationDesign, check_against_arms
from trialdesk.protocol.registration import MaskedRole, Phase, Registration, SchemaModel, Slug
from trialdesk.protocol.treatment import (
    DosingPlan,
    SafetyPlan,
    StoppingRules,
    VisitSchedule,
    treatment_problems,
)


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
    interpretation: str | None = None
    """How this protocol reads the registration's wording, kept verbatim in `text` (an ASSUMPTION note)."""

    @model_validator(mode="after")
    def _only_inclusion_criteria_are_grouped(self) -> Criterion:
        if self.group is not None and self.kind != "inclusion":
            raise ValueError("group is only allowed on inclusion criteria")
        return self


class Outcome(SchemaModel):
    """A primary, secondary or exploratory outcome measure, registered or added by this protocol."""

    id: Slug
    """Identifier of the outcome, unique in the protocol."""
    kind: Literal["primary", "secondary", "exploratory"]
    """Primary, secondary or exploratory."""
    registered: bool = True
    """Prespecified in the trial registration; false for an endpoint this protocol added (then say why in
    `assumption`), so reports can tell prespecified results from added ones."""
    assumption: str | None = None
    """Why an added (unregistered) endpoint is collected and how it is classified."""
    description: Text
    """What is measured."""
    timepoint: Text | None = None
    """When it is measured."""
    method: Text | None = None
    """Method of measurement."""

    @model_validator(mode="after")
    def _added_outcomes_are_explained(self) -> Outcome:
        if not self.registered and self.kind == "primary":
            raise ValueError("an outcome not in the registration cannot be primary")
        if not self.registered and not self.assumption:
            raise ValueError(
                "an outcome not in the registration needs an 'assumption' saying why it is added"
            )
        return self


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
    analysis: AnalysisPlan | None = None
    """Statistical analysis plan: populations, analysis visits, endpoints and methods."""
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
        if self.analysis is not None:
            problems += analysis_problems(self.analysis, self.forms, {o.id for o in self.outcomes})
        pre = self.dosing.first_dose_preconditions if self.dosing is not None else None
        if pre is not None and self.forms:
            at_visit = {form.id for form in self.forms if pre.visit in form.visits}
            problems += [
                Problem(
                    "dosing.first_dose_preconditions.forms", f"form '{f}' is not collected at '{pre.visit}'"
                )
                for f in pre.forms
                if f not in at_visit
            ]
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
