"""Request and response schemas of the casebook JSON API (web/casebook/api.py).

Response schemas read the services' views by attribute (ninja schemas are pydantic models with
`from_attributes`): `QueryOut.model_validate(query_view)`. A field named differently in the JSON names its
attribute with `validation_alias`; a field the JSON shapes differently has a `resolve_<field>`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from ninja import Schema
from pydantic import Field

from trialdesk.services.casebook import verification
from trialdesk.services.casebook.common import storable

Day = date  # for the field named `date`, whose name would hide the type


class ProblemOut(Schema):
    where: str
    rule: str


class WarningOut(Schema):
    where: str
    rule: str
    reason: str | None


class MessageOut(Schema):
    kind: str
    text: str
    by: str
    role: str
    at: datetime


class QueryOut(Schema):
    id: int
    participant: str = Field(validation_alias="participant_code")
    site: str = Field(validation_alias="site_code")
    visit_id: str
    occurrence: int
    form_id: str
    item_path: str
    text: str
    status: str
    automatic: bool
    check_id: str
    raised_by: str
    raised_at: datetime
    updated_at: datetime
    messages: list[MessageOut]


class ItemOut(Schema):
    path: str
    item_id: str
    raw: Any
    value: Any
    unit: str
    standard_value: str
    canonical_unit: str
    flag: str
    ctcae_term: str
    ctcae_grade: int | None
    ctcae_note: str
    calculated: bool
    confirmation_reason: str


class FormOut(Schema):
    participant: str = Field(validation_alias="participant_code")
    visit_id: str
    occurrence: int
    form_id: str
    form_version: str
    status: str
    read_only: bool
    read_only_reason: str
    values: dict[str, Any]
    confirmations: dict[str, str]
    items: list[ItemOut]
    queries: list[QueryOut]
    updated_at: datetime | None
    updated_by: str
    verified_by: str
    verified_at: datetime | None
    locked_by: str
    lock_reason: str

    @staticmethod
    def resolve_items(view: Any) -> list[Any]:
        items: Mapping[str, Any] = view.items
        return list(items.values())


class FormIn(Schema):
    values: dict[str, Any]
    confirmations: dict[str, str] = {}
    reason: str | None = None
    complete: bool = True  # False: save half-done ("incomplete"), required items not enforced yet


class SaveOut(Schema):
    record_id: int
    form_version: str
    created: bool
    changed: list[str]
    warnings: list[WarningOut]
    calculated: dict[str, Any]
    flags: dict[str, str]
    queries_opened: list[int]
    queries_closed: list[int]
    verification_cleared: bool
    signature_invalidated: bool
    status: str  # "complete" or "incomplete"


class CheckOut(Schema):
    ok: bool
    errors: list[ProblemOut]
    warnings: list[WarningOut]
    hidden: list[str]
    calculated: dict[str, Any]

    @staticmethod
    def resolve_hidden(result: Any) -> list[str]:
        return sorted(result.hidden)

    @staticmethod
    def resolve_calculated(result: Any) -> dict[str, Any]:
        return {path: storable(value) for path, value in result.calculated.items()}


class ChangeOut(Schema):
    path: str
    old: Any
    new: Any
    reason: str
    changed_by: str
    changed_at: datetime


class QueryIn(Schema):
    item_path: str = ""
    text: str


class TextIn(Schema):
    text: str = ""


class ReasonIn(Schema):
    reason: str


class SignIn(Schema):
    password: str
    meaning: str = verification.SIGNATURE_MEANING


class SignatureOut(Schema):
    participant: str = Field(validation_alias="participant_code")
    signed_by: str
    signed_at: datetime
    meaning: str
    content_hash: str
    valid: bool


class StateOut(Schema):
    form_id: str
    visit_id: str
    occurrence: int
    by: str
    at: datetime
    detail: str


class DatabaseLockOut(Schema):
    locked: bool
    locked_by: str = ""
    locked_at: datetime | None = None
    reason: str = ""


class ExpectedOut(Schema):
    participant: str = Field(validation_alias="participant_code")
    site: str = Field(validation_alias="site_code")
    visit_id: str
    occurrence: int
    form_id: str
    earliest: date
    target: date
    latest: date
    state: str


class LabImportIn(Schema):
    csv_text: str
    mapping: dict[str, str]
    file_name: str = ""


class LabRowOut(Schema):
    row: int
    participant: str = Field(validation_alias="participant_code")
    date: Day = Field(validation_alias="sampled_on")
    item: str = Field(validation_alias="item_path")
    value: str
    unit: str
    visit_id: str
    occurrence: int
    form_id: str
    standard_value: str
    canonical_unit: str
    flag: str


class PreviewOut(Schema):
    ok: bool
    columns: list[str]
    rows: list[LabRowOut]
    problems: list[ProblemOut]


class CommittedOut(Schema):
    batch_id: int
    rows: list[LabRowOut]
    forms_written: list[str]
