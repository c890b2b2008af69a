"""Models of the `casebook` app. Rules live in `core/`; use cases in `services/casebook/`.

FormRecord            one form of one visit occurrence of a participant, with the protocol form version
├── ItemValue         one row per item path (`glucose`, `medications[2].dose`): as entered + normalized
├── ItemChange        item-level history: old -> new, reason, who, when
├── Query             a question on an item (manual, or opened by an edit check) + QueryMessage thread
├── SourceVerification  the monitor's SDV mark; cleared by a later change
└── FormLock          lock/unlock with reasons
CasebookSignature     the investigator's e-signature over a hash of the participant's casebook
DatabaseLock          study-wide: after it every write is refused
LabImportBatch        one committed laboratory CSV file
"""

from __future__ import annotations

from django.db import models

from trialdesk.records.models import Participant, ProtocolVersion, Study

QUERY_STATUSES = [
    ("open", "open"),
    ("answered", "answered"),
    ("closed", "closed"),
    ("reopened", "re-opened"),
]
UNRESOLVED_QUERY_STATUSES = ("open", "answered", "reopened")
FORM_RECORD_STATUSES = [("incomplete", "incomplete"), ("complete", "complete")]


class FormRecord(models.Model):
    """A participant's form at one visit occurrence. `form_version` and `protocol_version` are those the data
    were first entered with; they never change, so old data stay readable after a protocol amendment."""

    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="form_records")
    visit_id = models.CharField(max_length=60)
    occurrence = models.PositiveIntegerField(default=1)
    form_id = models.CharField(max_length=60)
    form_version = models.CharField(max_length=30)
    protocol_version = models.ForeignKey(ProtocolVersion, on_delete=models.PROTECT, related_name="+")
    # "incomplete" (saved half-done: required items not enforced yet) or "complete"; a refused submission is
    # never stored
    status = models.CharField(max_length=20, choices=FORM_RECORD_STATUSES, default="complete")
    submitted = models.JSONField(default=dict)  # the answers as entered (raw), re-validated for edit checks
    confirmations = models.JSONField(default=dict)  # soft-limit path -> reason
    content_hash = models.CharField(max_length=64)
    verified = models.BooleanField(default=False)
    locked = models.BooleanField(default=False)
    first_saved_at = models.DateTimeField()
    first_saved_by = models.CharField(max_length=150)
    updated_at = models.DateTimeField()
    updated_by = models.CharField(max_length=150)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "visit_id", "occurrence", "form_id"],
                name="one_form_per_visit_occurrence",
            )
        ]
        ordering = ["participant_id", "visit_id", "occurrence", "form_id"]

    def __str__(self) -> str:
        return f"{self.participant_id}/{self.visit_id}#{self.occurrence}/{self.form_id}"


class ItemValue(models.Model):
    """One item's current value. Lab items keep the value and unit as entered and the standardized value."""

    form_record = models.ForeignKey(FormRecord, on_delete=models.CASCADE, related_name="items")
    path = models.CharField(max_length=120)
    item_id = models.CharField(max_length=60)
    raw = models.JSONField(null=True)  # as entered
    value = models.JSONField(null=True)  # normalized (decimals and dates as text)
    unit = models.CharField(max_length=30, blank=True)  # unit as entered (lab items)
    standard_value = models.CharField(max_length=60, blank=True)  # exact decimal text, canonical unit
    canonical_unit = models.CharField(max_length=30, blank=True)
    flag = models.CharField(max_length=1, blank=True)  # L / H against the reference range
    ctcae_term = models.CharField(max_length=80, blank=True)
    ctcae_grade = models.PositiveSmallIntegerField(null=True)  # suggested; the investigator confirms
    ctcae_note = models.TextField(blank=True)
    calculated = models.BooleanField(default=False)
    confirmation_reason = models.TextField(blank=True)  # soft-limit confirmation

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["form_record", "path"], name="one_value_per_item_path")
        ]
        ordering = ["form_record_id", "id"]


class ItemChange(models.Model):
    """Item-level history. Rows of the form's first save have `first_entry`; later changes carry a reason."""

    form_record = models.ForeignKey(FormRecord, on_delete=models.PROTECT, related_name="changes")
    path = models.CharField(max_length=120)
    old = models.JSONField(null=True)
    new = models.JSONField(null=True)
    reason = models.TextField(blank=True)
    first_entry = models.BooleanField(default=False)
    changed_by = models.CharField(max_length=150)
    role = models.CharField(max_length=30, blank=True)
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["changed_at", "id"]


class Query(models.Model):
    """A data query on a form item. `check_id` is set when an edit check opened it (raised_by = 'edit_check')."""

    form_record = models.ForeignKey(FormRecord, on_delete=models.PROTECT, related_name="queries")
    item_path = models.CharField(max_length=120, blank=True)
    text = models.TextField()
    check_id = models.CharField(max_length=60, blank=True)
    raised_by = models.CharField(max_length=150)
    raised_role = models.CharField(max_length=30, blank=True)
    raised_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=QUERY_STATUSES, default="open")
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["raised_at", "id"]

    @property
    def automatic(self) -> bool:
        return bool(self.check_id)


class QueryMessage(models.Model):
    query = models.ForeignKey(Query, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=12)  # raise / answer / close / reopen / auto_close
    text = models.TextField(blank=True)
    by = models.CharField(max_length=150)
    role = models.CharField(max_length=30, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]


class SourceVerification(models.Model):
    """The monitor's SDV mark on a form in one state; a later change to the data clears it (kept as history)."""

    form_record = models.ForeignKey(FormRecord, on_delete=models.PROTECT, related_name="verifications")
    verified_by = models.CharField(max_length=150)
    verified_at = models.DateTimeField()
    form_version = models.CharField(max_length=30)
    content_hash = models.CharField(max_length=64)
    cleared_at = models.DateTimeField(null=True)
    cleared_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["verified_at", "id"]


class FormLock(models.Model):
    form_record = models.ForeignKey(FormRecord, on_delete=models.PROTECT, related_name="locks")
    locked_by = models.CharField(max_length=150)
    locked_at = models.DateTimeField()
    reason = models.TextField()
    unlocked_by = models.CharField(max_length=150, blank=True)
    unlocked_at = models.DateTimeField(null=True)
    unlock_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["locked_at", "id"]


class CasebookSignature(models.Model):
    """The investigator's signature of a participant's casebook; invalid once the data change."""

    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="casebook_signatures")
    signed_by = models.CharField(max_length=150)
    signed_at = models.DateTimeField()
    meaning = models.TextField()
    content_hash = models.CharField(max_length=64)
    invalidated_at = models.DateTimeField(null=True)
    invalidated_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["signed_at", "id"]


class DatabaseLock(models.Model):
    study = models.OneToOneField(Study, on_delete=models.PROTECT, related_name="database_lock")
    locked_by = models.CharField(max_length=150)
    locked_at = models.DateTimeField()
    reason = models.TextField()


class LabImportBatch(models.Model):
    study = models.ForeignKey(Study, on_delete=models.PROTECT, related_name="lab_import_batches")
    file_name = models.CharField(max_length=255)
    file_sha256 = models.CharField(max_length=64)
    mapping = models.JSONField()
    imported_by = models.CharField(max_length=150)
    imported_at = models.DateTimeField()
    row_count = models.PositiveIntegerField()
    rows = models.JSONField()  # what was written: participant, visit, occurrence, item, value, unit

    class Meta:
        ordering = ["imported_at", "id"]
