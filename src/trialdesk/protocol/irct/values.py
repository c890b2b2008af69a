"""Turning raw field values into protocol values: bilingual text, checked patterns, numbers, dates, choices."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from trialdesk.protocol.irct.reading import _DIGITS, _Fields, _preview
from trialdesk.protocol.registration import EMAIL_PATTERN, PHONE_PATTERN


def _is_persian_only(value: str) -> bool:
    return bool(re.search(r"[\u0600-\u06FF]", value)) and not re.search(r"[A-Za-z]", value)


def _text(value: str, where: str, unmapped: list[str]) -> dict[str, str]:
    """A bilingual Text mapping; a Persian-only value fills both languages and is reported."""
    if _is_persian_only(value):
        unmapped.append(f"{where}: Persian text only ('{_preview(value, 40)}'); English translation needed")
        return {"en": value, "fa": value}
    return {"en": value}


def _checked(value: str | None, pattern: str, where: str, unmapped: list[str]) -> str | None:
    if value is None:
        return None
    normalized = value.translate(_DIGITS)
    if re.match(pattern, normalized):
        return normalized
    unmapped.append(f"{where}: '{_preview(value)}' is not in the expected form")
    return None


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    found = re.search(r"\d+(?:\.\d+)?", value.translate(_DIGITS))
    return float(found.group()) if found else None


def _dates(value: str) -> tuple[date | None, str | None]:
    """(Gregorian date, Jalali date as written) found in a value like '2021-06-08, 1400/03/18'."""
    text = value.translate(_DIGITS)
    iso = re.search(r"\b(1[89]\d\d|20\d\d)-(\d{1,2})-(\d{1,2})\b", text)
    jalali = re.search(r"\b1[34]\d\d/\d{1,2}/\d{1,2}\b", text)
    gregorian = date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3))) if iso else None
    return gregorian, jalali.group() if jalali else None


def _slug(text: str, prefix: str, number: int, taken: set[str]) -> str:
    words = re.findall(r"[a-z0-9]+", text.casefold())[:5]
    base = f"{prefix}_{'_'.join(words)}"[:48].rstrip("_") if words else f"{prefix}_{number}"
    slug, suffix = base, 2
    while slug in taken:
        slug, suffix = f"{base}_{suffix}", suffix + 1
    taken.add(slug)
    return slug


def _address(item: _Fields) -> dict[str, str] | None:
    parts = {
        "street": item.take("street address"),
        "city": item.take("city"),
        "province": item.take("province"),
        "postal_code": item.take("postal code"),
        "country": item.take("country"),
    }
    postal_code = parts["postal_code"]
    kept = {**parts, "postal_code": postal_code.translate(_DIGITS) if postal_code else None}
    return {name: value for name, value in kept.items() if value} or None


def _reachable(item: _Fields, unmapped: list[str]) -> dict[str, str]:
    """Phone and e-mail of an item, when they have the expected form."""
    phone = _checked(item.take("phone"), PHONE_PATTERN, f"{item.where}: Phone", unmapped)
    email = _checked(item.take("email"), EMAIL_PATTERN, f"{item.where}: Email", unmapped)
    return {name: value for name, value in (("phone", phone), ("email", email)) if value}


def _whereabouts(item: _Fields, unmapped: list[str]) -> dict[str, Any]:
    """Responsible person, address, phone and e-mail of a sponsor or centre."""
    person = item.take("full name of responsible person")
    return {"responsible_person": person, "address": _address(item), **_reachable(item, unmapped)}


def _compact(mapping: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in mapping.items() if value is not None}


def _yes_no(value: str | None) -> bool | None:
    if value is None:
        return None
    word = value.casefold()
    return True if word.startswith("yes") else False if word.startswith("no") else None


def _choice(value: str | None, words: dict[str, str]) -> str | None:
    if value is None:
        return None
    word = value.casefold()
    return next((result for prefix, result in words.items() if word.startswith(prefix)), None)
