"""Randomization lists, their slots, per-stratum counters (the row lock) and final allocations."""

from __future__ import annotations

from django.db import models

from trialdesk.records.models.study import Participant, Study


class RandomizationList(models.Model):
    """A concealed list. Only the epidemiologist may read its slots; the commitment is public."""

    SOURCES = [
        ("generated", "generated"),
        ("sealed_envelope", "Sealed Envelope CSV"),
        ("redcap", "REDCap CSV"),
    ]
    study = models.ForeignKey(Study, on_delete=models.PROTECT, related_name="randomization_lists")
    source = models.CharField(max_length=20, choices=SOURCES)
    method = models.CharField(max_length=30)
    seed = models.CharField(max_length=200, blank=True)  # the recorded seed; shown to the epidemiologist only
    design = models.JSONField()
    canonical_text = models.TextField()
    commitment = models.CharField(max_length=64)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=150)


class RandomizationStratum(models.Model):
    """The counter locked (SELECT ... FOR UPDATE) by every allocation in its stratum."""

    randomization_list = models.ForeignKey(RandomizationList, on_delete=models.PROTECT, related_name="strata")
    key = models.CharField(max_length=200)
    allocated = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["randomization_list", "key"], name="stratum_once_per_list")
        ]


class RandomizationSlot(models.Model):
    randomization_list = models.ForeignKey(RandomizationList, on_delete=models.PROTECT, related_name="slots")
    stratum = models.CharField(max_length=200)
    sequence = models.PositiveIntegerField()
    block = models.PositiveIntegerField()
    block_size = models.PositiveIntegerField()
    arm = models.CharField(max_length=50)

    class Meta:
        ordering = ["stratum", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["randomization_list", "stratum", "sequence"], name="slot_once_per_stratum"
            )
        ]


class Allocation(models.Model):
    """Final: one per participant (unique), one per slot (unique). Minimization allocations have no slot."""

    participant = models.OneToOneField(Participant, on_delete=models.PROTECT, related_name="allocation")
    randomization_list = models.ForeignKey(
        RandomizationList, on_delete=models.PROTECT, related_name="allocations"
    )
    slot = models.OneToOneField(
        RandomizationSlot, on_delete=models.PROTECT, null=True, related_name="allocation"
    )
    stratum = models.CharField(max_length=200)
    arm = models.CharField(max_length=50)
    allocated_at = models.DateTimeField()
    allocated_by = models.CharField(max_length=150)
    factors = models.JSONField(default=dict)  # stratification / minimization factor levels of the participant
    minimization = models.JSONField(null=True)  # imbalance scores and the random draw that led to the arm
