"""Re-consent after an amendment brings a new consent document version.

A participant who consented on an earlier document and is still in the trial (not withdrawn, completed or lost)
must consent on the version in force before the actions in `NEEDS_CURRENT_CONSENT` (giving the treatment,
entering form data); adverse events, visits, queries and the consent itself stay open, so safety reporting never
waits for a signature. The flag is derived from the records (never stored apart), so it clears the moment the
consent is recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from trialdesk.core.participant_status import FINAL, ParticipantStatus
from trialdesk.core.roles import Action
from trialdesk.errors import Locked, Problem
from trialdesk.records.models import Participant, Study
from trialdesk.services.actors import Actor
from trialdesk.services.versions import Purpose, governing_protocol

NEEDS_CURRENT_CONSENT = frozenset({Action.GIVE_TREATMENT, Action.ENTER_FORM_DATA})


def reconsent_due(participant: Participant, on: date | None = None) -> str | None:
    """The consent document version `participant` must re-consent on (None: nothing is due)."""
    if ParticipantStatus(participant.status) in FINAL:
        return None
    protocol = governing_protocol(
        study=participant.study, participant=participant, purpose=Purpose.CONSENT, on=on
    )
    if not protocol.consent:
        return None
    current = protocol.consent[-1].version
    signed = set(participant.consents.values_list("document_version", flat=True))
    return current if signed and current not in signed else None


def ensure_current_consent(participant: Participant, action: Action, on: date) -> None:
    """The re-consent guard of `use_case`: refuses the gated actions while a re-consent is due."""
    if action not in NEEDS_CURRENT_CONSENT:
        return
    due = reconsent_due(participant, on)
    if due is not None:
        raise Locked(
            f"{participant.study_code} must re-consent on consent document version {due} "
            "(a protocol amendment) before treatment or data entry",
            (Problem("consent", f"re-consent on version {due} is not recorded"),),
            details={"reconsent_version": due},
        )


@dataclass(frozen=True)
class ReconsentRow:
    participant: Participant
    version_due: str
    last_version: str


def participants_needing_reconsent(actor: Actor, *, study: Study, on: date) -> list[ReconsentRow]:
    """Everyone at the actor's sites who still has to re-consent on the document in force."""
    sites = actor.site_ids(Action.VIEW_PARTICIPANTS)
    query = Participant.objects.filter(study=study).exclude(status__in=[s.value for s in FINAL])
    if sites is not None:
        query = query.filter(site_id__in=sites)
    rows = []
    for participant in query.select_related("study", "site").prefetch_related("consents"):
        due = reconsent_due(participant, on)
        if due is not None:
            last = max(participant.consents.all(), key=lambda c: c.recorded_at)
            rows.append(ReconsentRow(participant, due, last.document_version))
    return rows
