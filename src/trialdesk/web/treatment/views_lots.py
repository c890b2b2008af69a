"""The lots page: list with usability today, register a lot, record its quality-control release."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from trialdesk.core.roles import Action
from trialdesk.errors import TrialdeskError
from trialdesk.services.clock import local_today
from trialdesk.services.treatment.lots import get_lot, list_lots, register_lot, release_lot
from trialdesk.services.versions import Purpose, governing_protocol
from trialdesk.web.auth import request_actor
from trialdesk.web.paging import pager_context, paginate
from trialdesk.web.treatment.forms import LotForm, ReleaseLotForm
from trialdesk.web.treatment.views_common import error_status, text
from trialdesk.web.views import domain_errors


def _page(request: HttpRequest, form: LotForm, error: TrialdeskError | None = None) -> HttpResponse:
    actor, study = request_actor(request)
    page = paginate(request, list_lots(actor, study=study))
    rows = page.object_list
    protocol = governing_protocol(study=study, purpose=Purpose.TREATMENT)
    product = protocol.dosing.product if protocol.dosing is not None else None
    context: dict[str, Any] = {
        "lots": [
            {
                "lot": row.lot,
                "usable": row.usable,
                "problems": row.problems,
                "expired": any(p.startswith("expired") for p in row.problems),
                "doses_given": row.doses_given,
            }
            for row in rows
        ],
        "form": form,
        "lot_error": error,
        "may_manage": actor.may(Action.MANAGE_LOTS),
        "product_name": text(product.name) if product else "",
        "unit_definition": text(product.unit_definition) if product else "",
        "single_source": bool(product and product.single_source_required),
        "today": local_today(),
        **pager_context(request, page),
    }
    status = 400 if form.errors else error_status(error)
    return render(request, "trialdesk/treatment/lots.html", context, status=status)


@login_required
@domain_errors
def lots(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _page(request, LotForm())
    actor, study = request_actor(request)
    form = LotForm(request.POST)
    if not form.is_valid():
        return _page(request, form)
    data = form.cleaned_data
    try:
        lot = register_lot(
            actor,
            study=study,
            lot_id=data["lot_id"],
            source_id=data["source_id"],
            amount_per_unit=data["amount_per_unit"],
            amount_unit=data["amount_unit"],
            expiry_date=data["expiry_date"],
            note=data.get("note") or "",
        )
    except TrialdeskError as error:
        return _page(request, form, error)
    messages.success(
        request, _("Lot %(lot)s registered; it may be used once QC has released it.") % {"lot": lot.lot_id}
    )
    return redirect("treatment:lots")


@login_required
@require_POST
@domain_errors
def release(request: HttpRequest, lot_id: str) -> HttpResponse:
    # `<path:lot_id>`: any stored lot id (even one from before the safe-code rule, e.g. "1400/12/31") can be
    # reversed, so the lots page never fails to render; new lot ids follow SAFE_CODE.
    actor, study = request_actor(request)
    form = ReleaseLotForm(request.POST)
    if not form.is_valid():
        return _page(request, LotForm(), _form_error(form))
    lot = get_lot(actor, study=study, lot_id=lot_id)
    try:
        release_lot(actor, lot=lot, released_on=form.cleaned_data["released_on"])
    except TrialdeskError as error:
        return _page(request, LotForm(), error)
    messages.success(request, _("Lot %(lot)s released by quality control.") % {"lot": lot.lot_id})
    return redirect("treatment:lots")


def _form_error(form: ReleaseLotForm) -> TrialdeskError:
    from trialdesk.errors import Problem, ValidationFailed

    problems = tuple(Problem(name, str(e)) for name, errors in form.errors.items() for e in errors)
    return ValidationFailed(_("The release date is missing or not a date."), problems)
