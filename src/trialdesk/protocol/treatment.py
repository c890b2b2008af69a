"""Protocol sections `dosing:`, `schedule:`, `stopping_rules:` and `safety:`.

These describe *kinds* of things (an escalation ladder, a maintenance cycle, a visit window anchored to an
injection, a stopping rule over adverse-event conditions); the numbers of one study live in its YAML file.
The pure rules that use them are in `trialdesk.core` (dosing, schedule, stopping, adverse_events, expedited).

Cross-section consistency (visit anchors name real steps, arms exist, relatedness levels exist on the scale)
is checked by `treatment_problems()`, which the protocol loader can call with the arm ids.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import Field, field_validator, model_validator

from trialdesk.errors import Problem
from trialdesk.protocol.base import Assumption, ProtocolModel, Text
from trialdesk.protocol.dose_safety import FirstDosePreconditions, VitalSignLimit
from trialdesk.protocol.schedule import RepeatRule, Visit, VisitSchedule

Slug = str
ReactionAction = Literal["hold", "repeat_step", "step_down", "stop"]
Route = Literal["intravenous", "subcutaneous", "intramuscular", "oral", "other"]


# --- adverse-event conditions (shared by the hold rule and the stopping rules) ------------------------------


class AdverseEventCondition(ProtocolModel):
    """A condition an adverse event may meet. Every field given must hold (AND); an empty field is 'any'.

    `terms` are CTCAE term ids (e.g. `infusion_related_reaction`); `relationship_to_product` lists the
    relatedness levels (ids on `safety.relatedness_scale`) that satisfy the condition.
    """

    id: Slug
    description: Text
    terms: list[Slug] = Field(default_factory=list)
    min_grade: int | None = Field(default=None, ge=1, le=5)
    relationship_to_product: list[Slug] = Field(default_factory=list)
    serious: bool | None = None


# --- dosing -------------------------------------------------------------------------------------------------


class ProductDefinition(ProtocolModel):
    """What is given: the product name, what one 'unit' means, and whether all doses must come from one source."""

    name: Text
    unit: str = "unit"
    unit_definition: Text
    single_source_required: bool = False


class EscalationStep(ProtocolModel):
    """One rung of the escalation ladder. Day 0 is the day of the first dose."""

    id: Slug
    label: Text
    amount: Decimal = Field(gt=0)
    unit: str
    route: Route
    earliest_day: int = Field(ge=0)
    observation_hours: int = Field(
        ge=0, description="minimum observation after this dose before the next one"
    )


class Maintenance(ProtocolModel):
    """Repeated doses after the ladder's last step, each `interval_*_days` after the previous dose."""

    id: Slug = "maintenance"
    label: Text
    amount: Decimal = Field(gt=0)
    unit: str
    route: Route
    interval_min_days: int = Field(gt=0)
    interval_target_days: int = Field(gt=0)
    interval_max_days: int = Field(gt=0)
    cycles: int = Field(ge=1)
    observation_hours: int = Field(ge=0)

    @model_validator(mode="after")
    def _interval_is_ordered(self) -> Maintenance:
        if not self.interval_min_days <= self.interval_target_days <= self.interval_max_days:
            raise ValueError("maintenance interval must satisfy min <= target <= max days")
        return self


class ArmDosing(ProtocolModel):
    """The treatment of one arm. An arm without steps receives no study product (e.g. the control arm)."""

    background_therapy: Text | None = None
    steps: list[EscalationStep] = Field(default_factory=list)
    maintenance: Maintenance | None = None

    @property
    def receives_product(self) -> bool:
        return bool(self.steps)

    @model_validator(mode="after")
    def _ladder_is_consistent(self) -> ArmDosing:
        ids = [s.id for s in self.steps]
        if self.maintenance is not None:
            if not self.steps:
                raise ValueError("maintenance needs an escalation ladder before it")
            ids.append(self.maintenance.id)
        if len(set(ids)) != len(ids):
            raise ValueError("step ids (and the maintenance id) must be unique within an arm")
        if self.steps and self.steps[0].earliest_day != 0:
            raise ValueError("the first step is the first dose: its earliest_day must be 0")
        days = [s.earliest_day for s in self.steps]
        if days != sorted(days):
            raise ValueError("earliest_day must not decrease along the ladder")
        return self

    def step(self, step_id: str) -> EscalationStep:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)


