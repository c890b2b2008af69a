"""Pages of the web shell. Views call services and nothing else; domain errors become 4xx pages."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from trialdesk.core.roles import Action
from trialdesk.errors import NotFound, TrialdeskError
from trialdesk.records.models import Person, Site, Study
from trialdesk.services.clock import local_today
from trialdesk.services.participants import participant_query, participant_row
from trialdesk.services.versions import Purpose, governing_protocol
from trialdesk.web.auth import ThrottledAuthenticationForm, request_actor
from trialdesk.web.dashboard_tasks import waiting_for
from trialdesk.web.errors import http_status
from trialdesk.web.paging import pager_context, paginate
from trialdesk.web.way_forward import way_forward
from trialdesk.web.wording import in_language

View = Callable[..., HttpResponse]


def domain_errors(view: View) -> View:
    """Turn domain errors into 403/404/409/400 pages with the clinician-readable message; never a 500."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except TrialdeskError as error:
            context = {"error": error, "way_forward": way_forward(error)}
            return render(request, "trialdesk/error.html", context, status=http_status(error))

    return wrapper


class SignInView(auth_views.LoginView):
    template_name = "trialdesk/login.html"
    authentication_form = ThrottledAuthenticationForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        """The sign-in page says which trial this is, in the page's language."""
        context = super().get_context_data(**kwargs)
        study = Study.objects.filter(is_default=True).first()
        if study is not None:
            protocol = governing_protocol(study=study, purpose=Purpose.DISPLAY)
            context["study_title"] = in_language(protocol.registration.scientific_title)
        return context


@login_required
@domain_errors
def dashboard(request: HttpRequest) -> HttpResponse:
    actor, study = request_actor(request)
    protocol = governing_protocol(study=study, purpose=Purpose.DISPLAY)
    counts: Counter[str] = Counter()
    if actor.site_ids(Action.VIEW_PARTICIPANTS) != set():
        by_status = participant_query(actor, study_id=study.pk).order_by().values_list("status")
        counts = Counter(dict(by_status.annotate(n=Count("pk")).values_list("status", "n")))
    return render(
        request,
        "trialdesk/dashboard.html",
        {
            "study": study,
            "protocol": protocol,
            "status_counts": sorted(counts.items()),
            "sites": study.sites.all(),
            "today": local_today(),
            "tasks": waiting_for(actor, study, counts),
        },
    )


@login_required
@domain_errors
def participants(request: HttpRequest) -> HttpResponse:
    """The participants of my sites, fifty a page; `?q=` searches by code (one match opens its home page)."""
    actor, study = request_actor(request)
    site_code = request.GET.get("site") or None
    site = Site.objects.filter(study=study, code=site_code).first() if site_code else None
    if site_code and site is None:
        raise NotFound(f"No site {site_code} in this study")
    search = request.GET.get("q", "").strip()[:40]
    query = participant_query(actor, study_id=study.pk, site=site, code=search)
    if search:
        exact = query.filter(study_code__iexact=search).first()
        if exact is not None:
            return HttpResponseRedirect(reverse("enrolment:participant", args=[exact.study_code]))
    page = paginate(request, query)
    rows = [participant_row(actor, p) for p in page]
    visible_sites = actor.site_ids(Action.VIEW_PARTICIPANTS)
    sites = study.sites.all() if visible_sites is None else study.sites.filter(pk__in=visible_sites)
    return render(
        request,
        "trialdesk/participants.html",
        {
            "rows": rows,
            "sites": sites,
            "selected_site": site,
            "search": search,
            "shows_identity": any(r.full_name for r in rows),
            **pager_context(request, page),
        },
    )


@require_POST
def set_preferences(request: HttpRequest) -> HttpResponse:
    """Language (en/fa) and calendar (gregorian/jalali/both): kept on the person, or the session before sign-in."""
    language = request.POST.get("language")
    calendar = request.POST.get("calendar")
    person: Person | None = getattr(request.user, "person", None) if request.user.is_authenticated else None
    if language in ("en", "fa"):
        request.session["language"] = language
        if person is not None:
            person.language = language
    if calendar in ("gregorian", "jalali", "both"):
        request.session["calendar"] = calendar
        if person is not None:
            person.calendar = calendar
    if person is not None:
        person.save(update_fields=["language", "calendar"])
    target = request.POST.get("next") or reverse("dashboard")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("dashboard")
    return HttpResponseRedirect(target)
