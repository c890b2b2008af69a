"""The end of a randomized participant's follow-up: completed the study, or lost to follow-up.

The status machine (`core/participant_status.py`) already knew both ends; this is the use case that takes a
participant there, audited with the date and the reason. (A withdrawal of consent is `consent.withdraw_consent`.)
"""

from __future__ import annotations

from datetime import date

from trialdesk.core.participant_status import StatusEvent
from trialdesk.core.roles import Action
from trialdesk.errors import Problem, ValidationFailed
from trialdesk.records.models import Participant
from trialdesk.services.actors import Actor
from trialdesk.services.clock import local_date
from trialdesk.services.unit_of_work import use_case
from trialdesk.testing import SYSTEM_CLOCK, Clock

ENDINGS = {"completed": StatusEvent.COMPLETED, "lost_to_follow_up": StatusEvent.LOST_TO_FOLLOW_UP}


def end_follow_up(
    actor: Actor,
    *,
    participant: Participant,
    ending: str,
    ended_on: date,
    reason: str = "",
    clock: Clock = SYSTEM_CLOCK,
) -> str:
    """Record that follow-up ended (`completed` or `lost_to_follow_up`) on `ended_on`; returns the new status."""
    with use_case(actor, Action.RECORD_VISIT, participant=participant, clock=clock) as uow:
        locked = uow.locked_participant
        problems: list[Problem] = []
        if ending not in ENDINGS:
            problems.append(Problem("ending", f"must be one of {', '.join(ENDINGS)}"))
        if ended_on > uow.today:
            problems.append(Problem("ended_on", "in the future"))
        allocation = getattr(locked, "allocation", None)
        if allocation is not None and ended_on < local_date(allocation.allocated_at):
            problems.append(Problem("ended_on", "before randomization"))
        if ending == "lost_to_follow_up" and not reason.strip():
            problems.append(Problem("reason", "required for a loss to follow-up"))
        if problems:
            raise ValidationFailed("The end of follow-up cannot be recorded", tuple(problems))
        before, after = uow.change_status(ENDINGS[ending])
        uow.record(
            "participant.end_follow_up",
            object_type="participant",
            object_id=locked.study_code,
            before={"status": before},
            after={"status": after, "ended_on": ended_on.isoformat()},
            reason=reason.strip(),
        )
    return after