class HoldRule(ProtocolModel):
    """An open adverse event meeting any of these conditions holds the next dose."""

    description: Text
    conditions: list[AdverseEventCondition] = Field(min_length=1)


class ReactionRule(ProtocolModel):
    """What follows a reaction (an event meeting the hold rule, starting after the last dose) once it resolves."""

    action: ReactionAction
    description: Text


class SafetyCheckItem(ProtocolModel):
    """One item of the pre-dose safety check the investigator signs (answered normal / abnormal).

    `attests_vital_signs`: answering this item "normal" attests that the measured vital signs are within their
    ranges, so it is refused against an out-of-range value."""

    id: Slug
    label: Text
    attests_vital_signs: bool = False


class DosingPlan(ProtocolModel):
    product: ProductDefinition
    arms: dict[Slug, ArmDosing] = Field(min_length=1)
    hold_rule: HoldRule
    reaction_rule: ReactionRule
    pre_dose_safety_check: list[SafetyCheckItem] = Field(min_length=1)
    vital_sign_limits: list[VitalSignLimit] = Field(default_factory=list)
    first_dose_preconditions: FirstDosePreconditions | None = None
    treatment_assumptions: list[Assumption] = Field(default_factory=list)

    @field_validator("pre_dose_safety_check")
    @classmethod
    def _check_ids_unique(cls, items: list[SafetyCheckItem]) -> list[SafetyCheckItem]:
        ids = [i.id for i in items]
        if len(set(ids)) != len(ids):
            raise ValueError("pre-dose safety check item ids must be unique")
        return items

    @field_validator("vital_sign_limits")
    @classmethod
    def _vital_ids_unique(cls, limits: list[VitalSignLimit]) -> list[VitalSignLimit]:
        ids = [v.id for v in limits]
        if len(set(ids)) != len(ids):
            raise ValueError("vital sign ids must be unique")
        return limits

    def arm(self, arm_id: str) -> ArmDosing:
        try:
            return self.arms[arm_id]
        except KeyError:
            raise KeyError(arm_id) from None


# --- stopping rules -----------------------------------------------------------------------------------------


class StoppingRule(ProtocolModel):
    """A rule that fires when any adverse event meets any of its conditions."""

    id: Slug
    description: Text
    conditions: list[AdverseEventCondition] = Field(min_length=1)


class StoppingRules(ProtocolModel):
    """`participant` rules stop that participant's product dosing; `study` rules pause all product dosing
    until the ethics/safety committee records a decision on the triggering event."""

    participant: list[StoppingRule] = Field(default_factory=list)
    study: list[StoppingRule] = Field(default_factory=list)


# --- safety -------------------------------------------------------------------------------------------------


class RelatednessLevel(ProtocolModel):
    id: Slug
    label: Text
    counts_as_related: bool


def _default_scale() -> list[RelatednessLevel]:
    levels = [
        ("not_related", "Not related", False),
        ("unlikely", "Unlikely", False),
        ("possible", "Possible", True),
        ("probable", "Probable", True),
        ("definite", "Definite", True),
    ]
    return [RelatednessLevel(id=i, label=Text(en=t), counts_as_related=r) for i, t, r in levels]


class ExpeditedReporting(ProtocolModel):
    """ICH E2A clock for serious, unexpected, related events (calendar days from first knowledge)."""

    fatal_or_life_threatening_days: int = Field(default=7, gt=0)
    fatal_or_life_threatening_follow_up_days: int = Field(default=15, gt=0)
    other_serious_days: int = Field(default=15, gt=0)


