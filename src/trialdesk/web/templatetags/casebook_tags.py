"""Template tags of the casebook pages: translated form and query states as small badges."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

register = template.Library()


def _form_statuses() -> dict[str, str]:
    return {
        "not_started": _("Not started"),
        "upcoming": _("Not due yet"),
        "due": _("Missing (due)"),
        "overdue": _("Missing (overdue)"),
        "visit_missed": _("Visit missed"),
        "withdrawn": _("Withdrawn"),
        "incomplete": _("Incomplete"),
        "saved": _("Saved"),
        "verified": _("Verified"),
        "locked": _("Locked"),
    }


def _query_statuses() -> dict[str, str]:
    return {
        "open": pgettext("query", "Open"),
        "answered": pgettext("query", "Answered"),
        "closed": pgettext("query", "Closed"),
        "reopened": pgettext("query", "Re-opened"),
    }


def _query_kinds() -> dict[str, str]:
    return {
        "raise": _("Raised"),
        "answer": _("Answer"),
        "close": _("Closed"),
        "reopen": _("Re-opened"),
        "auto_close": _("Closed automatically"),
    }


@register.simple_tag
def status_badge(status: str) -> str:
    """A form's state (missing, saved, verified, locked, ...) as a translated badge."""
    return format_html(
        '<span class="badge status-{}" data-testid="status">{}</span>',
        status,
        _form_statuses().get(status, status),
    )


@register.simple_tag
def query_status(status: str) -> str:
    return _query_statuses().get(status, status)


@register.simple_tag
def query_kind(kind: str) -> str:
    return _query_kinds().get(kind, kind)


@register.filter
def rule_text(rule: object) -> str:
    """A rule from `core/` (a problem's or warning's text) in the page's language."""
    from trialdesk.web.casebook.rule_text import rule_text as translate

    return translate(str(rule))


@register.filter
def stored_value(value: object) -> str:
    """A stored item value for the history table: a lab value as `30 mmol/L`, a list as `a, b`."""
    if value is None:
        return "—"
    if isinstance(value, dict):
        if "value" in value:
            return f"{value.get('value')} {value.get('unit') or ''}".strip()
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(stored_value(v) for v in value)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return str(value)


@register.simple_tag(takes_context=True)
def open_query_count(context: template.Context) -> str:
    """How many queries await the signed-in reader (shown beside the Queries menu item); "" when none."""
    from trialdesk.errors import TrialdeskError
    from trialdesk.services.casebook.queries import query_inbox_count
    from trialdesk.web.request_context import trial

    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return ""
    try:
        found = trial(request)
        count = query_inbox_count(found.actor, study=found.study)
    except TrialdeskError:  # no study yet, no person: no badge
        return ""
    if not count:
        return ""
    return format_html(
        ' <span class="badge count" data-testid="nav-queries-count" aria-label="{}">{}</span>',
        _("%(n)s open queries") % {"n": count},
        count,
    )
