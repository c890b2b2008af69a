"""Mapping the registration, contacts, centres, ethics approvals and IPD sharing of an IRCT record."""

from __future__ import annotations

from datetime import date
from typing import Any

from trialdesk.protocol.irct.reading import (
    CONTACT_SECTIONS,
    IPD_DETAIL_FIELDS,
    _Fields,
    _key,
    _preview,
    _Record,
)
from trialdesk.protocol.irct.values import (
    _address,
    _checked,
    _choice,
    _compact,
    _dates,
    _number,
    _reachable,
    _text,
    _whereabouts,
    _yes_no,
)
from trialdesk.protocol.registration import (
    ICD10_PATTERN,
    IRCT_ID_PATTERN,
    gregorian_to_jalali,
    jalali_to_gregorian,
)


def _registration(record: _Record, titles: list[str], unmapped: list[str]) -> dict[str, Any]:
    top = record.fields
    scientific = top.take("scientific title") or (titles[0] if titles else None)
    if scientific is None:
        unmapped.append("Scientific title: missing; a placeholder was used")
        scientific = "Untitled IRCT record"
    registration: dict[str, Any] = {
        "registry": "IRCT",
        "scientific_title": _text(scientific, "Scientific title", unmapped),
    }
    number = top.take("irct registration number") or top.take("registration number")
    registry_id = _checked(number, IRCT_ID_PATTERN, "IRCT registration number", unmapped)
    if registry_id:
        registration["registry_id"] = registry_id
    registered = top.take("registration date")
    if registered:
        registration["registration_date"] = _gregorian(registered, "Registration date", unmapped)
    public = top.take("public title")
    if public:
        registration["public_title"] = _text(public, "Public title", unmapped)
    summary_titles = [t for t in titles[1:] if _key(t) not in (_key(scientific), _key(public or ""))]
    if summary_titles:
        registration["summary_title"] = _text(" ".join(summary_titles), "Summary title", unmapped)
    registration["secondary_ids"] = _secondary_ids(record.sections.get("secondary ids", []), unmapped)
    registration["conditions"] = _conditions(record.sections.get("health conditions studied", []), unmapped)
    sponsors, funding = _sponsors_and_funding(record.sections.get("sponsors / funding sources", []), unmapped)
    registration["sponsors"], registration["funding_sources"] = sponsors, funding
    registration["contacts"] = _contacts(record, unmapped)
    registration["recruitment_centres"] = _centres(record.sections.get("recruitment centers", []), unmapped)
    registration["ethics_committees"] = _ethics(record.sections.get("ethics committees", []), unmapped)
    ipd = _ipd(top, unmapped)
    if ipd:
        registration["ipd_sharing"] = ipd
    return _compact(registration)


def _gregorian(value: str, where: str, unmapped: list[str]) -> str | None:
    gregorian, jalali = _dates(value)
    if gregorian is None and jalali is not None:
        gregorian = _jalali_or_none(jalali)
    if gregorian is None:
        unmapped.append(f"{where}: '{_preview(value)}' is not a date")
        return None
    return gregorian.isoformat()


def _jalali_or_none(text: str) -> date | None:
    try:
        return jalali_to_gregorian(text)
    except ValueError:
        return None


def _secondary_ids(items: list[_Fields], unmapped: list[str]) -> list[dict[str, str]]:
    out = []
    for item in items:
        registry, identifier = item.take("registry"), item.take("secondary id")
        item.take("registration date")
        if registry and identifier:
            out.append({"registry": registry, "identifier": identifier})
        else:
            unmapped.append(f"{item.where}: incomplete secondary id")
    return out


def _conditions(items: list[_Fields], unmapped: list[str]) -> list[dict[str, Any]]:
    out = []
    for item in items:
        description = item.take("description of health condition studied")
        code = item.take("icd-10 code")
        icd_text = item.take("icd-10 code description")
        if not description and not icd_text:
            unmapped.append(f"{item.where}: no description")
            continue
        condition: dict[str, Any] = {
            "description": _text(description or icd_text or "", item.where, unmapped)
        }
        code = code.upper() if code else None
        condition["icd10_code"] = _checked(code, ICD10_PATTERN, f"{item.where}: ICD-10 code", unmapped)
        condition["icd10_description"] = icd_text
        out.append(_compact(condition))
    return out


def _sponsors_and_funding(items: list[_Fields], unmapped: list[str]) -> tuple[list[Any], list[Any]]:
    sponsors: list[dict[str, Any]] = []
    funding: list[dict[str, Any]] = []
    for item in items:
        organization = item.take("name of organization / entity")
        if organization:
            sponsor = {"organization": organization, **_whereabouts(item, unmapped)}
            sponsors.append(_compact(sponsor))
        source = _funding(item, organization, unmapped)
        if source:
            funding.append(source)
    return sponsors, funding


