"""The record status grid of one site (participants x visits, forms on expansion), filters and pages: only the
participants of the page shown are read (unless a filter by state needs every calendar)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from trialdesk.core.roles import Action
from trialdesk.errors import NotFound, PermissionDenied
from trialdesk.services.casebook.common import display_protocol
from trialdesk.services.casebook.status_grid import CELL_STATES, GridRow, status_grid
from trialdesk.web.auth import request_actor
from trialdesk.web.paging import PAGE_SIZE, pager_context, paginate
from trialdesk.web.templatetags.grid_tags import STATE_LABELS, state_label, state_mark
from trialdesk.web.views import domain_errors


@login_required
@domain_errors
def grid(request: HttpRequest) -> HttpResponse:
    """`?site=` (default: my first site), `?status=` (rows with a cell in that state), `?arm=`, `?page=`."""
    actor, study = request_actor(request)
    visible = actor.site_ids(Action.VIEW_FORM_DATA)
    if visible is not None and not visible:
        raise PermissionDenied(_("%(user)s may not view form data") % {"user": actor.username})
    sites = [s for s in study.sites.order_by("code") if visible is None or s.pk in visible]
    code = request.GET.get("site") or (sites[0].code if sites else "")
    site = next((s for s in sites if s.code == code), None)
    if site is None:
        raise NotFound(_("No site %(code)s visible to you") % {"code": code})
    status = request.GET.get("status") or None
    arm = request.GET.get("arm") or None
    found = status_grid(
        actor,
        study,
        site_id=site.pk,
        status=status,
        arm=arm,
        page=request.GET.get("page"),
        per_page=PAGE_SIZE,
    )
    persian = (get_language() or "en") == "fa"
    protocol = display_protocol(study)
    page = paginate(request, range(found.total))  # the pager of the page the service read
    arm_names = {a.id: a.name.in_language(get_language() or "en") for a in protocol.arms}
    return render(
        request,
        "trialdesk/casebook/data/status_grid.html",
        {
            "grid": found,
            "rows": [_row(row, arm_names, persian) for row in found.rows],
            "columns": [(c, c.label_fa if persian else c.label_en) for c in found.columns],
            "persian": persian,
            "sites": sites,
            "site": site,
            "status": status or "",
            "arm": arm or "",
            "states": [(s, STATE_LABELS[s]) for s in CELL_STATES],
            "arms": list(arm_names.items()) if found.arms_visible else [],
            **pager_context(request, page),
        },
    )


def _row(row: GridRow, arm_names: dict[str, str], persian: bool) -> dict[str, Any]:
    """One row as the template shows it, links and words prepared here (thousands of cells on a page)."""
    base = reverse("casebook:casebook", args=[row.participant_code])
    cells: list[dict[str, Any] | None] = []
    for cell in row.cells:
        if cell is None:
            cells.append(None)
            continue
        forms = [
            {
                "url": f"{base}{cell.visit_id}/{cell.occurrence}/{f.form_id}/",
                "title": f.title_fa if persian else f.title_en,
                "state": f.state,
                "label": state_label(f.state),
            }
            for f in cell.forms
        ]
        cells.append(
            {"cell": cell, "mark": state_mark(cell.state), "label": state_label(cell.state), "forms": forms}
        )
    return {"row": row, "arm": arm_names.get(row.arm or "", ""), "cells": cells}
