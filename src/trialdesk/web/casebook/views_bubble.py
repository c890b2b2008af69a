"""The query bubble beside a form item: a small inline form (htmx, no inline script) that raises a query on
that item through `services.casebook.queries.raise_query`.

    GET  .../queries/bubble/?item=<path>     the inline form (empty `item`: nothing, which closes it)
    POST .../queries/bubble/                 raise; success sends the browser back to the form page
                                             (HX-Redirect), a refusal re-shows the inline form with the message
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from trialdesk.errors import ValidationFailed
from trialdesk.services.casebook.queries import raise_query
from trialdesk.web.casebook.rendering import dom_id
from trialdesk.web.casebook.views_forms import FormAt, form_at
from trialdesk.web.casebook.views_queries import query_rows
from trialdesk.web.views import domain_errors


def _item_label(at: FormAt, path: str) -> str:
    item_id = path.rsplit(".", 1)[-1]
    language = get_language() or "en"
    for item in at.view.definition.all_items():
        if item.id == item_id:
            return item.label.in_language(language)
    return path


def _bubble(request: HttpRequest, at: FormAt, path: str, text: str = "", error: str = "") -> HttpResponse:
    context = {
        "path": path,
        "dom": dom_id(path),
        "label": _item_label(at, path),
        "text": text,
        "error": error,
        "bubble_url": at.url("casebook:query_bubble"),
        "open_here": [q for q in query_rows(at.study, list(at.view.open_queries.get(path, ())))],
    }
    return render(request, "trialdesk/casebook/_query_bubble.html", context)


@login_required
@domain_errors
def query_bubble(
    request: HttpRequest, code: str, visit_id: str, occurrence: int, form_id: str
) -> HttpResponse:
    at = form_at(request, code, visit_id, occurrence, form_id)
    if request.method != "POST":
        path = request.GET.get("item", "")
        return _bubble(request, at, path) if path else HttpResponse("")
    path = request.POST.get("item_path", "")
    text = request.POST.get("text", "")
    try:
        query = raise_query(
            at.actor, at.participant, visit_id=visit_id, occurrence=occurrence, form_id=form_id,
            item_path=path, text=text,
        )  # fmt: skip
    except ValidationFailed as error:
        if not request.headers.get("HX-Request"):
            raise
        return _bubble(request, at, path, text, error.message)
    messages.success(request, _("Query #%(id)s raised.") % {"id": query.id})
    if request.headers.get("HX-Request"):
        response = HttpResponse("")
        response["HX-Redirect"] = at.url()
        return response
    return HttpResponseRedirect(at.url())
