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

from dataclasses import dataclass
from typing import Any

from trialdesk.errors import Problem, ValidationFailed
from trialdesk.protocol.irct.design import _arms, _criteria, _design, _outcomes
from trialdesk.protocol.irct.reading import _preview, _read_record, _read_summary, _split_summary
from trialdesk.protocol.irct.registration import _registration

__all__ = ["ImportResult", "import_irct"]


@dataclass(frozen=True)
class ImportResult:
    """A draft protocol mapping (`status: draft`) and what could not be mapped, in words."""

    data: dict[str, Any]
    unmapped: list[str]


def import_irct(text: str) -> ImportResult:
    """Map the text of an IRCT record to a draft protocol mapping that `parse_protocol` accepts."""
    lines = [line for line in text.replace("\r\n", "\n").split("\n") if line.strip()]
    if "\x00" in text or not lines:
        raise ValidationFailed(
            "This is not a registry record: it is empty or not text",
            (Problem("record", "no readable lines"),),
        )
    summary_lines, labelled = _split_summary(lines)
    titles, summary = _read_summary(summary_lines)
    record = _read_record(labelled)
    unmapped: list[str] = []
    top = record.fields

    if not any(record.fields.values.values()) and not record.sections:
        raise ValidationFailed(
            "This is not a registry record: no labelled registry fields were found",
            (Problem("record", "no labelled fields (e.g. 'Scientific title', 'Target sample size')"),),
        )
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
