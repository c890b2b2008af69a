"""Protocol amendments, pure: the difference between two protocols and which changes a running trial refuses.

`diff_protocols(old, new)` lists every change as a code and parameters (`protocol.amendments.diff`);
`refused_changes(diff, state)` says which of them cannot apply to a running trial without loss, each with its
reason (`protocol.amendments.rules`); `describe(change)` words a change in English (the web layer translates the
same templates into Persian).
"""

from __future__ import annotations

from trialdesk.protocol.amendments.diff import Change, Guard, diff_protocols
from trialdesk.protocol.amendments.rules import Refusal, TrialState, refused_changes
from trialdesk.protocol.amendments.wording import (
    CHANGE_TEMPLATES,
    REFUSAL_TEMPLATES,
    describe,
    describe_refusal,
)

__all__ = [
    "CHANGE_TEMPLATES",
    "REFUSAL_TEMPLATES",
    "Change",
    "Guard",
    "Refusal",
    "TrialState",
    "describe",
    "describe_refusal",
    "diff_protocols",
    "refused_changes",
]
