"""Expedited reports (ICH E2A): the list with each clock's state, and marking a report sent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from trialdesk.core.expedited import ReportStatus, deadline_status, expedited_clock
from trialdesk.core.input_rules import plausible_date_problems, text_problems
from trialdesk.core.roles import Action
from trialdesk.errors import AlreadyDone, NotFound, Problem, ValidationFailed
from trialdesk.protocol.schema import Protocol
from trialdesk.records.models import Study
from trialdesk.records.treatment.models import AdverseEvent, ExpeditedReport
from trialdesk.services.actors import Actor, authorize
from trialdesk.services.clock import local_today
from trialdesk.services.treatment._common import safety_plan, to_core_event
from trialdesk.services.unit_of_work import UnitOfWork, use_case
from trialdesk.testing import SYSTEM_CLOCK, Clock


@dataclass(frozen=True)
class ExpeditedRow:
    """One clock on `as_of`: `status` of the initial report, `follow_up_status` (fatal/life-threatening only)."""

    report: (
        ExpeditedReport  # .event (AdverseEvent, .code), .kind, .initial_due_on, .follow_up_due_on, .sent_on
    )
    status: ReportStatus  # open | sent | sent_late | overdue
    follow_up_status: ReportStatus | None
    overdue: bool  # the initial report or the follow-up is overdue
    days_left: int  # days until the initial due date (negative: overdue by)


def row(report: ExpeditedReport, as_of: date | None = None, clock: Clock = SYSTEM_CLOCK) -> ExpeditedRow:
    """The state of one clock on `as_of` (default today); no permission check (callers have one)."""
    as_of = as_of or local_today(clock)
    status = deadline_status(report.initial_due_on, report.sent_on, as_of)
    follow = (
        deadline_status(report.follow_up_due_on, report.follow_up_sent_on, as_of)
        if report.follow_up_due_on is not None
        else None
    )
    overdue = status is ReportStatus.OVERDUE or follow is ReportStatus.OVERDUE
    return ExpeditedRow(report, status, follow, overdue, (report.initial_due_on - as_of).days)


def expedited_reports(
    actor: Actor,
    *,
    study: Study,
    as_of: date | None = None,
    overdue_only: bool = False,
    clock: Clock = SYSTEM_CLOCK,
) -> list[ExpeditedRow]:
    """Every expedited clock of the study (sites the actor sees), soonest due first."""
    authorize(actor, Action.VIEW_SAFETY)
    day = as_of or local_today(clock)
    sites = actor.site_ids(Action.VIEW_SAFETY)
    query = ExpeditedReport.objects.filter(event__participant__study=study).select_related(
        "event__participant"
    )
    if sites is not None:
        query = query.filter(event__participant__site_id__in=sites)
    rows = [row(r, day) for r in query.order_by("initial_due_on", "pk")]
    return [r for r in rows if r.overdue] if overdue_only else rows


def get_report(actor: Actor, *, study: Study, report_id: int) -> ExpeditedReport:
    authorize(actor, Action.VIEW_SAFETY)
    report = (
        ExpeditedReport.objects.filter(pk=report_id, event__participant__study=study)
        .select_related("event__participant")
        .first()
    )
    if report is None or not actor.may(Action.VIEW_SAFETY, report.event.participant.site_id):
        raise NotFound(f"No expedited report {report_id}")
    return report


def _check_sent(report: ExpeditedReport, sent_on: date, follow_up: bool, today: date, reference: str) -> None:
    problems = plausible_date_problems(sent_on, where="sent_on")
    problems += text_problems(reference, where="reference", max_length=200)  # ExpeditedReport.sent_reference
    if sent_on > today:
        problems.append(Problem("sent_on", "in the future"))
    if sent_on < report.first_knowledge_on:
        problems.append(Problem("sent_on", "before the date of first knowledge"))
    if follow_up and report.follow_up_due_on is None:
        problems.append(Problem("follow_up", "this report has no follow-up deadline"))
    if problems:
        raise ValidationFailed("The report cannot be marked sent", tuple(problems))


def mark_report_sent(
    actor: Actor,
    *,
    report: ExpeditedReport,
    sent_on: date,
    follow_up: bool = False,
    reference: str = "",
    clock: Clock = SYSTEM_CLOCK,
) -> ExpeditedReport:
    """Record that the initial report (or, with `follow_up`, the complete follow-up) was sent on `sent_on`."""
    site_id = report.event.participant.site_id
    study = report.event.participant.study
    with use_case(actor, Action.SUBMIT_EXPEDITED_REPORT, study=study, site_id=site_id, clock=clock) as uow:
        _check_sent(report, sent_on, follow_up, uow.today, reference)
        locked = (
            ExpeditedReport.objects.select_for_update().select_related("event__participant").get(pk=report.pk)
        )
        which = "follow-up" if follow_up else "initial report"
        already = locked.follow_up_sent_on if follow_up else locked.sent_on
        if already is not None:
            raise AlreadyDone(f"The {which} for {locked.event.code} was already marked sent on {already}")
        if follow_up and locked.sent_on is None:
            raise ValidationFailed(
                "Mark the initial report sent first", (Problem("follow_up", "initial report not sent"),)
            )
        if follow_up:
            locked.follow_up_sent_on, locked.follow_up_sent_by = sent_on, actor.username
        else:
            locked.sent_on, locked.sent_by = sent_on, actor.username
            locked.sent_reference = reference.strip()
        locked.save()
        uow.record(
            "safety.expedited_sent",
            object_type="adverse_event",
            object_id=locked.event.code,
            before=None,
            after={"which": which, "sent_on": sent_on.isoformat(), "reference": reference.strip()},
        )
    return locked


def start_or_upgrade_clock(
    event: AdverseEvent, protocol: Protocol, uow: UnitOfWork, aware_on: date
) -> ExpeditedReport | None:
    """Called on every save of an adverse event, inside its transaction: start the ICH E2A clock when the event
    first qualifies as a SUSAR, and upgrade a 15-day clock when a follow-up makes the event fatal or
    life-threatening. Both count from `aware_on`, the date the site learned the information that qualified it
    (the first report's date of first knowledge, or the follow-up's own awareness date), never from the save."""
    now = uow.now
    report = ExpeditedReport.objects.filter(event=event).first()
    if report is None:
        first_knowledge = aware_on
        clock_ = expedited_clock(
            to_core_event(event), safety_plan(protocol), first_knowledge_on=first_knowledge
        )
        if clock_ is not None:
            report = ExpeditedReport.objects.create(
                event=event,
                kind=clock_.kind,
                first_knowledge_on=clock_.first_knowledge_on,
                initial_due_on=clock_.initial_due_on,
                follow_up_due_on=clock_.follow_up_due_on,
                created_at=now,
            )
            uow.record(
                "safety.expedited_clock",
                object_type="adverse_event",
                object_id=event.code,
                before=None,
                after={"kind": report.kind, "due_on": report.initial_due_on.isoformat()},
            )
    elif report.kind == "other_serious":
        report = _upgrade_clock(report, event, protocol, uow, aware_on)
    return report


def _upgrade_clock(
    report: ExpeditedReport, event: AdverseEvent, protocol: Protocol, uow: UnitOfWork, aware_on: date
) -> ExpeditedReport:
    """A SUSAR found fatal or life-threatening by a follow-up: the new information is due within 7 days of
    learning it (ICH E2A). Not yet sent: the initial report's due date moves up if that is sooner. Already
    sent: the 7-day deadline applies to the follow-up report."""
    upgraded = expedited_clock(to_core_event(event), safety_plan(protocol), first_knowledge_on=aware_on)
    if upgraded is None or upgraded.kind != "fatal_or_life_threatening":
        return report
    before = {
        "kind": report.kind,
        "due_on": report.initial_due_on.isoformat(),
        "follow_up_due_on": report.follow_up_due_on.isoformat() if report.follow_up_due_on else None,
    }
    report.kind = upgraded.kind
    if report.sent_on is None:
        report.initial_due_on = min(report.initial_due_on, upgraded.initial_due_on)
        report.follow_up_due_on = upgraded.follow_up_due_on
    else:
        report.follow_up_due_on = upgraded.initial_due_on
    report.save(update_fields=["kind", "initial_due_on", "follow_up_due_on"])
    uow.record(
        "safety.expedited_clock_upgraded",
        object_type="adverse_event",
        object_id=event.code,
        before=before,
        after={
            "kind": report.kind,
            "due_on": report.initial_due_on.isoformat(),
            "follow_up_due_on": report.follow_up_due_on.isoformat() if report.follow_up_due_on else None,
        },
        reason=f"follow-up learned {aware_on.isoformat()}: the event is now fatal or life-threatening",
    )
    return report
