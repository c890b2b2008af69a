from __future__ import annotations

from datetime import date, datetime

from django import template
from django.utils import timezone
from django.utils.translation import get_language

from trialdesk.analysis.wording import persian_digits
from trialdesk.web.dates import format_date

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
