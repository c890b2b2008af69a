"""Concealed randomization: list generation by the epidemiologist, audited views, final allocations.

One module per idea: `lists` (make, store, view and verify the study's list; only the epidemiologist reads
slots, every read audited), `allocation` (`randomize`, atomic under the stratum's row lock), `concealment`
(the concealment report). Callers import from this package, which re-exports every public name.
"""

from trialdesk.services.randomization.allocation import randomize
from trialdesk.services.randomization.concealment import ConcealmentReport, concealment_report
from trialdesk.services.randomization.lists import (
    PublicCommitment,
    active_list,
    design_of,
    generate,
    public_commitment,
    require_intact,
    store_list,
    verify_list,
    view_list,
)

__all__ = [
    "ConcealmentReport",
    "PublicCommitment",
    "active_list",
    "concealment_report",
    "design_of",
    "generate",
    "public_commitment",
    "randomize",
    "require_intact",
    "store_list",
    "verify_list",
    "view_list",
]
