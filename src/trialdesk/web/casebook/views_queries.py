"""The query inbox (per role) and the query actions: raise (form page), answer, close, re-open.

The buttons shown are the actions the service returned with each query (`QueryView.actions`, decided by
`core/queries.py`); the service refuses the rest (a refused action is a 4xx page)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from trialdesk.core.queries import QueryAction
from trialdesk.protocol.forms import find_form
from trialdesk.records.models import Study
from trialdesk.services.casebook.common import display_protocol
from trialdesk.services.casebook.queries import (
    QueryMessageView,
    QueryView,
    answer_query,
    close_query,
    list_queries,
    query_inbox,
    raise_query,
    reopen_query,
)
from trialdesk.web.auth import request_actor
from trialdesk.web.paging import pager_context, paginate
from trialdesk.web.request_context import participant_in_request
from trialdesk.web.templatetags.casebook_tags import query_status
from trialdesk.web.views import domain_errors


@dataclass(frozen=True)
class QueryRow:
    id: int
    participant_code: str
    form_title: str
    form_url: str
    visit_label: str
    item_path: str
    text: str
    status: str
    raised_by: str
    raised_at: datetime
    thread: tuple[QueryMessageView, ...]
    actions: frozenset[QueryAction]  # as the service returned them: "answer", "close", "reopen"


def query_rows(study: Study, queries: Sequence[QueryView]) -> list[QueryRow]:
    """Queries with what the page shows beside them (titles in the page's language, the allowed actions)."""
    if not queries:
        return []
    protocol = display_protocol(study)
    language = get_language() or "en"
    visits = {
        v.id: v.label.in_language(language) for v in (protocol.schedule.visits if protocol.schedule else [])
    }
    rows: list[QueryRow] = []
    for query in queries:
        try:
            title = find_form(protocol.forms, query.form_id).title.in_language(language)
        except KeyError:
            title = query.form_id
        label = visits.get(query.visit_id, query.visit_id)
        rows.append(
            QueryRow(
                id=query.id,
                participant_code=query.participant_code,
                form_title=title,
                form_url=reverse(
                    "casebook:form",
                    args=[query.participant_code, query.visit_id, query.occurrence, query.form_id],
                ),
                visit_label=label if query.occurrence == 1 else f"{label} #{query.occurrence}",
                item_path=query.item_path,
                text=query.text,
                status=query.status,
                raised_by=query.raised_by,
                raised_at=query.raised_at,
                thread=tuple(m for m in query.messages if m.kind != "raise"),
                actions=query.actions,
            )
        )
    return rows


@login_required
@domain_errors
def inbox(request: HttpRequest) -> HttpResponse:
    """What awaits me (default), or every query I may see (`?show=all`, optionally `&status=`)."""
    actor, study = request_actor(request)
    show_all = request.GET.get("show") == "all"
    status = request.GET.get("status") or None
    found = list_queries(actor, study=study, status=status) if show_all else query_inbox(actor, study=study)
    page = paginate(request, found)
    return render(
        request,
        "trialdesk/casebook/queries.html",
        {
            "queries": query_rows(study, list(page.object_list)),
            **pager_context(request, page),
            "show_all": show_all,
            "status": status or "",
            "status_choices": [
                (code, query_status(code)) for code in ("open", "answered", "reopened", "closed")
            ],
        },
    )


def _back(request: HttpRequest) -> HttpResponseRedirect:
    target = request.POST.get("next") or reverse("casebook:queries")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("casebook:queries")
    return HttpResponseRedirect(target)


@require_POST
@login_required
@domain_errors
def query_raise(
    request: HttpRequest, code: str, visit_id: str, occurrence: int, form_id: str
) -> HttpResponse:
    actor, study, participant = participant_in_request(request, code)
    query = raise_query(
        actor,
        participant,
        visit_id=visit_id,
        occurrence=occurrence,
        form_id=form_id,
        item_path=request.POST.get("item_path", ""),
        text=request.POST.get("text", ""),
    )
    messages.success(request, _("Query #%(id)s raised.") % {"id": query.id})
    return HttpResponseRedirect(reverse("casebook:form", args=[code, visit_id, occurrence, form_id]))


@require_POST
@login_required
@domain_errors
def query_answer(request: HttpRequest, query_id: int) -> HttpResponse:
    actor, _study = request_actor(request)
    answer_query(actor, query_id, text=request.POST.get("text", ""))
    messages.success(request, _("Query #%(id)s answered.") % {"id": query_id})
    return _back(request)


@require_POST
@login_required
@domain_errors
def query_close(request: HttpRequest, query_id: int) -> HttpResponse:
    actor, _study = request_actor(request)
    close_query(actor, query_id, text=request.POST.get("text", ""))
    messages.success(request, _("Query #%(id)s closed.") % {"id": query_id})
    return _back(request)


@require_POST
@login_required
@domain_errors
def query_reopen(request: HttpRequest, query_id: int) -> HttpResponse:
    actor, _study = request_actor(request)
    reopen_query(actor, query_id, text=request.POST.get("text", ""))
    messages.success(request, _("Query #%(id)s re-opened.") % {"id": query_id})
    return _back(request)
