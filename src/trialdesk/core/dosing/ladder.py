"""The escalation ladder: its steps and where a participant stands (see the package docstring)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Literal

from trialdesk.core.adverse_events import AdverseEvent, describe, first_condition_met
from trialdesk.errors import NotFound, Problem, ValidationFailed
from trialdesk.protocol.base import Text
from trialdesk.protocol.treatment import ArmDosing, DosingPlan


@dataclass(frozen=True, kw_only=True)
class Administration:
    """One dose actually given: which step, when, how much (in the step's unit), and whether it was partial."""

    step_id: str
    given_at: datetime
    amount_given: Decimal
    partial: bool = False
    lot_id: str | None = None


class Finding(StrEnum):
    NORMAL = "normal"
    ABNORMAL = "abnormal"


@dataclass(frozen=True, kw_only=True)
class SafetyCheck:
    """The pre-dose safety check the investigator signs for one dose (`step_id`): one finding per item."""

    step_id: str
    signed_by: str
    signed_at: datetime
    answers: Mapping[str, Finding]
    vital_signs: Mapping[str, Decimal] = field(default_factory=dict)  # vital sign id -> value in its unit


@dataclass(frozen=True)
class DoseStep:
    """A rung of the ladder as the gate sees it. Maintenance is one rung (index = number of escalation steps)."""

    id: str
    label: Text
    amount: Decimal
    unit: str
    route: str
    kind: Literal["escalation", "maintenance"]
    index: int
    earliest_day: int
    observation_hours: int


@dataclass(frozen=True)
class LadderPosition:
    """Where a participant stands on the ladder, replayed from the administrations."""

    next_step: DoseStep | None
    next_cycle: int | None  # 1-based maintenance cycle of `next_step`, when it is maintenance
    last_dose: Administration | None
    last_step: DoseStep | None
    last_dose_partial: bool
    first_dose_at: datetime | None
    completed_step_ids: frozenset[str]
    maintenance_cycles_done: int
    reaction: AdverseEvent | None  # the first reaction after the last dose, if any
    stopped_by_reaction: bool
    finished: bool
    repeats_last_dose: bool  # the next dose repeats the last one's step (partial dose or reaction rule)
    note: str  # why `next_step` is what it is


@dataclass(frozen=True)
class GateReason:
    """A reason the dose may not be given: a `code`, the English `message`, and the `params` a page needs to
    word the reason in its own language (step labels as protocol texts, instants as datetimes, lists as tuples)."""

    code: str
    message: str
    allowed_from: datetime | None = None
    params: Mapping[str, object] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class GateDecision:
    """`allowed` only when `reasons` is empty. `earliest_allowed_at` is when the time-based rules allow the next
    dose (None when there is no time limit or no next dose); the other rules must be met as well."""

    allowed: bool
    next_step: DoseStep | None
    reasons: tuple[GateReason, ...]
    earliest_allowed_at: datetime | None
    position: LadderPosition | None


def _arm(plan: DosingPlan, arm_id: str) -> ArmDosing:
    try:
        return plan.arm(arm_id)
    except KeyError:
        raise NotFound(f"The dosing plan has no arm '{arm_id}'", (Problem("arm", "unknown"),)) from None


def dose_steps(plan: DosingPlan, arm_id: str) -> tuple[DoseStep, ...]:
    """The ladder of an arm: the escalation steps, then the maintenance rung (if any)."""
    arm = _arm(plan, arm_id)
    steps = [
        DoseStep(
            s.id, s.label, s.amount, s.unit, s.route, "escalation", i, s.earliest_day, s.observation_hours
        )
        for i, s in enumerate(arm.steps)
    ]
    if arm.maintenance is not None:
        m = arm.maintenance
        steps.append(
            DoseStep(
                m.id, m.label, m.amount, m.unit, m.route, "maintenance", len(steps), 0, m.observation_hours
            )
        )
    return tuple(steps)


def _step(steps: Sequence[DoseStep], step_id: str) -> DoseStep:
    for step in steps:
        if step.id == step_id:
            return step
    raise ValidationFailed(
        f"'{step_id}' is not a dose step of this arm", (Problem("step_id", f"unknown step '{step_id}'"),)
    )


def _aware(moment: datetime, where: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValidationFailed(f"{where} must carry a time zone", (Problem(where, "naive datetime"),))


def is_partial(administration: Administration, step: DoseStep) -> bool:
    return administration.partial or administration.amount_given < step.amount


def check_administration(plan: DosingPlan, arm_id: str, administration: Administration) -> DoseStep:
    """Validate a dose about to be recorded: a known step of the arm, an amount > 0 and not above the step's."""
    steps = dose_steps(plan, arm_id)
    if not steps:
        raise ValidationFailed(
            "This arm receives no study product: no dose can be recorded", (Problem("arm", "no product"),)
        )
    step = _step(steps, administration.step_id)
    _aware(administration.given_at, "given_at")
    problems: list[Problem] = []
    if administration.amount_given <= 0:
        problems.append(Problem("amount_given", "must be more than 0"))
    if administration.amount_given > step.amount:
        problems.append(
            Problem(
                "amount_given",
                f"{administration.amount_given} {step.unit} is more than the step's {step.amount}",
            )
        )
    if problems:
        raise ValidationFailed(f"The dose for {step.label.en} cannot be recorded", tuple(problems))
    return step


def _progress(steps: Sequence[DoseStep], doses: Sequence[Administration]) -> tuple[set[str], int]:
    """The escalation steps given in full, and the maintenance cycles given in full."""
    completed: set[str] = set()
    cycles_done = 0
    for dose in doses:
        step = _step(steps, dose.step_id)
        if not is_partial(dose, step):
            if step.kind == "maintenance":
                cycles_done += 1
            else:
                completed.add(step.id)
    return completed, cycles_done


def _start(steps: Sequence[DoseStep]) -> LadderPosition:
    """The position before any dose (or of an arm without study product)."""
    if not steps:
        return LadderPosition(
            None, None, None, None, False, None, frozenset(), 0, None, False, True, False, "no study product"
        )
    first = steps[0]
    return LadderPosition(
        first,
        None,
        None,
        None,
        False,
        None,
        frozenset(),
        0,
        None,
        False,
        False,
        False,
        f"first dose: {first.label.en}",
    )


def _first_reaction(
    plan: DosingPlan, last: Administration, adverse_events: Sequence[AdverseEvent]
) -> AdverseEvent | None:
    """The first event since the last dose that meets the hold rule's conditions (a reaction to it)."""
    reactions = sorted(
        (
            event
            for event in adverse_events
            if event.onset_at >= last.given_at
            and first_condition_met(event, plan.hold_rule.conditions) is not None
        ),
        key=lambda e: e.onset_at,
    )
    return reactions[0] if reactions else None


def _next_dose(
    plan: DosingPlan,
    steps: Sequence[DoseStep],
    last: Administration,
    last_step: DoseStep,
    partial: bool,
    reaction: AdverseEvent | None,
    after: Callable[[int], tuple[DoseStep | None, str]],
) -> tuple[DoseStep | None, str, bool, bool]:
    """The next step after the last dose, why, whether a reaction stopped dosing, and whether it repeats."""
    stopped = False
    repeat = False
    next_step: DoseStep | None
    if reaction is not None:
        action = plan.reaction_rule.action
        label = f"after the reaction to {last_step.label.en} ({describe(reaction)})"
        if action == "stop":
            next_step, note, stopped = None, f"{label} the protocol stops further doses", True
        elif action == "repeat_step" and last_step.kind == "maintenance" and not partial:
            next_step, note = after(last_step.index)
            note = f"{label} the maintenance dose is kept (no higher step): {note}"
        elif action == "repeat_step":
            next_step, note, repeat = last_step, f"{label} the protocol repeats the same step", True
        elif action == "step_down":
            lower = [s for s in steps if s.kind == "escalation" and s.amount < last_step.amount]
            next_step = lower[-1] if lower else steps[0]
            note = f"{label} the protocol steps down to {next_step.label.en}"
        elif partial:
            next_step, note, repeat = (
                last_step,
                f"{label} and a partial dose: give the same step in full",
                True,
            )
        else:
            next_step, note = after(last_step.index)
    elif partial:
        next_step, repeat = last_step, True
        note = f"{last_step.label.en} was given only in part ({last.amount_given} of {last_step.amount} {last_step.unit}): repeat it in full before escalating"
    else:
        next_step, note = after(last_step.index)

    return next_step, note, stopped, repeat


def ladder_position(
    plan: DosingPlan,
    arm_id: str,
    administrations: Sequence[Administration],
    adverse_events: Sequence[AdverseEvent],
) -> LadderPosition:
    """Replay the administrations (in time order) and decide the next step; see the module docstring."""
    steps = dose_steps(plan, arm_id)
    arm = _arm(plan, arm_id)
    doses = sorted(administrations, key=lambda a: a.given_at)
    for dose in doses:
        _aware(dose.given_at, "given_at")
    completed, cycles_done = _progress(steps, doses)
    cycles_total = arm.maintenance.cycles if arm.maintenance is not None else 0

    def after(index: int) -> tuple[DoseStep | None, str]:
        if index + 1 < len(steps) and steps[index + 1].kind == "escalation":
            return steps[
                index + 1
            ], f"{steps[index].label.en} was completed: escalate to {steps[index + 1].label.en}"
        if arm.maintenance is not None and cycles_done < cycles_total:
            return steps[-1], f"maintenance cycle {cycles_done + 1} of {cycles_total}"
        return None, "all planned doses have been given"

    if not steps or not doses:
        return _start(steps)

    last = doses[-1]
    last_step = _step(steps, last.step_id)
    partial = is_partial(last, last_step)
    reaction = _first_reaction(plan, last, adverse_events)
    next_step, note, stopped, repeat = _next_dose(plan, steps, last, last_step, partial, reaction, after)

    next_cycle = cycles_done + 1 if next_step is not None and next_step.kind == "maintenance" else None
    return LadderPosition(
        next_step=next_step,
        next_cycle=next_cycle,
        last_dose=last,
        last_step=last_step,
        last_dose_partial=partial,
        first_dose_at=doses[0].given_at,
        completed_step_ids=frozenset(completed),
        maintenance_cycles_done=cycles_done,
        reaction=reaction,
        stopped_by_reaction=stopped,
        finished=next_step is None and not stopped,
        repeats_last_dose=repeat,
        note=note,
    )
