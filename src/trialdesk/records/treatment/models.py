"""Models of the `treatment` app. Rules live in `core/`; use cases in `services/treatment/`.

Who did something is stored as the acting user name (`*_by`), the house convention of every records model;
every row carries the UTC time it was recorded. Nothing here is deleted; changes go through the services,
which append an audit entry in the same transaction.
"""

from __future__ import annotations

from django.db import models

from trialdesk.records.models import Participant, Study


class ProductLot(models.Model):
    """A batch of study product. `source_id` names the donor/placenta it came from (single-source products)."""

    study = models.ForeignKey(Study, on_delete=models.PROTECT, related_name="product_lots")
    lot_id = models.CharField(max_length=60)
    source_id = models.CharField(max_length=60)
    amount_per_unit = models.DecimalField(max_digits=30, decimal_places=6)
    amount_unit = models.CharField(max_length=40)  # e.g. "particles", "ug protein"
    expiry_date = models.DateField()
    qc_released = models.BooleanField(default=False)
    qc_released_on = models.DateField(null=True, blank=True)
    qc_released_by = models.CharField(max_length=150, blank=True)
    note = models.TextField(blank=True)
    registered_by = models.CharField(max_length=150)
    registered_at = models.DateTimeField()

    class Meta:
        ordering = ["study", "expiry_date", "lot_id"]
        constraints = [models.UniqueConstraint(fields=["study", "lot_id"], name="lot_id_unique_in_study")]

    def __str__(self) -> str:
        return self.lot_id


class SafetyCheck(models.Model):
    """The pre-dose safety check the investigator signs for one dose (the signature = signed_by + signed_at)."""

    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="safety_checks")
    step_id = models.CharField(max_length=60)
    answers = models.JSONField()  # {item id: "normal" | "abnormal"}
    vital_signs = models.JSONField(default=dict)  # {"temperature_c": "36.8", "pulse_bpm": "72", ...}
    symptoms = models.TextField(blank=True)
    signed_by = models.CharField(max_length=150)
    signed_at = models.DateTimeField()

    class Meta:
        ordering = ["participant", "signed_at", "pk"]


class Administration(models.Model):
    """One dose given. `partial` is set when the infusion stopped early or less than the step was given."""

    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="administrations")
    step_id = models.CharField(max_length=60)
    step_kind = models.CharField(max_length=20)  # escalation | maintenance
    maintenance_cycle = models.PositiveSmallIntegerField(null=True, blank=True)
    planned_amount = models.DecimalField(max_digits=12, decimal_places=4)
    amount_given = models.DecimalField(max_digits=12, decimal_places=4)
    unit = models.CharField(max_length=30)
    route = models.CharField(max_length=30)
    lot = models.ForeignKey(ProductLot, on_delete=models.PROTECT, related_name="administrations")
    partial = models.BooleanField(default=False)
    given_at = models.DateTimeField()
    infusion_started_at = models.DateTimeField(null=True, blank=True)
    infusion_stopped_at = models.DateTimeField(null=True, blank=True)
    immediate_reaction = models.TextField(blank=True)
    safety_check = models.OneToOneField(
        SafetyCheck, on_delete=models.PROTECT, null=True, blank=True, related_name="administration"
    )
    given_by = models.CharField(max_length=150)
    recorded_by = models.CharField(max_length=150)
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["participant", "given_at", "pk"]


class RecordedVisit(models.Model):
    """One occurrence of a protocol visit: done on a date, or missed (with the reason). Never left blank."""

    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="recorded_visits")
    visit_id = models.CharField(max_length=60)
    occurrence = models.PositiveSmallIntegerField()
    done_on = models.DateField(null=True, blank=True)
    missed = models.BooleanField(default=False)
    missed_reason = models.TextField(blank=True)
    window_earliest = models.DateField()
    window_latest = models.DateField()
    recorded_by = models.CharField(max_length=150)
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["participant", "window_earliest", "visit_id", "occurrence"]
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "visit_id", "occurrence"], name="one_record_per_visit_occurrence"
            )
        ]


class ProtocolDeviation(models.Model):
    """A departure from the protocol: category, what happened, who noted it and when."""

    CATEGORIES = [
        ("visit_out_of_window", "visit out of window"),
        ("missed_visit", "missed visit"),
        ("dosing", "dosing"),
        ("eligibility", "eligibility"),
        ("consent", "consent"),
        ("procedure", "procedure"),
        ("other", "other"),
    ]
    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="deviations")
    category = models.CharField(max_length=30, choices=CATEGORIES)
    reason = models.TextField()
    occurred_on = models.DateField()
    visit = models.ForeignKey(
        RecordedVisit, on_delete=models.PROTECT, null=True, blank=True, related_name="deviations"
    )
    automatic = models.BooleanField(default=False)  # recorded by the system from a visit outside its window
    recorded_by = models.CharField(max_length=150)
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["participant", "occurred_on", "pk"]


