"""The participant home's own tabs (timeline, queries) and the summary's next-step hint; the other tabs are
the existing participant pages, which share the tab bar (`{% participant_tabs %}`)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language

from trialdesk.errors import TrialdeskError
from trialdesk.records.models import Participant
from trialdesk.services.actors import Actor
from trialdesk.services.casebook.common import display_protocol
from trialdesk.services.casebook.queries import list_queries
from trialdesk.services.participant_home import next_steps, timeline
from trialdesk.web.casebook.views_queries import query_rows
from trialdesk.web.home.wording import Labels, entry_text, reason_text, step_text
from trialdesk.web.paging import pager_context, paginate
from trialdesk.web.request_context import participant_in_request
from trialdesk.web.views import domain_errors


def _labels(participant: Participant) -> Labels:
    return Labels.of(display_protocol(participant.study), get_language() or "en")


def summary_context(actor: Actor, participant: Participant) -> dict[str, Any]:
    """The next-step hint on the summary tab (what is due, what blocks the next dose)."""
    labels = _labels(participant)
    try:
        steps = next_steps(actor, participant)
    except TrialdeskError:
        steps = []
    return {
        "next_steps": [
            {
                "code": s.code,
                "text": step_text(s, labels),
                "reasons": [reason_text(code, message, params) for code, message, params in s.reasons],
            }
            for s in steps
        ]
    }


@login_required
@domain_errors
def participant_timeline(request: HttpRequest, code: str) -> HttpResponse:
    actor, _study, participant = participant_in_request(request, code)
    labels = _labels(participant)
    page = paginate(request, timeline(actor, participant))
    entries = [{"entry": e, "text": entry_text(e, labels)} for e in page.object_list]
    return render(
        request,
        "trialdesk/pages/timeline.html",
        {"participant": participant, "entries": entries, **pager_context(request, page)},
    )


@login_required
@domain_errors
def participant_queries(request: HttpRequest, code: str) -> HttpResponse:
    actor, study, participant = participant_in_request(request, code)
    page = paginate(request, list_queries(actor, study=study, participant=participant))
    return render(
        request,
        "trialdesk/pages/participant_queries.html",
        {
            "participant": participant,
            "queries": query_rows(study, list(page.object_list)),
            **pager_context(request, page),
        },
    )
