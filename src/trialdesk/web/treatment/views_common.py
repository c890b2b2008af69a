"""Helpers shared by the treatment pages: who is asking, which participant, and the page language."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.utils.translation import get_language

from trialdesk.core.roles import Action
from trialdesk.errors import TrialdeskError
from trialdesk.protocol.schema import Protocol
from trialdesk.records.models import Participant, Study
from trialdesk.services.actors import Actor
from trialdesk.services.versions import Purpose, governing_protocol
from trialdesk.web.errors import http_status
from trialdesk.web.request_context import participant_in_request


def language() -> str:
    return get_language() or "en"


def text(value: Any) -> str:
    """A protocol `Text` in the page language (falls back to English); plain values pass through."""
    if value is None:
        return ""
    in_language = getattr(value, "in_language", None)
    return str(in_language(language())) if in_language is not None else str(value)


@dataclass(frozen=True)
class ParticipantContext:
    actor: Actor
    study: Study
    participant: Participant
    protocol: Protocol
    arm_id: str | None
    arm_label: str

    def may(self, action: Action) -> bool:
        return self.actor.may(action, self.participant.site_id)

    def page(self, **extra: Any) -> dict[str, Any]:
        """The context every participant page starts from (the header shows code and arm)."""
        return {"participant": self.participant, "arm_id": self.arm_id, "arm_label": self.arm_label, **extra}


def participant_context(request: HttpRequest, code: str) -> ParticipantContext:
    """The signed-in actor and a participant visible to them (NotFound otherwise), with their arm."""
    actor, study, participant = participant_in_request(request, code)
    protocol = governing_protocol(study=participant.study, participant=participant, purpose=Purpose.TREATMENT)
    allocation = getattr(participant, "allocation", None)
    arm_id = allocation.arm if allocation is not None else None
    arm_label = ""
    for arm in protocol.arms:
        if arm.id == arm_id:
            arm_label = text(arm.name)
    return ParticipantContext(actor, study, participant, protocol, arm_id, arm_label)


def error_status(error: TrialdeskError | None, default: int = 200) -> int:
    """The status of a page re-rendered with a refused action: the domain error's 4xx, else `default`."""
    return http_status(error) if error is not None else default
