"""Protocol amendments: propose (administrator) -> approve (ethics committee) -> activate from an effective date.

The difference and the rules for what may change are pure (`trialdesk.protocol.amendments`); this package reads
the trial's state from storage, stores the versions and audits every step. `versions.governing_version` then
answers which version is in force on a day.
"""

from __future__ import annotations

from trialdesk.services.amendments.reading import (
    AmendmentView,
    amendment_view,
    base_version,
    parse_upload,
    preview_upload,
    stored_version,
    trial_state,
    version_history,
)
from trialdesk.services.amendments.steps import activate_amendment, approve_amendment, propose_amendment

__all__ = [
    "AmendmentView",
    "activate_amendment",
    "amendment_view",
    "approve_amendment",
    "base_version",
    "parse_upload",
    "preview_upload",
    "stored_version",
    "propose_amendment",
    "trial_state",
    "version_history",
]
