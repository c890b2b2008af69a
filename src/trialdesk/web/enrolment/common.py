"""What the enrolment pages and endpoints share: finding the participant, grouping criteria, the record.

Concealment: `ParticipantRecord.allocation` is the participant's own allocation or None; nothing here reads
the list, so a page or response about an unassigned participant has no arm to show.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from trialdesk.core.participant_status import ParticipantStatus, StatusEvent, may_happen
from trialdesk.core.roles import Action
from trialdesk.protocol.schema import Criterion, Protocol
from trialdesk.records.models import (
    Allocation,
    ConsentRecord,
    ConsentWithdrawal,
    Participant,
    ScreeningRecord,
)
from trialdesk.services.actors import Actor
from trialdesk.services.consent import current_consent_version, has_current_consent
from trialdesk.services.versions import Purpose, governing_protocol


@dataclass(frozen=True)
class CriteriaSection:
    kind: str  # inclusion | inclusion_group | exclusion
    group: str | None
    criteria: list[Criterion]


def criteria_sections(protocol: Protocol) -> list[CriteriaSection]:
    """Inclusion criteria, each group of alternatives (any one suffices), then exclusion criteria."""
    sections: list[CriteriaSection] = []
    plain = [c for c in protocol.criteria if c.kind == "inclusion" and c.group is None]
    if plain:
        sections.append(CriteriaSection("inclusion", None, plain))
    groups: list[str] = []
    for c in protocol.criteria:
        if c.kind == "inclusion" and c.group and c.group not in groups:
            groups.append(c.group)
    for group in groups:
        members = [c for c in protocol.criteria if c.kind == "inclusion" and c.group == group]
        sections.append(CriteriaSection("inclusion_group", group, members))
    exclusion = [c for c in protocol.criteria if c.kind == "exclusion"]
    if exclusion:
        sections.append(CriteriaSection("exclusion", None, exclusion))
    return sections


STATUS_LABELS: dict[str, Promise] = {
    ParticipantStatus.REGISTERED: _("registered"),
    ParticipantStatus.SCREEN_FAILED: _("screen failed"),
    ParticipantStatus.ELIGIBLE: _("eligible"),
    ParticipantStatus.CONSENTED: _("consented"),
    ParticipantStatus.RANDOMIZED: _("randomized"),
    ParticipantStatus.WITHDRAWN: _("withdrawn"),
    ParticipantStatus.COMPLETED: _("completed"),
    ParticipantStatus.LOST_TO_FOLLOW_UP: _("lost to follow-up"),
}
DECISION_LABELS: dict[str, Promise] = {
    "eligible": _("eligible"),
    "not_eligible": _("not eligible"),
    "incomplete": _("incomplete"),
}
ANSWER_LABELS: dict[str, Promise] = {"yes": _("Yes"), "no": _("No"), "unknown": _("Unknown")}
CATEGORY_LABELS: dict[str, Promise] = {
    "not_meeting_inclusion": _("inclusion not met"),
    "meets_exclusion": _("exclusion applies"),
}
SCOPE_LABELS: dict[str, Promise] = {
    "no_further_visits_data_kept": _("No further visits; data recorded so far are kept"),
}


@dataclass(frozen=True)
class ReasonRow:
    criterion: str
    text: str
    category: str
    open: bool  # unanswered rather than failed


@dataclass(frozen=True)
class AnswerRow:
    criterion: str
    text: str
    answer: str  # in the page language
    note: str  # the source note as entered


@dataclass(frozen=True)
class ScreeningRow:
    record: ScreeningRecord
    decision: str
    reasons: list[ReasonRow]
    answers: list[AnswerRow] = field(default_factory=list)


def screening_rows(records: list[ScreeningRecord], protocol: Protocol, language: str) -> list[ScreeningRow]:
    texts = {c.id: c.text.in_language(language) for c in protocol.criteria}
    rows = []
    for record in records:
        answers = record.answers or {}
        reasons = [
            ReasonRow(
                criterion=r["criterion"],
                text=texts.get(r["criterion"], r.get("text", "")),
                category=str(CATEGORY_LABELS.get(r.get("category", ""), r.get("category", ""))),
                open=answers.get(r["criterion"], {}).get("answer", "unknown") == "unknown",
            )
            for r in record.reasons
        ]
        given = [
            AnswerRow(c.id, texts[c.id], str(ANSWER_LABELS.get(a.get("answer", ""), a.get("answer", ""))),
                      str(a.get("note") or ""))
            for c in protocol.criteria
            if isinstance(a := answers.get(c.id), dict)
        ]  # fmt: skip
        decision = str(DECISION_LABELS.get(record.decision, record.decision))
        rows.append(ScreeningRow(record, decision, reasons, given))
    return rows


@dataclass(frozen=True)
class ParticipantRecord:
    participant: Participant
    status: str  # the status label in the page language
    full_name: str | None  # None unless the viewer may see identity
    screenings: list[ScreeningRow]
    consents: list[ConsentRecord]
    withdrawal: ConsentWithdrawal | None
    allocation: Allocation | None
    current_consent_version: str | None
    has_current_consent: bool
    arm_name: str | None  # the assigned arm's name in the page language; None before randomization
    consented_on: date | None
    withdrawal_scope: str
    can_be_randomized: bool  # the state machine allows it and consent is on the current document


def participant_record(actor: Actor, participant: Participant, language: str = "en") -> ParticipantRecord:
    protocol = governing_protocol(study=participant.study, participant=participant, purpose=Purpose.DISPLAY)
    shows_identity = actor.may(Action.VIEW_IDENTITY, participant.site_id)
    identity = getattr(participant, "identity", None) if shows_identity else None
    consents = list(participant.consents.order_by("recorded_at", "pk"))
    allocation = Allocation.objects.filter(participant=participant).first()
    withdrawal = ConsentWithdrawal.objects.filter(participant=participant).first()
    arm_name = None
    if allocation is not None:
        arm_name = next((a.name.in_language(language) for a in protocol.arms if a.id == allocation.arm), None)
    return ParticipantRecord(
        participant=participant,
        status=str(STATUS_LABELS.get(participant.status, participant.status)),
        full_name=identity.full_name if identity is not None else None,
        screenings=screening_rows(list(participant.screenings.order_by("attempt")), protocol, language),
        consents=consents,
        withdrawal=withdrawal,
        allocation=allocation,
        current_consent_version=current_consent_version(participant),
        has_current_consent=has_current_consent(participant),
        arm_name=arm_name,
        consented_on=consents[-1].consented_on if consents else None,
        withdrawal_scope=str(SCOPE_LABELS.get(withdrawal.scope, withdrawal.scope)) if withdrawal else "",
        can_be_randomized=may_happen(ParticipantStatus(participant.status), StatusEvent.RANDOMIZED)
        and has_current_consent(participant),
    )
