"""Refuse a request whose URL carries a NUL character, before any view looks anything up with it.

A NUL can never be part of a participant code, visit, form, lot or site id; PostgreSQL refuses it in a query
(a 500) where SQLite silently finds nothing (a 404). Answering 400 here makes both databases answer the same
for every URL, including the ones no service checks (path parameters, query strings)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse


class RefuseNulMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = request.GET.lists()
        if "\x00" in request.path or any("\x00" in k or any("\x00" in v for v in vs) for k, vs in query):
            where = "path" if "\x00" in request.path else "query"
            if request.path.startswith("/api/"):
                rule = "must not contain a NUL character"
                return JsonResponse(
                    {"detail": f"The {where} {rule}", "problems": [{"where": where, "rule": rule}]},
                    status=400,
                )
            return HttpResponseBadRequest("The address must not contain a NUL character.")
        return self.get_response(request)
