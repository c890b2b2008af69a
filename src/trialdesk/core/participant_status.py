"""The participant's status: one enum and one state machine, the only place a status changes.

    registered ──screened──▶ eligible ──consented──▶ consented ──randomized──▶ randomized
        │  ▲                   │  ▲                                              │
        │  └──re-screened──────┘  │                                              ├──▶ completed
        └──▶ screen_failed ───────┘ (re-screening may pass)                      └──▶ lost_to_follow_up
    any state before completion ──withdrew──▶ withdrawn (final)

Screening decides eligible / not eligible / incomplete; consent given before or after screening is
remembered by the caller (`has_consent`), so an eligible participant who has consented is "consented".
"""

from __future__ import annotations

from enum import StrEnum

from trialdesk.errors import Conflict, Problem


class ParticipantStatus(StrEnum):
    REGISTERED = "registered"
    SCREEN_FAILED = "screen_failed"
    ELIGIBLE = "eligible"
    CONSENTED = "consented"
    RANDOMIZED = "randomized"
    WITHDRAWN = "withdrawn"
    COMPLETED = "completed"
    LOST_TO_FOLLOW_UP = "lost_to_follow_up"


class StatusEvent(StrEnum):
    SCREENED_ELIGIBLE = "screened_eligible"
    SCREENED_NOT_ELIGIBLE = "screened_not_eligible"
    SCREENED_INCOMPLETE = "screened_incomplete"
    CONSENTED = "consented"
    RANDOMIZED = "randomized"
    WITHDREW = "withdrew"
    COMPLETED = "completed"
    LOST_TO_FOLLOW_UP = "lost_to_follow_up"


S = ParticipantStatus
E = StatusEvent

BEFORE_RANDOMIZATION = frozenset({S.REGISTERED, S.SCREEN_FAILED, S.ELIGIBLE, S.CONSENTED})
FINAL = frozenset({S.WITHDRAWN, S.COMPLETED, S.LOST_TO_FOLLOW_UP})

# event -> states it may happen in
ALLOWED_FROM: dict[StatusEvent, frozenset[ParticipantStatus]] = {
    E.SCREENED_ELIGIBLE: BEFORE_RANDOMIZATION,
    E.SCREENED_NOT_ELIGIBLE: BEFORE_RANDOMIZATION,
    E.SCREENED_INCOMPLETE: BEFORE_RANDOMIZATION,
    E.CONSENTED: BEFORE_RANDOMIZATION,
    E.RANDOMIZED: frozenset({S.CONSENTED}),
    E.WITHDREW: frozenset(set(S) - FINAL),
    E.COMPLETED: frozenset({S.RANDOMIZED}),
    E.LOST_TO_FOLLOW_UP: frozenset({S.RANDOMIZED}),
}

SCREENING_EVENTS = {
    "eligible": E.SCREENED_ELIGIBLE,
    "not_eligible": E.SCREENED_NOT_ELIGIBLE,
    "incomplete": E.SCREENED_INCOMPLETE,
}


def may_happen(status: ParticipantStatus, event: StatusEvent) -> bool:
    return status in ALLOWED_FROM[event]


def next_status(
    status: ParticipantStatus, event: StatusEvent, *, has_consent: bool = False
) -> ParticipantStatus:
    """The status after `event`, or `Conflict` naming the current status when the event cannot happen now."""
    if not may_happen(status, event):
        raise Conflict(
            f"A participant who is {status.value.replace('_', ' ')} cannot be "
            f"{event.value.replace('_', ' ')}",
            (Problem("participant", f"status {status.value}"),),
            details={"status": status.value, "event": event.value},
        )
    if event is E.SCREENED_ELIGIBLE or event is E.CONSENTED:
        eligible = event is E.SCREENED_ELIGIBLE or status in (S.ELIGIBLE, S.CONSENTED)
        if not eligible:
            return status  # consent before a passed screening: still registered / screen failed
        return S.CONSENTED if (has_consent or event is E.CONSENTED) else S.ELIGIBLE
    return {
        E.SCREENED_NOT_ELIGIBLE: S.SCREEN_FAILED,
        E.SCREENED_INCOMPLETE: S.REGISTERED,
        E.RANDOMIZED: S.RANDOMIZED,
        E.WITHDREW: S.WITHDRAWN,
        E.COMPLETED: S.COMPLETED,
        E.LOST_TO_FOLLOW_UP: S.LOST_TO_FOLLOW_UP,
    }[event]


def is_withdrawn(status: ParticipantStatus) -> bool:
    """The one answer to "is this participant withdrawn?" (no further data are entered)."""
    return status is S.WITHDRAWN
