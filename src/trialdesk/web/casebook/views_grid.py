"""The record status grid of one site (participants x visits, forms on expansion), filters and pages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from trialdesk.core.roles import Action
from trialdesk.errors import NotFound, PermissionDenied
from trialdesk.services.casebook.common import display_protocol
from trialdesk.services.casebook.status_grid import CELL_STATES, status_grid
from trialdesk.web.auth import request_actor
from trialdesk.web.paging import pager_context, paginate
from trialdesk.web.templatetags.grid_tags import STATE_LABELS
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
    found = status_grid(actor, study, site_id=site.pk, status=status, arm=arm)
    persian = (get_language() or "en") == "fa"
    protocol = display_protocol(study)
    page = paginate(request, found.rows)
    arm_names = {a.id: a.name.in_language(get_language() or "en") for a in protocol.arms}
    return render(
        request,
        "trialdesk/casebook/data/status_grid.html",
        {
            "grid": found,
            "rows": [(row, arm_names.get(row.arm or "", "")) for row in page.object_list],
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
