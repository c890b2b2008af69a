"""Missing and overdue forms per site, and the database lock page. They call services only."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from trialdesk.core.roles import Action
from trialdesk.errors import NotFound, ValidationFailed
from trialdesk.services.casebook.tracking import site_form_tracking
from trialdesk.services.casebook.verification import database_lock, lock_database
from trialdesk.web.auth import request_actor
from trialdesk.web.form_errors import add_problems
from trialdesk.web.paging import pager_context, paginate
from trialdesk.web.views import domain_errors


@login_required
@domain_errors
def tracking(request: HttpRequest) -> HttpResponse:
    actor, study = request_actor(request)
    code = request.GET.get("site", "")
    show_all = request.GET.get("all") == "1"
    site = study.sites.filter(code=code).first() if code else None
    if code and site is None:
        raise NotFound(_("No site %(code)s in this study") % {"code": code})
    rows = site_form_tracking(actor, study, site_id=site.pk if site else None, missing_only=not show_all)
    persian = (get_language() or "en") == "fa"
    page = paginate(request, rows)
    visible_sites = actor.site_ids(Action.VIEW_FORM_DATA)
    sites = [s for s in study.sites.all() if visible_sites is None or s.pk in visible_sites]
    return render(
        request,
        "trialdesk/casebook/data/tracking.html",
        {
            "rows": [
                {
                    "row": r,
                    "visit": r.visit_label_fa if persian else r.visit_label_en,
                    "form": r.form_title_fa if persian else r.form_title_en,
                }
                for r in page.object_list
            ],
            **pager_context(request, page),
            "sites": sites,
            "selected_site": site,
            "show_all": show_all,
            "overdue_count": sum(1 for r in rows if r.state == "overdue"),
            "due_count": sum(1 for r in rows if r.state == "due"),
        },
    )


class DatabaseLockForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), widget=forms.Textarea(attrs={"rows": 3}))
    confirm = forms.BooleanField(
        label=gettext_lazy("I understand that after the lock every record of this study is read-only."),
    )


@login_required
@domain_errors
def database_lock_page(request: HttpRequest) -> HttpResponse:
    actor, study = request_actor(request)
    form = DatabaseLockForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            lock_database(actor, study, reason=form.cleaned_data["reason"])
        except ValidationFailed as error:  # the form again, the problem on its field
            add_problems(form, error)
        else:
            messages.success(request, _("The database is locked: all data are now read-only."))
            return HttpResponseRedirect(reverse("casebook:database_lock"))
    return render(
        request,
        "trialdesk/casebook/data/database_lock.html",
        {"lock": database_lock(study), "form": form, "may_lock": actor.may(Action.LOCK_DATABASE)},
        status=400 if form.errors else 200,
    )
