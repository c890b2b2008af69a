"""The participant status state machine: every allowed transition, and every other one refused."""

from __future__ import annotations

import pytest

from trialdesk.core.participant_status import (
    ALLOWED_FROM,
    FINAL,
    ParticipantStatus,
    StatusEvent,
    is_withdrawn,
    may_happen,
    next_status,
)
from trialdesk.errors import Conflict

S = ParticipantStatus
E = StatusEvent


@pytest.mark.parametrize(
    ("status", "event", "has_consent", "expected"),
    [
        (S.REGISTERED, E.SCREENED_ELIGIBLE, False, S.ELIGIBLE),
        (S.REGISTERED, E.SCREENED_ELIGIBLE, True, S.CONSENTED),
        (S.REGISTERED, E.SCREENED_NOT_ELIGIBLE, False, S.SCREEN_FAILED),
        (S.REGISTERED, E.SCREENED_INCOMPLETE, False, S.REGISTERED),
        (S.SCREEN_FAILED, E.SCREENED_ELIGIBLE, False, S.ELIGIBLE),
        (S.ELIGIBLE, E.CONSENTED, False, S.CONSENTED),
        (S.REGISTERED, E.CONSENTED, False, S.REGISTERED),
        (S.SCREEN_FAILED, E.CONSENTED, False, S.SCREEN_FAILED),
        (S.CONSENTED, E.SCREENED_NOT_ELIGIBLE, True, S.SCREEN_FAILED),
        (S.CONSENTED, E.RANDOMIZED, True, S.RANDOMIZED),
        (S.RANDOMIZED, E.COMPLETED, True, S.COMPLETED),
        (S.RANDOMIZED, E.LOST_TO_FOLLOW_UP, True, S.LOST_TO_FOLLOW_UP),
        (S.RANDOMIZED, E.WITHDREW, True, S.WITHDRAWN),
        (S.REGISTERED, E.WITHDREW, False, S.WITHDRAWN),
    ],
)
def test_allowed_transitions(status, event, has_consent, expected) -> None:
    assert next_status(status, event, has_consent=has_consent) is expected


def test_every_event_outside_its_states_is_refused_naming_the_status() -> None:
    refused = 0
    for event, allowed in ALLOWED_FROM.items():
        for status in set(S) - allowed:
            assert not may_happen(status, event)
            with pytest.raises(Conflict) as error:
                next_status(status, event)
            assert status.value.replace("_", " ") in error.value.message
            refused += 1
    assert refused > 30


def test_only_a_consented_participant_may_be_randomized() -> None:
    assert ALLOWED_FROM[E.RANDOMIZED] == {S.CONSENTED}


def test_final_states_take_no_event_and_withdrawn_is_decided_in_one_place() -> None:
    for status in FINAL:
        assert not any(may_happen(status, event) for event in E)
    assert [s for s in S if is_withdrawn(s)] == [S.WITHDRAWN]
