from __future__ import annotations

from collections.abc import Callable

from trialdesk.records.models import Allocation, Participant


def test_enrol_gives_a_randomized_participant_in_the_requested_arm(enrol: Callable[..., Participant]) -> None:
    for arm in ("exosome", "control"):
        p = enrol(arm=arm)
        assert p.status == "randomized"
        assert Allocation.objects.get(participant=p).arm == arm
