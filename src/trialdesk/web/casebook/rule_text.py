"""The rules `core/` names in its problems (English, for logs and the API) in the page's language.

Only the wording is translated here; the rule itself stays in `core/`. A rule without a pattern below is shown
as written."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.utils.translation import gettext as _


def _patterns() -> list[tuple[re.Pattern[str], Callable[[], str]]]:
    # Most specific first: "must be at most 20 characters" before "must be at most 300 mmHg".
    rules: list[tuple[str, Callable[[], str]]] = [
        (r"is required", lambda: _("is required")),
        (r"no item is answered", lambda: _("no item is answered: answer at least one before saving")),
        (r"must be a whole number", lambda: _("must be a whole number")),
        (r"must be a number", lambda: _("must be a number")),
        (r"must be a finite number", lambda: _("must be a finite number")),
        (r"must be yes or no", lambda: _("must be yes or no")),
        (r"must be a date \(YYYY-MM-DD\)", lambda: _("must be a date (YYYY-MM-DD)")),
        (r"a confirmation needs a reason", lambda: _("a confirmation needs a reason")),
        (r"must be at most (?P<n>\d+) characters", lambda: _("must be at most %(n)s characters")),
        (
            r"must have at most (?P<n>\d+) decimal place\(s\)",
            lambda: _("must have at most %(n)s decimal place(s)"),
        ),
        (r"needs at least (?P<n>\d+) row\(s\)", lambda: _("needs at least %(n)s row(s)")),
        (r"allows at most (?P<n>\d+) row\(s\)", lambda: _("allows at most %(n)s row(s)")),
        (
            r"must be at least (?P<limit>.+) \(physiologically impossible\)",
            lambda: _("must be at least %(limit)s (physiologically impossible)"),
        ),
        (
            r"must be at most (?P<limit>.+) \(physiologically impossible\)",
            lambda: _("must be at most %(limit)s (physiologically impossible)"),
        ),
        (r"must be at least (?P<limit>.+)", lambda: _("must be at least %(limit)s")),
        (r"must be at most (?P<limit>.+)", lambda: _("must be at most %(limit)s")),
        (
            r"is below (?P<limit>.+) \(implausible\): confirm with a reason",
            lambda: _("is below %(limit)s (implausible): confirm with a reason"),
        ),
        (
            r"is above (?P<limit>.+) \(implausible\): confirm with a reason",
            lambda: _("is above %(limit)s (implausible): confirm with a reason"),
        ),
        (
            r"is below the expected (?P<limit>.+): confirm with a reason",
            lambda: _("is below the expected %(limit)s: confirm with a reason"),
        ),
        (
            r"is above the expected (?P<limit>.+): confirm with a reason",
            lambda: _("is above the expected %(limit)s: confirm with a reason"),
        ),
        (
            r"(?P<value>.+) is not one of the choices: (?P<choices>.+)",
            lambda: _("%(value)s is not one of the choices: %(choices)s"),
        ),
    ]
    return [(re.compile(f"^{pattern}$"), text) for pattern, text in rules]


_COMPILED = _patterns()


def rule_text(rule: str) -> str:
    """`rule` in the active language (English rules without a known pattern are returned unchanged)."""
    for pattern, text in _COMPILED:
        match = pattern.match(rule)
        if match:
            translated = text()
            return translated % match.groupdict() if "%(" in translated else translated
    return rule
