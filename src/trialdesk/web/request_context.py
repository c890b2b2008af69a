"""The request context: who is acting, in which study, about which participant — resolved once per request.

`RequestContextMiddleware.process_view` runs after authentication and URL resolution and before the view:
- an anonymous request passes through untouched (pages redirect to sign-in, the API answers 401);
- a participant `code` in the URL that does not exist or is not visible to this actor answers 404 (a page or
  JSON, by path) before any view runs — never a 500; without a code the context is resolved on first use
  (no installed study is then a `NotFound`, which views and the API turn into 404);
- otherwise `request.trial` holds a `TrialRequest` that every page and API operation reads with `trial(request)`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from trialdesk.errors import NotFound
from trialdesk.records.models import Participant, Study
from trialdesk.services.actors import Actor, actor_for
from trialdesk.services.participants import get_participant
from trialdesk.services.studies import default_study

API_PREFIX = "/api/"


@dataclass(frozen=True)
class TrialRequest:
    actor: Actor
    study: Study
    participant: Participant | None

    @property
    def the_participant(self) -> Participant:
        """The participant named in the URL (views under `participants/<code>/` always have one)."""
        if self.participant is None:
            raise NotFound("No participant is named in this address")
        return self.participant


def resolve(request: HttpRequest, code: str | None) -> TrialRequest:
    """Actor, study and (when `code` is given) the participant visible to the actor; `NotFound` otherwise."""
    study = default_study()
    person = getattr(request.user, "person", None)
    actor = (
        actor_for(person, study.pk)
        if person is not None
        else Actor(username=request.user.get_username(), person_id=None, assignments=frozenset())
    )
    participant = get_participant(actor, study_id=study.pk, study_code=code) if code is not None else None
    return TrialRequest(actor, study, participant)


def trial(request: HttpRequest) -> TrialRequest:
    """The context of a signed-in request (set by the middleware; resolved here if a view runs without it)."""
    context = getattr(request, "trial", None)
    if context is None:
        context = resolve(request, None)
        request.trial = context  # type: ignore[attr-defined]
    assert isinstance(context, TrialRequest)
    return context


def participant_in_request(request: HttpRequest, code: str) -> tuple[Actor, Study, Participant]:
    """The actor, the study and the participant `code` (resolved once by the middleware when the URL names it;
    a code named in a request body or query is resolved here, with the same visibility rule)."""
    context = trial(request)
    participant = context.participant
    if participant is None or participant.study_code != code:
        participant = get_participant(context.actor, study_id=context.study.pk, study_code=code)
    return context.actor, context.study, participant


def not_found(request: HttpRequest, error: NotFound) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": error.message}, status=404)
    return render(request, "trialdesk/error.html", {"error": error}, status=404)


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        code = view_kwargs.get("code")
        if not request.user.is_authenticated or code is None:
            return None  # resolved on first use by `trial(request)`; admin and sign-in pages never need it
        try:
            request.trial = resolve(request, str(code))  # type: ignore[attr-defined]
        except NotFound as error:
            return not_found(request, error)
        return None
