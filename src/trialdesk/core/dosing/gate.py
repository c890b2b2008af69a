"""The dosing gate: may this participant receive the next dose now? Every reason, with its time."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, time, timedelta

from trialdesk.core.adverse_events import AdverseEvent, describe, first_condition_met, format_time, is_open
from trialdesk.core.dosing.ladder import (
    Administration,
    DoseStep,
    Finding,
    GateDecision,
    GateReason,
    LadderPosition,
    SafetyCheck,
    _arm,
    _aware,
    ladder_position,
)
from trialdesk.core.dosing.vitals import precondition_reasons, vital_sign_reasons
from trialdesk.protocol.treatment import DosingPlan


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
            {"hours": last_step.observation_hours, "step": last_step.label, "given_at": last.given_at},
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
                {"step": step.label, "day": step.earliest_day},
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
                {
                    "cycle": position.next_cycle,
                    "min": maintenance.interval_min_days,
                    "max": maintenance.interval_max_days,
                    "given_at": last.given_at,
                },
            )
        )
    return bounds


def _answer_reasons(plan: DosingPlan, check: SafetyCheck) -> list[GateReason]:
    """The safety check's items not answered, its vital signs, and the items found abnormal."""
    reasons: list[GateReason] = []
    unanswered_items = [item.label for item in plan.pre_dose_safety_check if item.id not in check.answers]
    unanswered = [label.en for label in unanswered_items]
    if unanswered:
        reasons.append(
            GateReason(
                "safety_check_incomplete",
                "The safety check is incomplete; not answered: " + "; ".join(unanswered) + ".",
                params={"items": tuple(unanswered_items)},
            )
        )
    reasons += vital_sign_reasons(plan.vital_sign_limits, check.vital_signs)
    abnormal_items = [
        item.label for item in plan.pre_dose_safety_check if check.answers.get(item.id) is Finding.ABNORMAL
    ]
    if abnormal_items:
        reasons.append(
            GateReason(
                "safety_check_abnormal",
                "The safety check found an abnormal result, so the dose may not be given: "
                + "; ".join(label.en for label in abnormal_items)
                + ".",
                params={"items": tuple(abnormal_items)},
            )
        )
    return reasons


def _safety_check_reasons(
    plan: DosingPlan, step: DoseStep, check: SafetyCheck | None, last: Administration | None, now: datetime
) -> list[GateReason]:
    if check is None:
        return [
            GateReason(
                "safety_check_missing",
                f"The investigator has not signed the pre-dose safety check for {step.label.en}.",
                params={"step": step.label},
            )
        ]
    _aware(check.signed_at, "signed_at")
    reasons: list[GateReason] = []
    if check.step_id != step.id:
        reasons.append(
            GateReason(
                "safety_check_other_dose",
                f"The signed safety check is for another dose, not for {step.label.en}: sign a check for this dose.",
                params={"step": step.label, "checked_step": check.step_id},
            )
        )
    if last is not None and check.signed_at <= last.given_at:
        reasons.append(
            GateReason(
                "safety_check_stale",
                f"The safety check was signed {format_time(check.signed_at)}, before the last dose "
                f"({format_time(last.given_at)}): a new check is needed for this dose.",
                params={"signed_at": check.signed_at, "given_at": last.given_at},
            )
        )
    if check.signed_at > now:
        reasons.append(
            GateReason(
                "safety_check_in_future",
                f"The safety check is dated in the future ({format_time(check.signed_at)}).",
                params={"signed_at": check.signed_at},
            )
        )
    if not check.signed_by.strip():
        reasons.append(
            GateReason("safety_check_unsigned", "The safety check carries no investigator signature.")
        )
    reasons += _answer_reasons(plan, check)
    return reasons


def _hold_reasons(
    plan: DosingPlan, adverse_events: Sequence[AdverseEvent], now: datetime
) -> list[GateReason]:
    """One reason per open event that meets the hold rule, oldest first."""
    reasons: list[GateReason] = []
    for event in sorted(adverse_events, key=lambda e: e.onset_at):
        condition = first_condition_met(event, plan.hold_rule.conditions)
        if condition is not None and is_open(event, now):
            reasons.append(
                GateReason(
                    "adverse_event_hold",
                    f"Dosing is on hold: {describe(event)} is not resolved and meets the hold rule "
                    f"({condition.description.en}). Record its resolution before the next dose.",
                    params={"event": describe(event), "condition": condition.description},
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
    precondition_forms_done: frozenset[str],
    now: datetime,
    form_titles: Mapping[str, str] | None = None,
) -> GateDecision:
    """May the participant receive the next dose at `now`? Every rule is checked; every failure is a reason.

    `administrations` and `adverse_events` are this participant's; `study_paused` and `participant_stopped` come
    from `trialdesk.core.stopping.evaluate_stopping` (and any recorded committee decision).
    `precondition_forms_done` are the forms saved at the visit the protocol's `first_dose_preconditions` name
    (checked before the first dose only); `form_titles` names them in the reason.
    """
    _aware(now, "now")
    reasons = _stop_reasons(participant_stopped=participant_stopped, study_paused=study_paused)
    if not _arm(plan, arm).receives_product:
        reasons.append(GateReason("no_study_product", "This arm receives no study product."))
        return GateDecision(False, None, tuple(reasons), None, None)

    position = ladder_position(plan, arm, administrations, adverse_events)
    step = position.next_step
    if position.stopped_by_reaction:
        reasons.append(
            GateReason(
                "stopped_after_reaction",
                f"No further doses: {position.note}.",
                params={"note": position.note},
            )
        )
    elif step is None:
        reasons.append(GateReason("ladder_complete", "All planned doses have been given."))

    reasons.extend(_hold_reasons(plan, adverse_events, now))

    earliest: datetime | None = None
    if step is not None:
        earliest, step_reasons = _next_dose_reasons(
            plan, arm, position, step, safety_check, precondition_forms_done, form_titles or {}, now
        )
        reasons.extend(step_reasons)

    return GateDecision(not reasons, step, tuple(reasons), earliest, position)


def _stop_reasons(*, participant_stopped: bool, study_paused: bool) -> list[GateReason]:
    """A stopping rule (or committee decision) for this participant or for the whole study."""
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
    return reasons


def _next_dose_reasons(
    plan: DosingPlan,
    arm: str,
    position: LadderPosition,
    step: DoseStep,
    safety_check: SafetyCheck | None,
    precondition_forms_done: frozenset[str],
    form_titles: Mapping[str, str],
    now: datetime,
) -> tuple[datetime | None, list[GateReason]]:
    """The earliest time the next dose is allowed, and what blocks it now: time rules, the first-dose
    preconditions (first dose only) and the pre-dose safety check."""
    reasons: list[GateReason] = []
    earliest: datetime | None = None
    bounds = _time_rules(plan, arm, position, step)
    if bounds:
        earliest = max(b.allowed_from for b in bounds if b.allowed_from is not None)
    reasons.extend(b for b in bounds if b.allowed_from is not None and b.allowed_from > now)
    last = position.last_dose
    if last is None:
        reasons += precondition_reasons(plan.first_dose_preconditions, precondition_forms_done, form_titles)
    reasons.extend(_safety_check_reasons(plan, step, safety_check, last, now))
    return earliest, reasons
