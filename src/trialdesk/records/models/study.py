"""Study set-up, people and participants (the audit log is in `audit.py`). Deletions are soft; changes are audited."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from trialdesk.core.participant_status import ParticipantStatus
from trialdesk.core.roles import Role

ROLE_CHOICES = [(r.value, r.value.replace("_", " ")) for r in Role]


class Study(models.Model):
    """A trial; its protocol lives in versions. `protocol_key` is the protocol file's `id`."""

    protocol_key = models.CharField(max_length=100, unique=True)
    title = models.TextField()
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    def current_protocol(self) -> ProtocolVersion:
        version = self.protocol_versions.filter(state="active").order_by("-loaded_at", "-id").first()
        if version is None:
            raise ProtocolVersion.DoesNotExist(f"study {self.protocol_key} has no protocol")
        return version

    def __str__(self) -> str:
        return self.protocol_key


class ProtocolVersion(models.Model):
    """One version of a study's protocol, stored whole. Data recorded under it keep pointing at it."""

    study = models.ForeignKey(Study, on_delete=models.PROTECT, related_name="protocol_versions")
    version = models.CharField(max_length=50)
    content_hash = models.CharField(max_length=64)
    content = models.JSONField()
    loaded_at = models.DateTimeField(auto_now_add=True)
    loaded_by = models.CharField(max_length=150)
    # Amendments (issue 17): a loaded protocol is active at once (effective_from empty: in force since loading);
    # an uploaded amendment is proposed, approved by the ethics committee, then activated from an effective date.
    STATES = [("proposed", "proposed"), ("approved", "approved"), ("active", "active")]
    state = models.CharField(max_length=10, choices=STATES, default="active")
    effective_from = models.DateField(null=True, blank=True)
    approval_reference = models.CharField(max_length=100, blank=True)
    approval_date = models.DateField(null=True, blank=True)
    approved_by = models.CharField(max_length=150, blank=True)
    activated_by = models.CharField(max_length=150, blank=True)
    activated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["study", "content_hash"], name="one_row_per_protocol_content")
        ]


class Site(models.Model):
    study = models.ForeignKey(Study, on_delete=models.PROTECT, related_name="sites")
    code = models.CharField(max_length=20)
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["study", "code"], name="site_code_unique_in_study")]
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class Person(models.Model):
    """A member of the trial team: a sign-in account plus display preferences."""

    CALENDARS = [("gregorian", "Gregorian"), ("jalali", "Jalali"), ("both", "Gregorian and Jalali")]
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="person")
    display_name = models.CharField(max_length=200)
    language = models.CharField(max_length=5, default="en")
    calendar = models.CharField(max_length=10, choices=CALENDARS, default="both")

    def __str__(self) -> str:
        return self.display_name


class RoleAssignment(models.Model):
    """A person's role in a study, at one site or (site empty) study-wide."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="roles")
    study = models.ForeignKey(Study, on_delete=models.PROTECT, related_name="role_assignments")
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, null=True, blank=True, related_name="role_assignments"
    )
    role = models.CharField(max_length=30, choices=ROLE_CHOICES)
    active = models.BooleanField(default=True)
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "study", "site", "role"], name="role_once_per_person_site"
            )
        ]


class Participant(models.Model):
    """A participant under a pseudonymous study id. Identifying details live apart in ParticipantIdentity."""

    STATUSES = [(s.value, s.value.replace("_", " ")) for s in ParticipantStatus]
    study = models.ForeignKey(Study, on_delete=models.PROTECT, related_name="participants")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="participants")
    study_code = models.CharField(max_length=30, unique=True)
    protocol_version = models.ForeignKey(
        ProtocolVersion, on_delete=models.PROTECT, related_name="participants"
    )
    status = models.CharField(max_length=20, choices=STATUSES, default=ParticipantStatus.REGISTERED.value)
    sex = models.CharField(max_length=10, blank=True)
    year_of_birth = models.PositiveSmallIntegerField(null=True, blank=True)
    registered_at = models.DateTimeField()
    registered_by = models.CharField(max_length=150)

    class Meta:
        ordering = ["study_code"]

    def __str__(self) -> str:
        return self.study_code


class ParticipantIdentity(models.Model):
    """Identifying details, kept apart from the pseudonymous record; shown only to roles allowed VIEW_IDENTITY."""

    participant = models.OneToOneField(Participant, on_delete=models.PROTECT, related_name="identity")
    full_name = models.CharField(max_length=200)
    national_id = models.CharField(max_length=30, blank=True)
    national_id_kind = models.CharField(max_length=10, default="iranian")  # iranian (check digit) | foreign
    phone = models.CharField(max_length=40, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)


class SiteSequence(models.Model):
    """The last participant number used at a site; locked to hand out the next one without a race."""

    site = models.OneToOneField(Site, on_delete=models.PROTECT, related_name="sequence")
    last_number = models.PositiveIntegerField(default=0)


class FailedSignIn(models.Model):
    """A failed sign-in, for throttling (per account and per address)."""

    username = models.CharField(max_length=150, db_index=True)
    address = models.CharField(max_length=64, db_index=True)
    at = models.DateTimeField(db_index=True)
