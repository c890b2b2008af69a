"""Storage models, one module per area. Rules live in `core/`; use cases in `services/`."""

from trialdesk.records.models.audit import AuditEntry, AuditLeaf, AuditTreeHead
from trialdesk.records.models.enrolment import ConsentRecord, ConsentWithdrawal, ScreeningRecord
from trialdesk.records.models.generated import GeneratedFile, GeneratedKind, GeneratedStatus
from trialdesk.records.models.randomization import (
    Allocation,
    RandomizationList,
    RandomizationSlot,
    RandomizationStratum,
)
from trialdesk.records.models.study import (
    FailedSignIn,
    Participant,
    ParticipantIdentity,
    Person,
    ProtocolVersion,
    RoleAssignment,
    Site,
    SiteSequence,
    Study,
)

__all__ = [
    "Allocation",
    "AuditEntry",
    "AuditLeaf",
    "AuditTreeHead",
    "ConsentRecord",
    "ConsentWithdrawal",
    "FailedSignIn",
    "GeneratedFile",
    "GeneratedKind",
    "GeneratedStatus",
    "Participant",
    "ParticipantIdentity",
    "Person",
    "ProtocolVersion",
    "RandomizationList",
    "RandomizationSlot",
    "RandomizationStratum",
    "RoleAssignment",
    "ScreeningRecord",
    "Site",
    "SiteSequence",
    "Study",
]
