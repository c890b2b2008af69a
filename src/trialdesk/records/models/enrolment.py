"""Screening answers and decisions, consent and its withdrawal."""

from __future__ import annotations

from django.db import models

from trialdesk.records.models.study import Participant, ProtocolVersion


class ScreeningRecord(models.Model):
    """One screening attempt; re-screening adds a record and keeps the earlier ones."""

    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="screenings")
    attempt = models.PositiveSmallIntegerField()
    protocol_version = models.ForeignKey(ProtocolVersion, on_delete=models.PROTECT)
    answers = models.JSONField()  # {criterion_id: {"answer": "yes"|"no"|"unknown", "note": str}}
    decision = models.CharField(max_length=20)  # eligible | not_eligible | incomplete
    reasons = models.JSONField()  # [{"criterion": id, "category": ..., "text": ...}]
    screened_on = models.DateField()
    recorded_at = models.DateTimeField()
    screened_by = models.CharField(max_length=150)

    class Meta:
        ordering = ["participant", "attempt"]
        constraints = [
            models.UniqueConstraint(fields=["participant", "attempt"], name="one_screening_per_attempt")
        ]


class ConsentRecord(models.Model):
    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="consents")
    document_version = models.CharField(max_length=30)
    consented_on = models.DateField()
    obtained_by = models.CharField(max_length=150)
    signature_png = models.TextField(blank=True)  # optional drawn signature as a data: URL
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["participant", "recorded_at"]


class ConsentWithdrawal(models.Model):
    """Withdrawal of consent: no further visits or data entry; data recorded so far are kept."""

    participant = models.OneToOneField(Participant, on_delete=models.PROTECT, related_name="withdrawal")
    withdrawn_on = models.DateField()
    scope = models.CharField(max_length=40, default="no_further_visits_data_kept")
    reason = models.TextField(blank=True)
    recorded_by = models.CharField(max_length=150)
    recorded_at = models.DateTimeField()
