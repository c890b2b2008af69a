"""Reading an IRCT record: the known labels, then lines -> labelled record and summary parts."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

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


def _preview(value: str, limit: int = 60) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"
