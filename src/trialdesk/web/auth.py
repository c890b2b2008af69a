"""Sign-in with throttling of failed attempts (per account and per address), and the request's actor."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trialdesk.records.models import FailedSignIn, Study
from trialdesk.services.actors import Actor
from trialdesk.web.request_context import trial


def client_address(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", "unknown"))


class ThrottledAuthenticationForm(AuthenticationForm):
    """Refuses to even check the password after too many recent failures for the account or the address."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "throttled": _("Too many failed sign-ins. Try again in %(minutes)s minutes."),
    }

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        address = client_address(self.request) if self.request else "unknown"
        window = timedelta(seconds=settings.LOGIN_THROTTLE_WINDOW)
        since = timezone.now() - window
        recent = FailedSignIn.objects.filter(at__gte=since)
        if (
            recent.filter(username=username).count() >= settings.LOGIN_THROTTLE_ATTEMPTS
            or recent.filter(address=address).count() >= settings.LOGIN_THROTTLE_ATTEMPTS * 4
        ):
            raise forms.ValidationError(
                self.error_messages["throttled"],
                code="throttled",
                params={"minutes": int(window.total_seconds() // 60)},
            )
        try:
            return super().clean()
        except forms.ValidationError:
            FailedSignIn.objects.create(username=username, address=address, at=timezone.now())
            raise


def request_actor(request: HttpRequest) -> tuple[Actor, Study]:
    """The signed-in person as an actor in the default study (from the request context)."""
    context = trial(request)
    return context.actor, context.study
