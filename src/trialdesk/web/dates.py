"""Showing dates in the Gregorian calendar, the Jalali (Solar Hijri) calendar, or both, by user preference."""

from __future__ import annotations

from datetime import date, datetime

import jdatetime
from django.utils import timezone

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


def zone_name(moment: datetime) -> str:
    """The zone's name (its IANA key, e.g. Asia/Tehran), never a bare offset."""
    key = getattr(moment.tzinfo, "key", None)
    return str(key) if key else (moment.tzname() or "")


def format_instant(value: datetime | None, *, calendar: str, language: str) -> str:
    """A stored (UTC) instant as the site lives it: the date by preference, the local time, the zone named."""
    if value is None:
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    clock = local.strftime("%H:%M")
    if language == "fa":
        clock = clock.translate(PERSIAN_DIGITS)
    return f"{format_date(local, calendar=calendar, language=language)} {clock} ({zone_name(local)})"
