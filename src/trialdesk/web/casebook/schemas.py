"""Request and response schemas of the casebook JSON API (web/casebook/api.py)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ninja import Schema

from trialdesk.services.casebook import verification


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
    participant: str
    site: str
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
    participant: str
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


class FormIn(Schema):
    values: dict[str, Any]
    confirmations: dict[str, str] = {}
    reason: str | None = None


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


class CheckOut(Schema):
    ok: bool
    errors: list[ProblemOut]
    warnings: list[WarningOut]
    hidden: list[str]
    calculated: dict[str, Any]


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
    participant: str
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
    participant: str
    site: str
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
    participant: str
    date: date
    item: str
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
