"""The difference in the page's language: the English templates of `protocol.amendments`, translated by gettext
(their Persian forms are in web/locale/fa/parts/amendments.po)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import get_language, gettext

from trialdesk.protocol.amendments import Change, Refusal, describe, describe_refusal


@dataclass(frozen=True)
class Line:
    area: str
    code: str
    text: str


def _language() -> str:
    return "fa" if (get_language() or "en").startswith("fa") else "en"


def change_lines(changes: list[Change]) -> list[Line]:
    language = _language()
    return [Line(c.area, c.code, describe(c, language=language, translate=gettext)) for c in changes]


def refusal_lines(refusals: list[Refusal]) -> list[Line]:
    language = _language()
    return [
        Line(r.change.area, r.reason, describe_refusal(r, language=language, translate=gettext))
        for r in refusals
    ]
