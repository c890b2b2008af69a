"""Template context shared by every page: direction, calendar preference, study, the viewer's roles."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import get_language

from trialdesk.records.models import Study


def trialdesk_context(request: HttpRequest) -> dict[str, Any]:
    language = get_language() or "en"
    person = getattr(request.user, "person", None) if request.user.is_authenticated else None
    study = Study.objects.filter(is_default=True).first()
    roles: list[str] = []
    if person is not None and study is not None:
        roles = sorted({r.role for r in person.roles.filter(study=study, active=True)})
    return {
        "text_direction": "rtl" if language == "fa" else "ltr",
        "language": language,
        "calendar_preference": person.calendar
        if person is not None
        else request.session.get("calendar", "both"),
        "current_study": study,
        "my_roles": roles,
    }
