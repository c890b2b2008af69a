"""The administrator's pages: people, their roles and the study's sites (not only through Django admin).

Each POST calls one service (`add_person`, `grant_role`, `create_site`); a refused change re-shows the page with
the message naming the field.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from trialdesk.core.roles import Action, Role
from trialdesk.errors import PermissionDenied, TrialdeskError
from trialdesk.records.models import Person, RoleAssignment, Site, Study
from trialdesk.services.people import add_person, grant_role
from trialdesk.services.sites import create_site
from trialdesk.web.auth import request_actor
from trialdesk.web.views import domain_errors
from trialdesk.web.wording import ROLE_LABELS


def _role_choices() -> list[tuple[str, Any]]:
    return [(role.value, ROLE_LABELS.get(role.value, role.value)) for role in Role]


def _site_choices(study: Study) -> list[tuple[str, Any]]:
    return [("", gettext_lazy("Study-wide (every site)"))] + [(s.code, s.code) for s in study.sites.all()]


class PersonForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("User name"), max_length=150)
    display_name = forms.CharField(label=gettext_lazy("Name shown"), max_length=200)
    password = forms.CharField(label=gettext_lazy("First password"), widget=forms.PasswordInput)
    role = forms.ChoiceField(label=gettext_lazy("Role"))
    site = forms.ChoiceField(label=gettext_lazy("Site"), required=False)


class GrantForm(forms.Form):
    person = forms.ChoiceField(label=gettext_lazy("Person"))
    role = forms.ChoiceField(label=gettext_lazy("Role"))
    site = forms.ChoiceField(label=gettext_lazy("Site"), required=False)


class SiteForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("Site code"), max_length=10)
    name = forms.CharField(label=gettext_lazy("Site name"), max_length=200)


def _choices(form: forms.Form, name: str, choices: list[tuple[str, Any]]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


def _forms(study: Study, data: Any = None, which: str = "") -> dict[str, forms.Form]:
    person_form = PersonForm(data if which == "person" else None, prefix="person")
    grant_form = GrantForm(data if which == "grant" else None, prefix="grant")
    for form in (person_form, grant_form):
        _choices(form, "role", _role_choices())
        _choices(form, "site", _site_choices(study))
    people = Person.objects.filter(roles__study=study).distinct().order_by("display_name")
    _choices(grant_form, "person", [(str(p.pk), p.display_name) for p in people])
    return {
        "person_form": person_form,
        "grant_form": grant_form,
        "site_form": SiteForm(data if which == "site" else None, prefix="site"),
    }


def _site(study: Study, code: str) -> Site | None:
    return Site.objects.filter(study=study, code=code).first() if code else None


def _apply(request: HttpRequest, study: Study, which: str, form: forms.Form) -> str:
    actor, _study = request_actor(request)
    data = form.cleaned_data
    if which == "person":
        add_person(
            actor,
            study=study,
            username=data["username"],
            display_name=data["display_name"],
            password=data["password"],
            role=data["role"],
            site=_site(study, data["site"]),
        )
        return _("%(name)s was added.") % {"name": data["display_name"]}
    if which == "grant":
        person = Person.objects.get(pk=int(data["person"]))
        grant_role(actor, person=person, study=study, role=data["role"], site=_site(study, data["site"]))
        return _("The role was granted to %(name)s.") % {"name": person.display_name}
    create_site(actor, study=study, code=data["code"], name=data["name"])
    return _("The site %(code)s was added.") % {"code": data["code"].upper()}


@login_required
@domain_errors
def people(request: HttpRequest) -> HttpResponse:
    actor, study = request_actor(request)
    if not actor.may(Action.MANAGE_PEOPLE):
        raise PermissionDenied(_("Only an administrator manages people, roles and sites."))
    which = request.POST.get("which", "") if request.method == "POST" else ""
    page_forms = _forms(study, request.POST if which else None, which)
    error: TrialdeskError | None = None
    if which in ("person", "grant", "site"):
        form = page_forms[f"{which}_form"]
        if form.is_valid():
            try:
                messages.success(request, _apply(request, study, which, form))
                return redirect("people")
            except TrialdeskError as refused:
                error = refused
    assignments = (
        RoleAssignment.objects.filter(study=study)
        .select_related("person", "site")
        .order_by("person__display_name")
    )
    context = {"assignments": assignments, "sites": study.sites.all(), "error": error, **page_forms}
    return render(request, "trialdesk/people.html", context, status=400 if which else 200)
