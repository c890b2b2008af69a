"""Request and response shapes of the enrolment JSON API (they appear in /api/openapi.json).

Concealment: no response shape has a field for a free slot; `AllocationOut` is only ever a participant's own
allocation, and `SlotOut` appears only in the epidemiologist's list response.
"""

from __future__ import annotations

from datetime import date, datetime

from ninja import Field, Schema

from trialdesk.records.models import ConsentRecord
from trialdesk.web.fields import IsoDate


class RegisterIn(Schema):
    site: str
    full_name: str
    national_id: str = ""
    national_id_kind: str = Field("iranian", description="iranian (10 digits with a check digit) or foreign")
    phone: str = ""
    date_of_birth: IsoDate | None = None
    sex: str
    year_of_birth: int | None = None


class AnswerIn(Schema):
    answer: str = Field(description="yes, no or unknown")
    note: str = Field("", description="where the answer came from, e.g. 'biopsy report'")


class ScreeningIn(Schema):
    screened_on: IsoDate
    answers: dict[str, AnswerIn] = Field(description="criterion id -> answer; a missing criterion is unknown")


class ReasonOut(Schema):
    criterion: str
    category: str = ""
    text: str = ""


class ScreeningOut(Schema):
    """Read from a stored `ScreeningRecord` by attribute (`from_orm`); reasons default their optional keys."""

    attempt: int
    screened_on: date
    decision: str
    reasons: list[ReasonOut]
    screened_by: str
    recorded_at: datetime


class ScreeningLogOut(ScreeningOut):
    study_code: str
    site: str


class ConsentIn(Schema):
    document_version: str
    consented_on: IsoDate
    signature_png: str = Field("", description="optional drawn signature, a data:image/png;base64 URL")


class ConsentOut(Schema):
    """Read from a stored `ConsentRecord` by attribute; the drawn signature itself is never sent."""

    document_version: str
    consented_on: date
    obtained_by: str
    has_signature: bool
    recorded_at: datetime

    @staticmethod
    def resolve_has_signature(record: ConsentRecord | ConsentOut) -> bool:
        if isinstance(record, ConsentRecord):
            return bool(record.signature_png)
        return record.has_signature


class WithdrawalIn(Schema):
    withdrawn_on: IsoDate
    reason: str = ""
    scope: str = "no_further_visits_data_kept"


class WithdrawalOut(Schema):
    """Read from a stored `ConsentWithdrawal` by attribute."""

    withdrawn_on: date
    scope: str
    reason: str
    recorded_by: str
    recorded_at: datetime


class RandomizeIn(Schema):
    confirm: bool = Field(description="must be true: an allocation is final")
    factors: dict[str, str] = Field(default_factory=dict, description="stratification factor id -> level")


class AllocationOut(Schema):
    study_code: str
    arm: str
    arm_name: str
    allocated_at: datetime
    allocated_by: str
    stratum: str
    slot: int | None


class ParticipantDetailOut(Schema):
    study_code: str
    site: str
    status: str
    sex: str
    year_of_birth: int | None
    registered_at: datetime
    full_name: str | None
    screenings: list[ScreeningOut]
    consents: list[ConsentOut]
    has_current_consent: bool
    withdrawal: WithdrawalOut | None
    allocation: AllocationOut | None = Field(description="null until randomized (the arm is never predicted)")


class CommitmentOut(Schema):
    list_id: int
    created_at: datetime
    created_by: str
    method: str
    commitment: str


class ListOut(CommitmentOut):
    source: str
    seed: str
    slots: int


class SlotOut(Schema):
    stratum: str
    sequence: int
    block: int
    block_size: int
    position_in_block: int
    arm: str
    code: str
    participant: str | None
    allocated_at: datetime | None


class ListDetailOut(ListOut):
    verified: bool
    list_slots: list[SlotOut]


class ImportIn(Schema):
    format: str = Field(description="sealed_envelope or redcap")
    text: str = Field(description="the CSV file's content")
    file_name: str = ""
    treatments: dict[str, str] = Field(default_factory=dict, description="label in the file -> arm id")


class AccessOut(Schema):
    at: datetime
    actor: str
    role: str
    action: str


class ReportAllocationOut(Schema):
    study_code: str
    arm: str
    stratum: str
    slot: int | None
    allocated_at: datetime
    allocated_by: str


class ConcealmentReportOut(Schema):
    commitment: str
    commitment_ok: bool
    order_problems: list[str]
    allocations: list[ReportAllocationOut] = Field(description="in list order")
    list_accesses: list[AccessOut]
