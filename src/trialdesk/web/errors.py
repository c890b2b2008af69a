"""The one mapping from domain errors to HTTP status codes, shared by pages and the JSON API."""

from __future__ import annotations

from trialdesk.errors import Conflict, NotFound, PermissionDenied, TrialdeskError


def http_status(error: TrialdeskError) -> int:
    if isinstance(error, PermissionDenied):
        return 403
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, Conflict):
        return 409
    return 400
