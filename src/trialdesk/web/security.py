"""Headers of a medical web application: a strict Content-Security-Policy and no caching of trial data.

No inline script or style is allowed (`site.js` carries the little behaviour pages need; htmx is configured
not to inject styles or evaluate code). Every response that is not a static file is `Cache-Control: no-store`,
so trial data never stay in a shared or browser cache.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.request_id = uuid.uuid4().hex[:12]  # type: ignore[attr-defined]
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers["X-Request-Id"] = request.request_id  # type: ignore[attr-defined]
        if not request.path.startswith("/" + settings.STATIC_URL.lstrip("/")):
            response.headers["Cache-Control"] = "no-store"
        return response
