"""Words and marks for the record status grid's cell states (web/casebook/views_grid.py)."""

from __future__ import annotations

from django import template
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

register = template.Library()

STATE_LABELS: dict[str, Promise] = {
    "overdue": gettext_lazy("overdue"),
    "open_query": gettext_lazy("open query"),
    "incomplete": gettext_lazy("incomplete"),
    "not_started": gettext_lazy("not started"),
    "complete": gettext_lazy("complete"),
    "verified": gettext_lazy("verified"),
    "locked": gettext_lazy("locked"),
    "not_expected": gettext_lazy("not expected (missed or withdrawn)"),
}
STATE_MARKS = {
    "overdue": "!",
    "open_query": "?",
    "incomplete": "◐",
    "not_started": "○",
    "complete": "●",
    "verified": "✓",
    "locked": "■",
    "not_expected": "–",
}


@register.filter
def state_label(state: str) -> str:
    return str(STATE_LABELS.get(state, state))


@register.filter
def state_mark(state: str) -> str:
    return STATE_MARKS.get(state, "")
