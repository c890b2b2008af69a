"""The escalation ladder and the dosing gate: may this participant receive the next dose now?

The ladder of an arm is its escalation steps followed by the maintenance dose, given `cycles` times.
A participant's position is replayed from the administrations recorded so far:

* a full dose of a step completes it and the next dose is the step above (after the last step: maintenance);
* a **partial dose** (infusion stopped early, or less than the step amount) does not complete the step: the
  same step is given again, in full, before escalating;
* a **reaction** is an adverse event meeting the protocol's hold rule whose onset is at or after the last
  dose. While it is open the gate holds dosing; once it has resolved the protocol's reaction rule decides:
  `hold` (continue as if no reaction: the next step, or the same step after a partial dose), `repeat_step`
  (the same step again; after a full maintenance dose there is no higher step, so the next maintenance cycle
  follows at its usual interval), `step_down` (the highest step with a lower amount than the dose that reacted, then climb again one step at a
  time), or `stop` (no further doses for this participant).

The gate (`evaluate_gate`) allows the next dose only when every rule passes, and otherwise lists every
reason, in clinician language, with the time from which each time-based rule would allow it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Literal

from trialdesk.core.adverse_events import AdverseEvent, describe, first_condition_met, format_time, is_open
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
    code: str
    message: str
    allowed_from: datetime | None = None


@dataclass(frozen=True)
class GateDecision:
    """`allowed` only when `reasons` is empty. `earliest_allowed_at` is when the time-based rules allow the next
    dose (None when there is no time limit or no next dose); the other rules must be met as well."""

    allowed: bool
    next_step: DoseStep | None
    reasons: tuple[GateReason, ...]
    earliest_allowed_at: datetime | None
    position: LadderPosition | None


# --- the ladder ---------------------------------------------------------------------------------------------


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
    completed: set[str] = set()
    cycles_done = 0
    for dose in doses:
        step = _step(steps, dose.step_id)
        if not is_partial(dose, step):
            if step.kind == "maintenance":
                cycles_done += 1
            else:
                completed.add(step.id)
    cycles_total = arm.maintenance.cycles if arm.maintenance is not None else 0

    def after(index: int) -> tuple[DoseStep | None, str]:
        if index + 1 < len(steps) and steps[index + 1].kind == "escalation":
            return steps[
                index + 1
            ], f"{steps[index].label.en} was completed: escalate to {steps[index + 1].label.en}"
        if arm.maintenance is not None and cycles_done < cycles_total:
            return steps[-1], f"maintenance cycle {cycles_done + 1} of {cycles_total}"
        return None, "all planned doses have been given"

    if not steps:
        return LadderPosition(
            None, None, None, None, False, None, frozenset(), 0, None, False, True, False, "no study product"
        )
    if not doses:
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

    last = doses[-1]
    last_step = _step(steps, last.step_id)
    partial = is_partial(last, last_step)
    reactions = sorted(
        (
            event
            for event in adverse_events
            if event.onset_at >= last.given_at
            and first_condition_met(event, plan.hold_rule.conditions) is not None
        ),
        key=lambda e: e.onset_at,
    )
    reaction = reactions[0] if reactions else None
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


# --- the gate -----------------------------------------------------------------------------------------------


def _day_start(first_dose_at: datetime, days: int) -> datetime:
    """Midnight at the start of day `days` after the first dose, in the first dose's time zone."""
    return datetime.combine(first_dose_at.date() + timedelta(days=days), time(0), tzinfo=first_dose_at.tzinfo)


def _time_rules(plan: DosingPlan, arm_id: str, position: LadderPosition, step: DoseStep) -> list[GateReason]:
    """Each time bound on the next dose, as a reason carrying `allowed_from` (filtered against `now` later)."""
    bounds: list[GateReason] = []
    last, last_step = position.last_dose, position.last_step
    if last is None or last_step is None or position.first_dose_at is None:
        return bounds
    observation_end = last.given_at + timedelta(hours=last_step.observation_hours)
    bounds.append(
        GateReason(
            "observation_period",
            f"The {last_step.observation_hours}-hour observation after {last_step.label.en} "
            f"(given {format_time(last.given_at)}) is not over: it ends at {format_time(observation_end)}.",
            observation_end,
        )
    )
    if step.kind == "escalation" and step.earliest_day > 0:
        day_start = _day_start(position.first_dose_at, step.earliest_day)
        bounds.append(
            GateReason(
                "earliest_day",
                f"{step.label.en} may be given from day {step.earliest_day} after the first dose, "
                f"that is from {format_time(day_start)}.",
                day_start,
            )
        )
    maintenance = _arm(plan, arm_id).maintenance
    if step.kind == "maintenance" and maintenance is not None and not position.repeats_last_dose:
        interval_start = _day_start(last.given_at, maintenance.interval_min_days)
        bounds.append(
            GateReason(
                "maintenance_interval",
                f"Maintenance cycle {position.next_cycle} comes {maintenance.interval_min_days}-"
                f"{maintenance.interval_max_days} days after the previous dose (given {format_time(last.given_at)}): "
                f"not before {format_time(interval_start)}.",
                interval_start,
            )
        )
    return bounds


