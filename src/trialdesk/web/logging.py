"""Server errors leave a trace: logged with the request id to stderr and a rotating file in the data folder.

The log never carries identifying values: a request is described by method, path (participant codes are
pseudonymous) and request id; request bodies and query strings are not logged.
"""

from __future__ import annotations

import logging


class RequestIdFilter(logging.Filter):
    """Adds `request_id` (set by `SecurityHeadersMiddleware`) and the request line to the record; the formats
    name only these, never the request object, so its body and query string are not logged."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        record.request_id = getattr(request, "request_id", "-")
        record.request_line = f"{getattr(request, 'method', '')} {getattr(request, 'path', '')}".strip()
        return True
