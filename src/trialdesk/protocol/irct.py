"""Import an IRCT registry record (the text of its English page) as a draft protocol.

The record is a free-text summary (title, headline, then "Design", "Settings and conduct",
"Participants/Inclusion and exclusion criteria", "Intervention groups" with prose) followed by
labelled fields: a label line, then its value line(s). Repeating sections ("Primary outcomes",
"Ethics committees", ...) number their items "1", "2", ...; the word `empty` marks an empty
section or value. The reader is keyed on the known labels, so a value is whatever lies between two
labels; anything it cannot place is reported in `ImportResult.unmapped`, never dropped silently.

    import_irct(text) -> ImportResult(data=<draft protocol mapping>, unmapped=[...])
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from trialdesk.protocol.schema import (
    EMAIL_PATTERN,
    ICD10_PATTERN,
    IRCT_ID_PATTERN,
    PHONE_PATTERN,
    gregorian_to_jalali,
    jalali_to_gregorian,
)

__all__ = ["ImportResult", "import_irct"]


@dataclass(frozen=True)
class ImportResult:
    """A draft protocol mapping (`status: draft`) and what could not be mapped, in words."""

    data: dict[str, Any]
    unmapped: list[str]


# --- labels ------------------------------------------------------------------------------------

SUMMARY_LABELS = {
    "design": "design",
    "settings and conduct": "settings",
    "participants/inclusion and exclusion criteria": "participants",
    "intervention groups": "interventions",
}

TOP_FIELDS = {
    "scientific title", "public title", "acronym", "purpose", "inclusion/exclusion criteria", "age",
    "gender", "phase", "groups that have been masked", "sample size", "target sample size",
    "actual sample size", "actual sample size reached", "randomization (investigator's opinion)",
    "randomization description", "blinding (investigator's opinion)", "blinding description",
    "placebo", "assignment", "other design features", "irct registration number",
    "registration number", "registration date", "registration timing", "last update",
    "recruitment status", "funding source", "expected recruitment start date",
    "expected recruitment end date", "actual recruitment start date", "actual recruitment end date",
    "trial completion date", "sharing plan", "deidentified individual participant data set (ipd)",
    "justification/reason for indecision/not sharing ipd", "study protocol", "statistical analysis plan",
    "informed consent form", "clinical study report", "analytic code", "data dictionary",
    "title and more details about the data/document", "when the data will be accessible and for how long",
    "to whom data/document is available", "under which criteria data/document could be used",
    "from where data/document is obtainable",
    "what processes are involved for a request to access data/document", "comments",
}  # fmt: skip

# Repeating section -> labels that may open an item (a number line before one of them starts an item).
SECTIONS = {
    "secondary ids": {"registry", "secondary id"},
    "ethics committees": {"ethics committee", "name of ethics committee"},
    "health conditions studied": {"description of health condition studied", "icd-10 code"},
    "primary outcomes": {"description"},
    "secondary outcomes": {"description"},
    "intervention groups": {"description"},
    "recruitment centers": {"recruitment center", "name of recruitment center"},
    "sponsors / funding sources": {"sponsor", "name of organization / entity", "title of funding source"},
}

CONTACT_SECTIONS = {
    "person responsible for general inquiries": "general_inquiries",
    "person responsible for scientific inquiries": "scientific_inquiries",
    "person responsible for updating data": "data_updates",
}

SUB_HEADERS = {"ethics committee", "recruitment center", "sponsor", "funding source", "contact"}

ITEM_FIELDS = SUB_HEADERS | {
    "registry", "secondary id", "registration date", "description", "timepoint", "method of measurement",
    "category", "name of ethics committee", "street address", "city", "province", "postal code", "country",
    "approval date", "ethics committee reference number", "description of health condition studied",
    "icd-10 code", "icd-10 code description", "name of recruitment center", "full name of responsible person",
    "phone", "fax", "email", "web page address", "name of organization / entity", "grant name",
    "grant code / reference number", "is the source of funding the same sponsor organization/entity?",
    "title of funding source", "proportion provided by this source", "public or private sector",
    "domestic or foreign origin", "category of foreign source of funding", "country of origin",
    "type of organization providing the funding", "position", "latest degree", "other areas of specialty/work",
}  # fmt: skip

# Labels whose value is never empty, so the next line is their value even when it reads like a label.
VALUE_REQUIRED = {"category"}

IPD_DETAIL_FIELDS = (
    "study protocol", "statistical analysis plan", "informed consent form", "clinical study report",
    "analytic code", "data dictionary", "title and more details about the data/document",
    "when the data will be accessible and for how long", "to whom data/document is available",
    "under which criteria data/document could be used", "from where data/document is obtainable",
    "what processes are involved for a request to access data/document", "comments",
)  # fmt: skip

_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")


def _key(line: str) -> str:
    """The lookup form of a label line: trimmed, single-spaced, case-folded, without a final colon."""
    return re.sub(r"\s+", " ", line.strip().rstrip(":").strip()).casefold()


def _is_label(line: str) -> bool:
    key = _key(line)
    return key in TOP_FIELDS or key in SECTIONS or key in CONTACT_SECTIONS or key in ITEM_FIELDS


# --- reading: lines -> labelled record ---------------------------------------------------------


@dataclass
class _Fields:
    """Label -> value lines of one item (or of the top level); remembers which labels were used."""

    where: str
    values: dict[str, list[str]] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)

    def open(self, line: str) -> list[str]:
        key = _key(line)
        self.labels.setdefault(key, line.strip().rstrip(":").strip())
        return self.values.setdefault(key, [])

    def take(self, key: str) -> str | None:
        """The value of `key` as one line, or None when absent or empty."""
        self.used.add(key)
        text = " ".join(self.values.get(key, [])).strip()
        return text or None

    def lines(self, key: str) -> list[str]:
        self.used.add(key)
        return list(self.values.get(key, []))

    def leftovers(self) -> list[str]:
        out = []
        for key, lines in self.values.items():
            if key in self.used or key in SUB_HEADERS or key == "sharing plan":
                continue
            value = " ".join(lines).strip()
            where = f"{self.where}: " if self.where else ""
            out.append(f"{where}{self.labels[key]}: {_preview(value) if value else 'empty'}")
        return out


@dataclass
class _Record:
    fields: _Fields = field(default_factory=lambda: _Fields(""))
    sections: dict[str, list[_Fields]] = field(default_factory=dict)
    stray: list[str] = field(default_factory=list)


def _read_record(lines: list[str]) -> _Record:
    """Group the labelled part into top-level fields and section items."""
    record = _Record()
    section: str | None = None
    item: _Fields | None = None
    target: list[str] | None = None
    target_key = ""
    for index, line in enumerate(lines):
        key = _key(line)
        if key in SECTIONS or key in CONTACT_SECTIONS:
            section, item, target = key, None, None
            record.sections.setdefault(key, [])
            if key in CONTACT_SECTIONS:
                item = _new_item(record, key)
            continue
        if key == "empty":
            continue  # an empty section or value: nothing to keep
        if target is not None and not target and target_key in VALUE_REQUIRED:
            target.append(line.strip())  # e.g. Category "Placebo", which is also a label
            continue
        if section in SECTIONS and key.isdigit() and _opens_item(lines, index + 1, SECTIONS[section]):
            item, target = _new_item(record, section), None
            continue
        if section is not None and key in ITEM_FIELDS:
            if item is None or (key in SECTIONS.get(section, ()) and key in item.values):
                item = _new_item(record, section)  # an unnumbered section: a repeated opener starts an item
            target, target_key = (None, "") if key in SUB_HEADERS else (item.open(line), key)
            continue
        if key in TOP_FIELDS:
            section, item, target, target_key = None, None, record.fields.open(line), key
            continue
        if target is None:
            record.stray.append(line.strip())
        else:
            target.append(line.strip())
    return record


def _new_item(record: _Record, section: str) -> _Fields:
    items = record.sections[section]
    name = section.capitalize() if section in CONTACT_SECTIONS else f"{section.capitalize()} {len(items) + 1}"
    item = _Fields(name)
    items.append(item)
    return item


def _opens_item(lines: list[str], index: int, openers: set[str]) -> bool:
    return index < len(lines) and _key(lines[index]) in openers


def _split_summary(lines: list[str]) -> tuple[list[str], list[str]]:
    """(summary lines, labelled lines). The labelled part may repeat the title before its first label."""
    if not lines or _is_label(lines[0]):
        return [], lines
    markers = (TOP_FIELDS | set(SECTIONS) | set(CONTACT_SECTIONS)) - {"intervention groups"}
    start = next((i for i in range(1, len(lines)) if _key(lines[i]) in markers), len(lines))
    if start > 1 and _key(lines[start - 1]) == _key(lines[0]):
        start -= 1
    labelled = lines[start:]
    if labelled and not _is_label(labelled[0]):
        labelled = ["Scientific title", *labelled]  # IRCT repeats the title, unlabelled, above "Public title"
    return lines[:start], labelled


def _read_summary(lines: list[str]) -> tuple[list[str], dict[str, list[str]]]:
    """(title lines, summary part -> lines)."""
    titles: list[str] = []
    parts: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in lines:
        key = _key(line)
        if key in SUMMARY_LABELS:
            current = parts.setdefault(SUMMARY_LABELS[key], [])
        elif current is None:
            titles.append(line.strip())
        else:
            current.append(line.strip())
    return titles, parts


# --- values -------------------------------------------------------------------------------------


def _preview(value: str, limit: int = 60) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


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


# --- mapping: record -> draft protocol ----------------------------------------------------------


def import_irct(text: str) -> ImportResult:
    """Map the text of an IRCT record to a draft protocol mapping that `parse_protocol` accepts."""
    lines = [line for line in text.replace("\r\n", "\n").split("\n") if line.strip()]
    summary_lines, labelled = _split_summary(lines)
    titles, summary = _read_summary(summary_lines)
    record = _read_record(labelled)
    unmapped: list[str] = []
    top = record.fields

    registration = _registration(record, titles, unmapped)
    arms = _arms(record, unmapped)
    design = _design(top, summary, unmapped, arm_count=len(arms))
    data: dict[str, Any] = {
        "schema_version": 1,
        "id": (registration.get("registry_id") or "irct-draft").lower(),
        "version": "0.1.0",
        "status": "draft",
        "registration": registration,
        "design": design,
        "arms": arms,
        "criteria": _criteria(top, summary.get("participants", []), unmapped),
        "outcomes": _outcomes(record, unmapped),
    }
    if summary.get("interventions"):
        unmapped.append("Intervention groups (summary text): not imported; the structured groups were used")
    unmapped.extend(f"Unlabelled text: '{_preview(line)}'" for line in record.stray)
    unmapped.extend(top.leftovers())
    for items in record.sections.values():
        for item in items:
            unmapped.extend(item.leftovers())
    return ImportResult(data=data, unmapped=unmapped)


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


# --- design ---------------------------------------------------------------------------------------

_ALLOCATION = {"randomized": "randomized", "non-randomized": "non_randomized", "not randomized": "non_randomized",
               "non randomized": "non_randomized", "single arm": "single_arm"}  # fmt: skip
_MASKING = {"not blinded": "none", "open": "none", "single": "single", "double": "double",
            "triple": "triple", "quadruple": "quadruple"}  # fmt: skip
_MASKED_ROLES = {"participant": "participant", "care provider": "care_provider", "investigator": "investigator",
                 "outcome assessor": "outcome_assessor", "data analy": "data_analyst"}  # fmt: skip
_ASSIGNMENT = {"parallel": "parallel", "crossover": "crossover", "cross-over": "crossover",
               "factorial": "factorial", "single": "single_group", "other": "other"}  # fmt: skip
_PHASES = {"n/a", "0", "1", "1-2", "2", "2-3", "3", "4"}


def _design(
    top: _Fields, summary: dict[str, list[str]], unmapped: list[str], *, arm_count: int
) -> dict[str, Any]:
    design: dict[str, Any] = {
        "purpose": top.take("purpose"),
        "phase": _phase(top.take("phase"), unmapped),
        "description": " ".join(summary.get("design", [])) or None,
        "settings": " ".join(summary.get("settings", [])) or None,
        "randomization_description": top.take("randomization description"),
        "masking_description": top.take("blinding description"),
        "other_features": top.take("other design features"),
        "eligibility": _eligibility(top, unmapped),
    }
    design["allocation"] = _mapped(top, "randomization (investigator's opinion)", _ALLOCATION, unmapped)
    if design["allocation"] is None and arm_count < 2:
        design["allocation"] = "single_arm"
    design["masking"] = _mapped(top, "blinding (investigator's opinion)", _MASKING, unmapped)
    design["masked_roles"] = _masked_roles(
        top.lines("groups that have been masked"), design["masking"], unmapped
    )
    design["placebo"] = _placebo(top, unmapped)
    design["assignment"] = _mapped(top, "assignment", _ASSIGNMENT, unmapped)
    design["target_sample_size"] = _sample_size(top, unmapped)
    top.take("sample size")
    return _compact(design)


def _placebo(top: _Fields, unmapped: list[str]) -> bool | None:
    value = top.take("placebo")
    used = _choice(value, {"used": "yes", "yes": "yes", "not used": "no", "no": "no"})
    if value is not None and used is None:
        unmapped.append(f"Placebo: '{_preview(value)}' has no equivalent")
    return None if used is None else used == "yes"


def _mapped(top: _Fields, key: str, words: dict[str, str], unmapped: list[str]) -> str | None:
    value = top.take(key)
    if value is None:
        return None
    word = value.casefold()
    result = next((mapped for prefix, mapped in words.items() if word.startswith(prefix)), None)
    if result is None:
        unmapped.append(f"{top.labels[key]}: '{_preview(value)}' has no equivalent")
    return result


def _phase(value: str | None, unmapped: list[str]) -> str | None:
    if value is None:
        return None
    phase = re.sub(r"(?i)phase|\s", "", value.translate(_DIGITS)).replace("/", "-").casefold()
    phase = "n/a" if phase in {"n-a", "na", "notapplicable"} else phase
    if phase in _PHASES:
        return phase
    unmapped.append(f"Phase: '{value}' is not a known phase")
    return None


def _masked_roles(lines: list[str], masking: str | None, unmapped: list[str]) -> list[str]:
    roles: list[str] = []
    for line in lines:
        word = line.casefold()
        role = next((mapped for prefix, mapped in _MASKED_ROLES.items() if word.startswith(prefix)), None)
        if role and role not in roles:
            roles.append(role)
        elif role is None and not word.startswith("no information"):
            unmapped.append(f"Groups that have been masked: '{_preview(line)}'")
    if roles and masking in (None, "none"):
        unmapped.append("Groups that have been masked: roles given for a trial that is not blinded; dropped")
        return []
    return roles


def _sample_size(top: _Fields, unmapped: list[str]) -> int:
    size = _number(top.take("target sample size"))
    if size is None or size < 1:
        unmapped.append("Target sample size: missing; set to 1 as a placeholder")
        return 1
    return int(size)


_AGE = r"(\d+(?:\.\d+)?)\s*(year|month|week|day)s?"
_UNIT_YEARS = {"year": 1.0, "month": 1 / 12, "week": 7 / 365.25, "day": 1 / 365.25}


def _eligibility(top: _Fields, unmapped: list[str]) -> dict[str, Any]:
    eligibility: dict[str, Any] = {}
    age = top.take("age")
    if age and not re.search(r"no age limit", age, re.IGNORECASE):
        text = age.translate(_DIGITS).casefold()
        low = re.search(r"(?:from|over|above|older than)\s+" + _AGE, text)
        high = re.search(r"(?:to|under|below|younger than)\s+" + _AGE, text)
        if low is None and high is None:
            unmapped.append(f"Age: '{_preview(age)}' not understood")
        for name, match in (("min_age_years", low), ("max_age_years", high)):
            if match:
                eligibility[name] = round(float(match.group(1)) * _UNIT_YEARS[match.group(2)], 2)
    gender = top.take("gender")
    if gender:
        mapped = _choice(
            gender, {"both": "both", "female": "female", "male": "male", "women": "female", "men": "male"}
        )
        if mapped is None:
            unmapped.append(f"Gender: '{_preview(gender)}' has no equivalent")
        else:
            eligibility["gender"] = mapped
    return eligibility


# --- arms, criteria, outcomes -----------------------------------------------------------------------

_ARM_NAMES = {
    "experimental": "Intervention group",
    "control": "Control group",
    "placebo_comparator": "Placebo group",
}
_ARM_IDS = {"experimental": "intervention", "control": "control", "placebo_comparator": "placebo"}


def _arm_kind(description: str, category: str | None) -> str:
    text = f"{description} {category or ''}".casefold()
    if "placebo" in text or "دارونما" in text:
        return "placebo_comparator"
    if "control" in text or "کنترل" in text or "usual care" in text:
        return "control"
    return "experimental"


def _arms(record: _Record, unmapped: list[str]) -> list[dict[str, Any]]:
    arms: list[dict[str, Any]] = []
    taken: set[str] = set()
    for item in record.sections.get("intervention groups", []):
        description = item.take("description")
        if description is None:
            unmapped.append(f"{item.where}: no description")
            continue
        category = item.take("category")
        kind = _arm_kind(description, category)
        arm_id, name = _ARM_IDS[kind], _ARM_NAMES[kind]
        if arm_id in taken:
            arm_id, name = f"{arm_id}_{len(arms) + 1}", f"{name} {len(arms) + 1}"
        taken.add(arm_id)
        text = _text(description, item.where, unmapped)
        arm = {
            "id": arm_id,
            "kind": kind,
            "name": {"en": name},
            "description": text,
            "registry_category": category,
        }
        arms.append(_compact(arm))
    if not arms:
        unmapped.append("Intervention groups: none found; a placeholder arm was added")
        arms.append({"id": "arm", "kind": "other", "name": {"en": "Placeholder arm"}})
    return arms


def _criteria_lists(lines: list[str], unmapped: list[str], where: str) -> dict[str, list[str]]:
    """Split 'Inclusion criteria:' / 'Exclusion criteria:' text into items (by line and by ';')."""
    lists: dict[str, list[str]] = {"inclusion": [], "exclusion": []}
    kind: str | None = None
    for line in lines:
        heading = re.match(r"(?i)\s*(inclusion|exclusion) criteria\s*:?\s*(.*)$", line)
        persian = re.match(r"\s*معیارهای\s+(ورود|خروج)\s*:?\s*(.*)$", line)
        if heading:
            kind, line = heading.group(1).casefold(), heading.group(2)
        elif persian:
            kind, line = ("inclusion" if persian.group(1) == "ورود" else "exclusion"), persian.group(2)
        for part in line.split(";"):
            item = re.sub(r"^\s*(?:[-•*·]|\d+\s*[.)\-])\s*", "", part).strip().rstrip(",").strip()
            if not item:
                continue
            if kind is None:
                unmapped.append(f"{where}: '{_preview(item)}' is under neither inclusion nor exclusion")
            else:
                lists[kind].append(item)
    return lists


def _normal(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def _union(base: list[str], extra: list[str], unmapped: list[str]) -> list[str]:
    """`base` plus the items of `extra` it lacks (by normalized text), each placed after its predecessor in `extra`.

    An added item whose words begin another item is kept but reported: it may be the same criterion abridged.
    """
    merged = list(dict.fromkeys(base))
    known = {_normal(item) for item in merged}
    previous: str | None = None
    for item in extra:
        if _normal(item) not in known:
            merged.insert(_after(merged, previous), item)
            known.add(_normal(item))
            _report_abridged(item, base, unmapped)
        previous = item
    return merged


def _after(items: list[str], previous: str | None) -> int:
    """The index just after `previous` in `items` (0 when absent)."""
    if previous is not None:
        for index, item in enumerate(items):
            if _normal(item) == _normal(previous):
                return index + 1
    return 0


def _report_abridged(item: str, others: list[str], unmapped: list[str]) -> None:
    for other in others:
        if _normal(other).startswith(_normal(item) + " "):
            unmapped.append(
                f"Criteria: '{_preview(item)}' (summary) may repeat '{_preview(other)}'; both kept"
            )


def _criteria(top: _Fields, summary_lines: list[str], unmapped: list[str]) -> list[dict[str, Any]]:
    structured = _criteria_lists(
        top.lines("inclusion/exclusion criteria"), unmapped, "Inclusion/Exclusion criteria"
    )
    summary = _criteria_lists(summary_lines, unmapped, "Participants (summary)")
    criteria: list[dict[str, Any]] = []
    taken: set[str] = set()
    for kind, prefix in (("inclusion", "inc"), ("exclusion", "exc")):
        for number, text in enumerate(_union(structured[kind], summary[kind], unmapped), start=1):
            criterion_id = _slug(text, prefix, number, taken)
            criteria.append(
                {"id": criterion_id, "kind": kind, "text": _text(text, f"criteria {criterion_id}", unmapped)}
            )
    return criteria


def _outcomes(record: _Record, unmapped: list[str]) -> list[dict[str, Any]]:
    outcomes: list[dict[str, Any]] = []
    for kind in ("primary", "secondary"):
        for number, item in enumerate(record.sections.get(f"{kind} outcomes", []), start=1):
            description = item.take("description")
            if description is None:
                unmapped.append(f"{item.where}: no description")
                continue
            timepoint, method = item.take("timepoint"), item.take("method of measurement")
            outcome = {
                "id": f"{kind}_{number}",
                "kind": kind,
                "description": _text(description, item.where, unmapped),
                "timepoint": _text(timepoint, item.where, unmapped) if timepoint else None,
                "method": _text(method, item.where, unmapped) if method else None,
            }
            outcomes.append(_compact(outcome))
    return outcomes
