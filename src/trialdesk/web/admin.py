"""Django admin, for superusers only; the audit log is read-only there."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from trialdesk.records.models import (
    AuditEntry,
    Participant,
    Person,
    ProtocolVersion,
    RoleAssignment,
    Site,
    Study,
)


def _superuser_only(request: HttpRequest) -> bool:
    return bool(request.user.is_active and request.user.is_superuser)


admin.site.has_permission = _superuser_only  # type: ignore[method-assign]

for model in (Study, Site, Person, RoleAssignment, ProtocolVersion, Participant):
    admin.site.register(model)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("sequence", "at", "actor", "role", "action", "object_type", "object_id")
    list_filter = ("action", "role")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