class SafetyPlan(ProtocolModel):
    """CTCAE version, the relatedness scale, and the expedited-reporting clock."""

    ctcae_version: Literal["5.0"] = "5.0"
    relatedness_scale: list[RelatednessLevel] = Field(default_factory=_default_scale, min_length=2)
    expedited_reporting: ExpeditedReporting = Field(default_factory=ExpeditedReporting)
    expectedness_reference: Text | None = None

    @field_validator("relatedness_scale")
    @classmethod
    def _scale_is_usable(cls, levels: list[RelatednessLevel]) -> list[RelatednessLevel]:
        ids = [level.id for level in levels]
        if len(set(ids)) != len(ids):
            raise ValueError("relatedness level ids must be unique")
        if not any(level.counts_as_related for level in levels):
            raise ValueError("at least one relatedness level must count as related")
        if all(level.counts_as_related for level in levels):
            raise ValueError("at least one relatedness level must count as not related")
        return levels

    @property
    def level_ids(self) -> frozenset[str]:
        return frozenset(level.id for level in self.relatedness_scale)

    @property
    def related_level_ids(self) -> frozenset[str]:
        return frozenset(level.id for level in self.relatedness_scale if level.counts_as_related)


# --- cross-section checks -----------------------------------------------------------------------------------


def treatment_problems(
    *,
    arm_ids: frozenset[str] | set[str],
    dosing: DosingPlan | None,
    schedule: VisitSchedule | None,
    stopping_rules: StoppingRules | None,
    safety: SafetyPlan | None,
) -> list[Problem]:
    """Problems that span sections: unknown arms, anchors naming missing steps, unknown relatedness levels."""
    problems: list[Problem] = []
    if dosing is not None:
        for arm_id in dosing.arms:
            if arm_id not in arm_ids:
                problems.append(Problem(f"dosing.arms.{arm_id}", "no such arm in 'arms'"))
        pre = dosing.first_dose_preconditions
        if pre is not None and schedule is not None and pre.visit not in {v.id for v in schedule.visits}:
            problems.append(Problem("dosing.first_dose_preconditions.visit", f"no visit '{pre.visit}'"))
    if schedule is not None:
        for index, visit in enumerate(schedule.visits):
            for arm_id in visit.arms:
                if arm_id not in arm_ids:
                    problems.append(Problem(f"schedule.visits[{index}].arms", f"no such arm '{arm_id}'"))
            step_id = visit.anchor_step
            if step_id is not None:
                known = set()
                if dosing is not None:
                    for arm_id in visit.arms:
                        arm = dosing.arms.get(arm_id)
                        if arm is not None:
                            known |= {s.id for s in arm.steps}
                            if arm.maintenance is not None:
                                known.add(arm.maintenance.id)
                if step_id not in known:
                    problems.append(
                        Problem(f"schedule.visits[{index}].anchor", f"no step '{step_id}' in its arms")
                    )
    if safety is not None:
        levels = safety.level_ids
        conditions: list[tuple[str, AdverseEventCondition]] = []
        if dosing is not None:
            conditions += [
                (f"dosing.hold_rule.conditions[{i}]", c) for i, c in enumerate(dosing.hold_rule.conditions)
            ]
        if stopping_rules is not None:
            for scope, rules in (
                ("participant", stopping_rules.participant),
                ("study", stopping_rules.study),
            ):
                for r, rule in enumerate(rules):
                    conditions += [
                        (f"stopping_rules.{scope}[{r}].conditions[{i}]", c)
                        for i, c in enumerate(rule.conditions)
                    ]
        for where, condition in conditions:
            for level in condition.relationship_to_product:
                if level not in levels:
                    problems.append(
                        Problem(f"{where}.relationship_to_product", f"'{level}' is not on the scale")
                    )
    return problems


__all__ = [
    "AdverseEventCondition",
    "ArmDosing",
    "DosingPlan",
    "EscalationStep",
    "ExpeditedReporting",
    "FirstDosePreconditions",
    "HoldRule",
    "Maintenance",
    "ProductDefinition",
    "ReactionAction",
    "ReactionRule",
    "RelatednessLevel",
    "RepeatRule",
    "SafetyCheckItem",
    "SafetyPlan",
    "StoppingRule",
    "StoppingRules",
    "Visit",
    "VisitSchedule",
    "VitalSignLimit",
    "treatment_problems",
]
