"""Server errors leave a trace: logged with the request id to stderr and a rotating file in the data folder.

The log never carries identifying values: a request is described by method, path (participant codes are
pseudonymous) and request id; request bodies and query strings are not logged.
"""

from __future__ import annotations

import logging


class RequestIdFilter(logging.Filter):
    """Adds `request_id` (set by `SecurityHeadersMiddleware`) and drops the request object from the record."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        record.request_id = getattr(request, "request_id", "-")
        record.request_line = f"{getattr(request, 'method', '')} {getattr(request, 'path', '')}".strip()
        if request is not None:
            record.request = None  # Django's default formatter would render the whole request
        return True
