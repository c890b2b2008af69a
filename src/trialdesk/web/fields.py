"""Strict field types for the JSON API: dates and date-times only as ISO 8601 text.

pydantic's lax mode would read a number as a Unix timestamp ("-5" -> 1969-12-31) and accept many shapes; a
clinical record takes an ISO date (YYYY-MM-DD) or an ISO date-time with its UTC offset, nothing else. Jalali
dates are never guessed: a page that offers the Jalali calendar converts them explicitly.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated

from pydantic import BeforeValidator

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$")


def _iso_date(value: object) -> object:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not ISO_DATE.match(value):
        raise ValueError("must be an ISO date written YYYY-MM-DD")
    return value


def _iso_datetime(value: object) -> object:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not ISO_DATETIME.match(value):
        raise ValueError("must be an ISO date-time with its UTC offset, e.g. 2026-01-10T08:30:00+03:30")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date)]
IsoDateTime = Annotated[datetime, BeforeValidator(_iso_datetime)]
