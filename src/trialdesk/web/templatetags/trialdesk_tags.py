from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django import template
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext

from trialdesk.analysis.wording import persian_digits
from trialdesk.web import wording
from trialdesk.web.dates import format_date, format_instant

register = template.Library()


@register.simple_tag(takes_context=True)
def show_date(context: template.Context, value: date | datetime | None) -> str:
    """A date in the viewer's calendar preference (and Persian digits on Persian pages)."""
    if isinstance(value, datetime):
        value = timezone.localtime(value)
    calendar = str(context.get("calendar_preference") or "both")
    return format_date(value, calendar=calendar, language=get_language() or "en")


@register.filter
def digits(value: object) -> str:
    """Numbers in the page's digits: Persian digits (and decimal separator) on Persian pages."""
    text = str(value)
    return persian_digits(text) if (get_language() or "en").startswith("fa") else text


@register.simple_tag(takes_context=True)
def show_time(context: template.Context, value: datetime | None) -> str:
    """An instant as the site lives it: date by preference, local time, and the study's zone named."""
    calendar = str(context.get("calendar_preference") or "both")
    return format_instant(value, calendar=calendar, language=get_language() or "en")


@register.filter
def status_label(code: object) -> str:
    return wording.status_label(code)


@register.filter
def role_label(code: object) -> str:
    return wording.role_label(code)


@register.filter
def sex_label(code: object) -> str:
    return wording.sex_label(code)


@register.filter
def tr(value: object) -> str:
    """A text computed elsewhere (a table heading, a protocol text) in the page language when it has one."""
    if value is None:
        return ""
    if hasattr(value, "in_language"):
        return wording.in_language(value)
    return gettext(str(value)) if str(value) else ""


@register.simple_tag(takes_context=True)
def reason_text(context: template.Context, reason: Any) -> SafeString:
    """A gate reason (object or dict with code, message, params) worded in the page language."""
    get = (
        reason.get if isinstance(reason, dict) else lambda name, default=None: getattr(reason, name, default)
    )
    calendar = str(context.get("calendar_preference") or "both")
    return wording.reason_sentence(
        str(get("code", "")), str(get("message", "")), get("params", None) or {}, calendar=calendar
    )


@register.filter
def with_unit(amount: object, unit: object) -> str:
    """An amount and its unit as a clinician writes them: '4 units', '1 × 10¹⁰ particles'."""
    if amount in (None, ""):
        return ""
    return wording.amount_with_unit(amount, unit)