class AdverseEvent(models.Model):
    """An adverse event; its current assessment is the latest `AdverseEventVersion` (the one rules use).

    The current fields are copied here so open/serious events can be queried; every save also writes a
    version row, so every follow-up is kept.
    """

    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="adverse_events")
    number = models.PositiveIntegerField()  # 1, 2, ... per participant
    first_knowledge_on = models.DateField()
    reported_by = models.CharField(max_length=150)
    reported_at = models.DateTimeField()
    current_version = models.PositiveIntegerField(default=1)
    term = models.CharField(max_length=120)
    onset_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    grade = models.PositiveSmallIntegerField()
    seriousness = models.JSONField(default=list)  # ICH E2A criteria ids
    relationship_to_product = models.CharField(max_length=30)
    relationship_to_conventional_therapy = models.CharField(max_length=30)
    expectedness = models.CharField(max_length=20)
    action_taken = models.CharField(max_length=30)
    outcome = models.CharField(max_length=30)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["participant", "number"]
        constraints = [
            models.UniqueConstraint(fields=["participant", "number"], name="ae_number_unique_per_participant")
        ]

    @property
    def code(self) -> str:
        return f"{self.participant.study_code}-AE{self.number}"


class AdverseEventVersion(models.Model):
    """One assessment of an adverse event: the first report (version 1) or a follow-up update."""

    event = models.ForeignKey(AdverseEvent, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveIntegerField()
    term = models.CharField(max_length=120)
    onset_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    grade = models.PositiveSmallIntegerField()
    seriousness = models.JSONField(default=list)
    relationship_to_product = models.CharField(max_length=30)
    relationship_to_conventional_therapy = models.CharField(max_length=30)
    expectedness = models.CharField(max_length=20)
    action_taken = models.CharField(max_length=30)
    outcome = models.CharField(max_length=30)
    description = models.TextField(blank=True)
    reason = models.TextField(blank=True)  # why the follow-up changed it
    # The date the site learned this version's information (the first report: the date of first knowledge).
    # Expedited clocks count from it. Empty only on versions stored before it was recorded.
    aware_on = models.DateField(null=True, blank=True)
    recorded_by = models.CharField(max_length=150)
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["event", "version"]
        constraints = [models.UniqueConstraint(fields=["event", "version"], name="one_row_per_ae_version")]


class ExpeditedReport(models.Model):
    """The ICH E2A clock of a serious, unexpected, related event, and when the report(s) were sent."""

    event = models.OneToOneField(AdverseEvent, on_delete=models.PROTECT, related_name="expedited_report")
    kind = models.CharField(max_length=30)  # fatal_or_life_threatening | other_serious
    first_knowledge_on = models.DateField()
    initial_due_on = models.DateField()
    follow_up_due_on = models.DateField(null=True, blank=True)
    sent_on = models.DateField(null=True, blank=True)
    sent_by = models.CharField(max_length=150, blank=True)
    sent_reference = models.CharField(max_length=200, blank=True)
    follow_up_sent_on = models.DateField(null=True, blank=True)
    follow_up_sent_by = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["initial_due_on", "pk"]


class StudyPause(models.Model):
    """All study-product dosing paused by a study-wide stopping rule, until the ethics committee lifts it."""

    STATES = [("active", "awaiting decision"), ("upheld", "kept by decision"), ("lifted", "lifted")]
    study = models.ForeignKey(Study, on_delete=models.PROTECT, related_name="pauses")
    rule_id = models.CharField(max_length=60)
    event = models.ForeignKey(AdverseEvent, on_delete=models.PROTECT, related_name="pauses")
    message = models.TextField()
    state = models.CharField(max_length=10, choices=STATES, default="active")
    paused_at = models.DateTimeField()
    paused_by = models.CharField(max_length=150)  # "stopping rule <id>", triggered by the AE's reporter

    class Meta:
        ordering = ["study", "paused_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["study", "rule_id", "event"], name="one_pause_per_rule_and_event")
        ]

    @property
    def in_force(self) -> bool:
        return self.state != "lifted"


class PauseDecision(models.Model):
    """The ethics/safety committee's decision on a pause: lift it, or keep it (with the decision text)."""

    pause = models.ForeignKey(StudyPause, on_delete=models.PROTECT, related_name="decisions")
    decision = models.TextField()
    lift = models.BooleanField()
    decided_by = models.CharField(max_length=150)
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["pause", "decided_at", "pk"]


class ParticipantStop(models.Model):
    """A participant's study-product dosing stopped by a participant stopping rule (never lifted)."""

    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="dosing_stops")
    rule_id = models.CharField(max_length=60)
    event = models.ForeignKey(AdverseEvent, on_delete=models.PROTECT, related_name="stops")
    message = models.TextField()
    stopped_at = models.DateTimeField()

    class Meta:
        ordering = ["participant", "stopped_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "rule_id", "event"], name="one_stop_per_rule_and_event"
            )
        ]