def _funding(item: _Fields, organization: str | None, unmapped: list[str]) -> dict[str, Any] | None:
    same = _yes_no(item.take("is the source of funding the same sponsor organization/entity?"))
    name = item.take("title of funding source") or (organization if same else None)
    details = {
        "same_as_sponsor": same,
        "proportion_percent": _number(item.take("proportion provided by this source")),
        "sector": _choice(item.take("public or private sector"), {"public": "public", "private": "private"}),
        "origin": _choice(
            item.take("domestic or foreign origin"), {"domestic": "domestic", "foreign": "foreign"}
        ),
        "foreign_category": item.take("category of foreign source of funding"),
        "country": item.take("country of origin"),
        "organization_type": item.take("type of organization providing the funding"),
        "grant_name": item.take("grant name"),
        "grant_code": item.take("grant code / reference number"),
    }
    if details["origin"] != "foreign" and details["foreign_category"]:
        unmapped.append(f"{item.where}: foreign funding category given for a domestic source")
        details["foreign_category"] = None
    if name is None:
        if any(value is not None for value in details.values()):
            unmapped.append(f"{item.where}: funding details without a funding source name")
        return None
    return _compact({"name": name, **details})


def _contacts(record: _Record, unmapped: list[str]) -> dict[str, Any]:
    contacts: dict[str, Any] = {}
    for section, role in CONTACT_SECTIONS.items():
        for item in record.sections.get(section, [])[:1]:
            name = item.take("full name of responsible person")
            if name is None:
                unmapped.append(f"{item.where}: no name given")
                continue
            contact = {
                "name": name,
                "organization": item.take("name of organization / entity"),
                "position": item.take("position"),
                "degree": item.take("latest degree"),
                "specialty": item.take("other areas of specialty/work"),
                "address": _address(item),
                **_reachable(item, unmapped),
            }
            contacts[role] = _compact(contact)
    return contacts


def _centres(items: list[_Fields], unmapped: list[str]) -> list[dict[str, Any]]:
    out = []
    for item in items:
        name = item.take("name of recruitment center")
        if name is None:
            unmapped.append(f"{item.where}: no name given")
            continue
        centre = {"name": name, **_whereabouts(item, unmapped)}
        out.append(_compact(centre))
    return out


def _ethics(items: list[_Fields], unmapped: list[str]) -> list[dict[str, Any]]:
    out = []
    for item in items:
        name = item.take("name of ethics committee")
        if name is None:
            unmapped.append(f"{item.where}: no committee name given")
            continue
        reference = item.take("ethics committee reference number")
        committee: dict[str, Any] = {"name": name, "address": _address(item), "reference_number": reference}
        committee.update(_approval(item, unmapped))
        out.append(_compact(committee))
    return out


def _approval(item: _Fields, unmapped: list[str]) -> dict[str, str]:
    """Approval date (ISO) and its Jalali form; a Jalali-only date is converted, a mismatch reported."""
    value = item.take("approval date")
    if value is None:
        return {}
    gregorian, jalali = _dates(value)
    converted = _jalali_or_none(jalali) if jalali else None
    if jalali and converted is None:
        unmapped.append(f"{item.where}: Approval date: '{jalali}' is not a valid Jalali date")
        jalali = None
    if gregorian is None:
        gregorian = converted
    elif converted is not None and converted != gregorian:
        unmapped.append(
            f"{item.where}: Approval date: Jalali {jalali} is not {gregorian.isoformat()}; dropped"
        )
        jalali = None
    if gregorian is None:
        unmapped.append(f"{item.where}: Approval date: '{_preview(value)}' is not a date")
        return {}
    return {
        "approval_date": gregorian.isoformat(),
        "approval_date_jalali": jalali or gregorian_to_jalali(gregorian),
    }


def _ipd(top: _Fields, unmapped: list[str]) -> dict[str, Any] | None:
    plan = top.take("deidentified individual participant data set (ipd)")
    justification = top.take("justification/reason for indecision/not sharing ipd")
    given = {key: top.take(key) for key in IPD_DETAIL_FIELDS}
    details = [f"{top.labels[key]}: {value}" for key, value in given.items() if value]
    if plan is None:
        return None
    shared = _choice(plan, {"yes": "yes", "no": "no", "undecided": "undecided"})
    if shared is None:
        unmapped.append(f"Deidentified Individual Participant Data Set (IPD): '{_preview(plan)}'")
        return None
    return _compact({"shared": shared, "justification": justification, "details": "; ".join(details) or None})