def _safety_check_reasons(
    plan: DosingPlan, step: DoseStep, check: SafetyCheck | None, last: Administration | None, now: datetime
) -> list[GateReason]:
    if check is None:
        return [
            GateReason(
                "safety_check_missing",
                f"The investigator has not signed the pre-dose safety check for {step.label.en}.",
            )
        ]
    _aware(check.signed_at, "signed_at")
    reasons: list[GateReason] = []
    if check.step_id != step.id:
        reasons.append(
            GateReason(
                "safety_check_other_dose",
                f"The signed safety check is for '{check.step_id}', not for {step.label.en}: sign a check for this dose.",
            )
        )
    if last is not None and check.signed_at <= last.given_at:
        reasons.append(
            GateReason(
                "safety_check_stale",
                f"The safety check was signed {format_time(check.signed_at)}, before the last dose "
                f"({format_time(last.given_at)}): a new check is needed for this dose.",
            )
        )
    if check.signed_at > now:
        reasons.append(
            GateReason(
                "safety_check_in_future",
                f"The safety check is dated in the future ({format_time(check.signed_at)}).",
            )
        )
    if not check.signed_by.strip():
        reasons.append(
            GateReason("safety_check_unsigned", "The safety check carries no investigator signature.")
        )
    unanswered = [item.label.en for item in plan.pre_dose_safety_check if item.id not in check.answers]
    if unanswered:
        reasons.append(
            GateReason(
                "safety_check_incomplete",
                "The safety check is incomplete; not answered: " + "; ".join(unanswered) + ".",
            )
        )
    abnormal = [
        item.label.en for item in plan.pre_dose_safety_check if check.answers.get(item.id) is Finding.ABNORMAL
    ]
    if abnormal:
        reasons.append(
            GateReason(
                "safety_check_abnormal",
                "The safety check found an abnormal result, so the dose may not be given: "
                + "; ".join(abnormal)
                + ".",
            )
        )
    return reasons


def evaluate_gate(
    *,
    plan: DosingPlan,
    arm: str,
    administrations: Sequence[Administration],
    adverse_events: Sequence[AdverseEvent],
    safety_check: SafetyCheck | None,
    study_paused: bool,
    participant_stopped: bool,
    now: datetime,
) -> GateDecision:
    """May the participant receive the next dose at `now`? Every rule is checked; every failure is a reason.

    `administrations` and `adverse_events` are this participant's; `study_paused` and `participant_stopped` come
    from `trialdesk.core.stopping.evaluate_stopping` (and any recorded committee decision).
    """
    _aware(now, "now")
    reasons: list[GateReason] = []
    if participant_stopped:
        reasons.append(
            GateReason(
                "participant_stopped",
                "This participant's study-product dosing has been stopped (stopping rule).",
            )
        )
    if study_paused:
        reasons.append(
            GateReason(
                "study_paused",
                "All study-product dosing is paused until the ethics/safety committee records a decision.",
            )
        )
    if not _arm(plan, arm).receives_product:
        reasons.append(GateReason("no_study_product", "This arm receives no study product."))
        return GateDecision(False, None, tuple(reasons), None, None)

    position = ladder_position(plan, arm, administrations, adverse_events)
    step = position.next_step
    if position.stopped_by_reaction:
        reasons.append(GateReason("stopped_after_reaction", f"No further doses: {position.note}."))
    elif step is None:
        reasons.append(GateReason("ladder_complete", "All planned doses have been given."))

    for event in sorted(adverse_events, key=lambda e: e.onset_at):
        condition = first_condition_met(event, plan.hold_rule.conditions)
        if condition is not None and is_open(event, now):
            reasons.append(
                GateReason(
                    "adverse_event_hold",
                    f"Dosing is on hold: {describe(event)} is not resolved and meets the hold rule "
                    f"({condition.description.en}). Record its resolution before the next dose.",
                )
            )

    earliest: datetime | None = None
    if step is not None:
        bounds = _time_rules(plan, arm, position, step)
        if bounds:
            earliest = max(b.allowed_from for b in bounds if b.allowed_from is not None)
        reasons.extend(b for b in bounds if b.allowed_from is not None and b.allowed_from > now)
        last = position.last_dose
        reasons.extend(_safety_check_reasons(plan, step, safety_check, last, now))

    return GateDecision(not reasons, step, tuple(reasons), earliest, position)


__all__ = [
    "Administration",
    "DoseStep",
    "Finding",
    "GateDecision",
    "GateReason",
    "LadderPosition",
    "SafetyCheck",
    "check_administration",
    "dose_steps",
    "evaluate_gate",
    "is_partial",
    "ladder_position",
]
