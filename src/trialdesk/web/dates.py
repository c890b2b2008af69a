"""Showing dates in the Gregorian calendar, the Jalali (Solar Hijri) calendar, or both, by user preference."""

from __future__ import annotations

from datetime import date, datetime

import jdatetime

PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def jalali(value: date | datetime, *, persian_digits: bool = False) -> str:
    """1400/03/18 for 2021-06-08; with Persian digits when the page is in Persian."""
    day = value.date() if isinstance(value, datetime) else value
    text = str(jdatetime.date.fromgregorian(date=day).strftime("%Y/%m/%d"))
    return text.translate(PERSIAN_DIGITS) if persian_digits else text


def format_date(value: date | datetime | None, *, calendar: str, language: str) -> str:
    """Format by preference: 'gregorian', 'jalali' or 'both' (Gregorian first, Jalali in brackets)."""
    if value is None:
        return ""
    day = value.date() if isinstance(value, datetime) else value
    gregorian = day.isoformat()
    persian = jalali(day, persian_digits=language == "fa")
    if calendar == "gregorian":
        return gregorian
    if calendar == "jalali":
        return persian
    return f"{persian} ({gregorian})" if language == "fa" else f"{gregorian} ({persian})"
