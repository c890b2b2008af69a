"""The form page: any protocol form rendered from its definition, checked as you type (htmx), saved through
`services.casebook.entry.save_form`. No business rule here: the services decide, this module only shows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from trialdesk.core.forms import FormCheckResult
from trialdesk.errors import Conflict, ValidationFailed
from trialdesk.records.models import Participant, Study
from trialdesk.services.actors import Actor
from trialdesk.services.casebook.common import display_protocol
from trialdesk.services.casebook.entry import FormView, check_form, item_history, load_form, save_form
from trialdesk.web.casebook.form_extras import answer_none, descriptor_blocks, item_labels, labelled
from trialdesk.web.casebook.rendering import (
    PageInputs,
    Raw,
    all_items,
    build_sections,
    edit_rows,
    hidden_dom_ids,
    quiet_confirmation_ids,
    read_submission,
)
from trialdesk.web.casebook.views_queries import query_rows
from trialdesk.web.home.next_form import next_form_url
from trialdesk.web.request_context import participant_in_request
from trialdesk.web.views import domain_errors


@dataclass(frozen=True)
class FormAt:
    """One form of one visit occurrence of one participant, as the actor sees it."""

    actor: Actor
    study: Study
    participant: Participant
    view: FormView
    visit_id: str
    occurrence: int
    form_id: str

    def check(self, raw: Raw, confirmations: Mapping[str, str]) -> FormCheckResult:
        return check_form(
            self.actor,
            self.participant,
            visit_id=self.visit_id,
            occurrence=self.occurrence,
            form_id=self.form_id,
            values=raw,
            confirmations=confirmations,
        )

    @property
    def read_only(self) -> bool:
        return self.view.read_only or not self.view.allowed.enter

    def url(self, name: str = "casebook:form") -> str:
        return reverse(name, args=[self.participant.study_code, self.visit_id, self.occurrence, self.form_id])


def form_at(request: HttpRequest, code: str, visit_id: str, occurrence: int, form_id: str) -> FormAt:
    actor, study, participant = participant_in_request(request, code)
    view = load_form(actor, participant, visit_id, occurrence, form_id)
    return FormAt(actor, study, participant, view, visit_id, occurrence, form_id)


def visit_label(study: Study, visit_id: str, language: str) -> str:
    protocol = display_protocol(study)
    for visit in protocol.schedule.visits if protocol.schedule else []:
        if visit.id == visit_id:
            return visit.label.in_language(language)
    return visit_id


def _ctcae_suggestions(view: FormView) -> dict[str, str]:
    """The CTCAE term (and grade, when one is suggested) stored with each flagged lab value."""
    out: dict[str, str] = {}
    for path, item in view.items.items():
        if item.ctcae_term:
            grade = _("grade %(grade)s suggested") % {"grade": item.ctcae_grade} if item.ctcae_grade else ""
            out[path] = "; ".join(part for part in (item.ctcae_term, grade, item.ctcae_note) if part)
    return out


def _page_parts(
    at: FormAt,
    raw: Raw,
    confirmations: Mapping[str, str],
    *,
    quiet_blank: bool,
    stored: bool = False,
) -> dict[str, Any]:
    """Sections with answers and messages, the hidden ids and whatever the body template needs."""
    result = at.check(raw, confirmations)
    language = get_language() or "en"
    open_queries = {path: len(found) for path, found in at.view.open_queries.items()}
    sections = build_sections(
        at.view.definition,
        at.view.lab_tests,
        PageInputs(
            raw,
            result,
            confirmations,
            open_queries,
            language,
            quiet_blank,
            _ctcae_suggestions(at.view) if stored else {},
        ),
    )
    items = all_items(sections)
    blocks = descriptor_blocks(at.view.definition.all_items())
    for item in items:
        item.none_block = item.path in blocks and not at.read_only
    return {
        "sections": sections,
        "items": items,
        "hidden_ids": hidden_dom_ids(sections),
        "quiet_ids": quiet_confirmation_ids(items),
        "check_url": at.url("casebook:form_check"),
        "readonly": at.read_only,
        "needs_reason": at.view.exists,
        "reason_optional": at.view.status == "incomplete",
        "labels": item_labels(sections),
        "bubble_url": at.url("casebook:query_bubble"),
        "bubbles": at.view.exists and at.view.allowed.raise_query,
    }


def _render_page(
    request: HttpRequest, at: FormAt, parts: dict[str, Any], status: int = 200, **extra: Any
) -> HttpResponse:
    language = get_language() or "en"
    view = at.view
    database_locked = view.read_only_reason == "database locked"
    context = {
        **parts,
        "participant": at.participant,
        "visit_id": at.visit_id,
        "occurrence": at.occurrence,
        "form_id": at.form_id,
        "definition": view.definition,
        "form_title": view.definition.title.in_language(language),
        "form_description": view.definition.description.in_language(language)
        if view.definition.description
        else "",
        "visit_label": visit_label(at.study, at.visit_id, language),
        "status": view.status,
        "record": view if view.exists else None,
        "database_locked": database_locked,
        "can_verify": view.allowed.verify,
        "can_lock": view.allowed.lock,
        "can_raise": view.allowed.raise_query,
        "query_items": [i for i in parts["items"] if i.queryable],
        "form_queries": query_rows(at.study, list(at.view.queries)),
        "history": item_history(at.actor, at.participant, at.visit_id, at.occurrence, at.form_id)
        if view.exists
        else [],
        **extra,
    }
    return render(request, "trialdesk/casebook/form_page.html", context, status=status)


@login_required
@domain_errors
def form_page(request: HttpRequest, code: str, visit_id: str, occurrence: int, form_id: str) -> HttpResponse:
    """GET: the form with its stored answers. POST: save (a refused save shows every problem on the page)."""
    at = form_at(request, code, visit_id, occurrence, form_id)
    if request.method != "POST":
        parts = _page_parts(
            at, dict(at.view.values), dict(at.view.confirmations), quiet_blank=not at.view.exists, stored=True
        )
        return _render_page(request, at, parts)
    submission = read_submission(at.view.definition, request.POST)
    complete = request.POST.get("save_as") != "incomplete"
    try:
        saved = save_form(
            at.actor,
            at.participant,
            visit_id=visit_id,
            occurrence=occurrence,
            form_id=form_id,
            values=submission.values,
            confirmations=submission.confirmations,
            reason=submission.reason or None,
            complete=complete,
        )
    except (ValidationFailed, Conflict) as error:
        parts = _page_parts(at, submission.values, submission.confirmations, quiet_blank=not complete)
        refused = isinstance(error, ValidationFailed)
        return _render_page(
            request,
            at,
            parts,
            status=400 if refused else 409,
            save_message=_("The form was not saved. Please correct:") if refused else error.message,
            save_problems=labelled(error.problems, parts["labels"]),
            change_reason=submission.reason,
        )
    _saved_messages(request, saved.created, complete)
    for query_id in saved.queries_opened:
        messages.warning(request, _("An edit check opened query #%(id)s.") % {"id": query_id})
    if request.POST.get("then") == "next":
        return HttpResponseRedirect(next_form_url(at.actor, at.participant, visit_id, occurrence, form_id))
    return HttpResponseRedirect(at.url())


def _saved_messages(request: HttpRequest, created: bool, complete: bool) -> None:
    if not complete:
        messages.success(
            request, _("Saved as incomplete. Mark the form complete once every required item is answered.")
        )
    else:
        messages.success(request, _("Form saved.") if created else _("Changes saved."))


@require_POST
@login_required
@domain_errors
def form_check(request: HttpRequest, code: str, visit_id: str, occurrence: int, form_id: str) -> HttpResponse:
    """htmx: check the answers as they are now. By default only messages, calculated values and visibility
    come back (out-of-band), so inputs being typed into are never replaced; adding or removing a row of a
    repeating group returns the whole form body."""
    at = form_at(request, code, visit_id, occurrence, form_id)
    submission = read_submission(at.view.definition, request.POST)
    add, remove, none = request.GET.get("add"), request.GET.get("remove"), request.GET.get("none")
    if add or remove or none:
        raw = edit_rows(submission.values, add=add, remove=remove)
        block = descriptor_blocks(at.view.definition.all_items()).get(none or "")
        raw = answer_none(raw, block) if block and not at.read_only else raw
        parts = _page_parts(at, raw, submission.confirmations, quiet_blank=True)
        return render(
            request, "trialdesk/casebook/_form_body.html", {**parts, "change_reason": submission.reason}
        )
    parts = _page_parts(at, submission.values, submission.confirmations, quiet_blank=True)
    return render(request, "trialdesk/casebook/_check_oob.html", parts)
