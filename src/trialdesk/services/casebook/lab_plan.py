"""Reading a laboratory CSV file into the forms it would write: the column mapping, each row's checks, the
visit occurrence whose window holds the date, and the form validated as it would be saved. Writes nothing;
`lab_import.py` previews and commits what this plans.

Rows are numbered as in the file (the header is row 1); every problem says "row N, column C".
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from trialdesk.core.forms import validate_submission
from trialdesk.core.participant_status import ParticipantStatus, is_withdrawn
from trialdesk.core.roles import Action
from trialdesk.core.schedule import VisitOccurrence
from trialdesk.errors import Problem, ValidationFailed
from trialdesk.protocol.forms import FormDefinition, ItemDefinition
from trialdesk.protocol.schema import Protocol
from trialdesk.records.models import Participant, Study
from trialdesk.services.actors import Actor
from trialdesk.services.casebook import common
from trialdesk.services.versions import Purpose, governing_protocol

LAB_IMPORT_FIELDS = ("participant", "date", "test", "value", "unit")
OPTIONAL_FIELDS = frozenset({"unit"})
SAMPLE_DATE_ITEM = "sample_date"  # filled from the row date when the form has such a date item
MAX_ROWS = 5000
MAX_FILE_CHARS = 2_000_000  # 5,000 rows of results; anything larger is refused before it is parsed
MAX_CELL = 1_000  # a code, a date, a test, a value or a unit


@dataclass(frozen=True)
class LabImportRow:
    """One result as it will be written."""

    row: int
    participant_code: str
    sampled_on: date
    test: str
    item_path: str
    value: str
    unit: str
    visit_id: str
    occurrence: int
    form_id: str
    standard_value: str = ""
    canonical_unit: str = ""
    flag: str = ""


@dataclass
class Group:
    """The rows landing in one form of one visit occurrence."""

    participant: Participant
    visit_id: str
    occurrence: int
    form: FormDefinition
    rows: list[LabImportRow] = field(default_factory=list)
    values: dict[str, object] = field(default_factory=dict)


def _where(row: int, column: str) -> str:
    return f"row {row}, column {column}"


def lab_file_text(data: bytes) -> str:
    """An uploaded file's text: refused (`ValidationFailed` on `file`) when too large, binary or not UTF-8."""
    if len(data) > MAX_FILE_CHARS:
        raise ValidationFailed(
            "The file is too large", (Problem("file", f"is larger than {MAX_FILE_CHARS} bytes: split it"),)
        )
    if b"\x00" in data:
        raise ValidationFailed("The file is not a CSV text file", (Problem("file", "binary content"),))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        rule = f"is not UTF-8 text (byte {error.start} cannot be read); save it as CSV UTF-8"
        raise ValidationFailed("The file is not UTF-8 text", (Problem("file", rule),)) from None


def _lines(csv_text: str) -> tuple[list[list[str]], list[Problem]]:
    """The file's records, read as a stream that stops at the first reason to refuse the whole file (binary
    content, too large, too many rows, an overlong cell, broken quoting), so a huge file costs little."""
    if len(csv_text) > MAX_FILE_CHARS:
        return [], [Problem("file", f"is larger than {MAX_FILE_CHARS} characters: split it")]
    if "\x00" in csv_text:
        return [], [Problem("file", "binary content: not a CSV text file")]
    lines: list[list[str]] = []
    reader = csv.reader(io.StringIO(csv_text.lstrip("\ufeff")))
    try:
        for line in reader:
            if len(lines) > MAX_ROWS:
                return [], [Problem("file", f"has more than {MAX_ROWS} rows: split it")]
            if any(len(cell) > MAX_CELL for cell in line):
                return [], [
                    Problem(f"row {reader.line_num}", f"has a cell longer than {MAX_CELL} characters")
                ]
            lines.append(line)
    except csv.Error as error:
        return [], [Problem("file", f"is not a readable CSV table near line {reader.line_num}: {error}")]
    return lines, []


def _read(csv_text: str, mapping: Mapping[str, str]) -> tuple[list[str], list[dict[str, str]], list[Problem]]:
    lines, refused = _lines(csv_text)
    if refused:
        return [], [], refused
    if not lines:
        return [], [], [Problem("file", "is empty")]
    header = [h.strip() for h in lines[0]]
    problems: list[Problem] = []
    for name in LAB_IMPORT_FIELDS:
        column = (mapping.get(name) or "").strip()
        if not column and name in OPTIONAL_FIELDS:
            continue
        if not column:
            problems.append(Problem(f"mapping.{name}", "choose the column that holds it"))
        elif column not in header:
            problems.append(
                Problem(f"mapping.{name}", f"column '{column}' is not in the file ({', '.join(header)})")
            )
    unknown = sorted(set(mapping) - set(LAB_IMPORT_FIELDS))
    problems += [Problem(f"mapping.{k}", f"is not a field: {', '.join(LAB_IMPORT_FIELDS)}") for k in unknown]
    records: list[dict[str, str]] = []
    for number, line in enumerate(lines[1:], start=2):
        if not any(cell.strip() for cell in line):
            continue
        if len(line) != len(header):
            problems.append(Problem(_where(number, "*"), f"has {len(line)} cells, the header {len(header)}"))
            continue
        cells = dict(zip(header, (c.strip() for c in line), strict=True))
        records.append(
            {
                "__row": str(number),
                **{k: cells.get((mapping.get(k) or "").strip(), "") for k in LAB_IMPORT_FIELDS},
            }
        )
    if not records and not problems:
        problems.append(Problem("file", "has no result rows"))
    return header, records, problems


def _item_for_test(protocol: Protocol, test: str) -> tuple[FormDefinition, ItemDefinition] | None:
    wanted = test.strip().casefold()
    latest = {f.id: f for f in protocol.forms}
    for form in latest.values():
        for item in form.sections_items():
            if item.lab_test is not None and wanted in (item.lab_test.casefold(), item.id.casefold()):
                return form, item
    return None


@dataclass
class _Planner:
    """Reads the file's rows one by one into groups (one per form of a visit occurrence), collecting every
    problem by row and column; nothing is written."""

    actor: Actor
    study: Study
    protocol: Protocol
    mapping: Mapping[str, str]
    groups: dict[tuple[int, str, int, str], Group] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    participants: dict[str, Participant | None] = field(default_factory=dict)
    calendars: dict[int, list[VisitOccurrence]] = field(default_factory=dict)
    seen: dict[tuple[int, str, int, str], int] = field(default_factory=dict)  # result -> its row

    def __post_init__(self) -> None:
        self.mapped = {name: (self.mapping.get(name) or name) for name in LAB_IMPORT_FIELDS}

    def problem(self, row: int, field_name: str, rule: str) -> None:
        self.problems.append(Problem(_where(row, self.mapped[field_name]), rule))

    def participant(self, code: str) -> Participant | None:
        if code not in self.participants:
            self.participants[code] = (
                Participant.objects.filter(study=self.study, study_code=code)
                .select_related("site", "study")
                .first()
            )
        return self.participants[code]

    def read_row(self, number: int, cells: Mapping[str, str]) -> None:
        """Check one row's cells; a row without problems is placed (`place`)."""
        before = len(self.problems)
        code = cells["participant"]
        participant = self.participant(code)
        if participant is None or not self.actor.may(Action.IMPORT_LAB_RESULTS, participant.site_id):
            self.problem(number, "participant", f"no participant '{code}' at your sites")
        elif getattr(participant, "allocation", None) is None or is_withdrawn(
            ParticipantStatus(participant.status)
        ):
            self.problem(number, "participant", f"{code} is not randomized or has withdrawn")
        try:
            sampled_on: date | None = date.fromisoformat(cells["date"])
        except ValueError:
            sampled_on = None
            self.problem(number, "date", f"'{cells['date']}' is not a date (YYYY-MM-DD)")
        found = _item_for_test(self.protocol, cells["test"])
        if found is None:
            codes = ", ".join(t.code for t in self.protocol.lab_tests)
            self.problem(number, "test", f"'{cells['test']}' is not a lab test: {codes}")
        if not cells["value"]:
            self.problem(number, "value", "is empty")
        if len(self.problems) == before and participant is not None and sampled_on is not None and found:
            self.place(number, cells, participant, sampled_on, *found)

    def occurrence(
        self, participant: Participant, form: FormDefinition, sampled_on: date
    ) -> VisitOccurrence | None:
        """The visit occurrence collecting `form` whose window contains the date (overlapping windows, e.g.
        the baseline week and the first post-injection draw: the one whose target is nearest)."""
        if participant.pk not in self.calendars:
            self.calendars[participant.pk] = list(
                common.calendar_of(participant, self.protocol)[0].occurrences
            )
        containing = [
            o for o in self.calendars[participant.pk] if o.visit_id in form.visits and o.contains(sampled_on)
        ]
        return min(containing, key=lambda o: (abs((sampled_on - o.target).days), o.earliest), default=None)

    def group(self, participant: Participant, occurrence: VisitOccurrence, form: FormDefinition) -> Group:
        key = (participant.pk, occurrence.visit_id, occurrence.occurrence, form.id)
        group = self.groups.get(key)
        if group is None:
            record = common.find_record(participant, occurrence.visit_id, occurrence.occurrence, form.id)
            group = self.groups[key] = Group(participant, occurrence.visit_id, occurrence.occurrence, form)
            group.values = dict(record.submitted) if record is not None else {}
            group.values["__confirmations"] = dict(record.confirmations) if record is not None else {}
            group.values["__locked"] = bool(record is not None and record.locked)
        return group

    def place(self, number: int, cells: Mapping[str, str], participant: Participant, sampled_on: date,
              form: FormDefinition, item: ItemDefinition) -> None:  # fmt: skip
        """Put a good row's value into its form, or name why it cannot go there."""
        code = participant.study_code
        occurrence = self.occurrence(participant, form, sampled_on)
        if occurrence is None:
            self.problem(number, "date", f"{sampled_on.isoformat()} is outside every visit window of {code} where {form.id} is collected")  # fmt: skip
            return
        result_key = (participant.pk, occurrence.visit_id, occurrence.occurrence, item.id)
        duplicate = self.seen.get(result_key)
        if duplicate is not None:
            self.problem(number, "test", f"{item.id} for {code} at this visit is also on row {duplicate}")
            return
        self.seen[result_key] = number
        group = self.group(participant, occurrence, form)
        unit = cells["unit"] if (self.mapping.get("unit") or "").strip() else ""
        new_value: object = {"value": cells["value"], "unit": unit} if item.type == "lab" else cells["value"]
        old = group.values.get(item.id)
        if old not in (None, "", {}) and old != new_value:
            self.problem(number, "value", f"{item.id} is already recorded for {code} at {occurrence.visit_id} #{occurrence.occurrence} ({_show(old)}): change it on the form with a reason")  # fmt: skip
            return
        if SAMPLE_DATE_ITEM in form.top_level_ids:
            current = group.values.get(SAMPLE_DATE_ITEM)
            if current in (None, ""):
                group.values[SAMPLE_DATE_ITEM] = sampled_on.isoformat()
            elif current != sampled_on.isoformat():
                self.problem(number, "date", f"the form's sample date is {current}, not {sampled_on.isoformat()}")  # fmt: skip
                return
        group.values[item.id] = new_value
        group.rows.append(
            LabImportRow(number, code, sampled_on, item.lab_test or "", item.id, cells["value"], unit,
                         occurrence.visit_id, occurrence.occurrence, form.id)
        )  # fmt: skip


def plan(actor: Actor, study: Study, csv_text: str, mapping: Mapping[str, str]
          ) -> tuple[list[str], list[Group], list[Problem]]:  # fmt: skip
    header, records, problems = _read(csv_text, mapping)
    if problems and not records:
        return header, [], problems
    protocol = governing_protocol(study=study, purpose=Purpose.DATA_ENTRY)
    planner = _Planner(actor, study, protocol, mapping, problems=problems)
    for cells in records:
        planner.read_row(int(cells["__row"]), cells)
    for group in planner.groups.values():
        planner.problems += _check_group(protocol, group, planner.mapped)
    return header, list(planner.groups.values()), planner.problems


def _show(value: object) -> str:
    if isinstance(value, Mapping):
        return f"{value.get('value')} {value.get('unit') or ''}".strip()
    return str(value)


def _check_group(protocol: Protocol, group: Group, mapped: Mapping[str, str]) -> list[Problem]:
    """Validate the form as it would be saved; map each problem of an imported item back to its row."""
    values = {k: v for k, v in group.values.items() if not k.startswith("__")}
    if group.values.get("__locked"):
        return [Problem(_where(r.row, mapped["participant"]), f"form {group.form.id} at {group.visit_id} #{group.occurrence} is locked") for r in group.rows]  # fmt: skip
    check = validate_submission(
        group.form, values, protocol.lab_tests, group.values.get("__confirmations") or {},  # type: ignore[arg-type]
        resolver=common.VisitResolverCache(group.participant), visit_id=group.visit_id,
    )  # fmt: skip
    by_item = {r.item_path: r for r in group.rows}
    problems: list[Problem] = []
    issues = [(p.where, p.rule) for p in check.errors] + [
        (w.where, w.rule) for w in check.unconfirmed_warnings
    ]
    for where, rule in issues:
        item_id = re.split(r"[.\[]", where, maxsplit=1)[0]
        row = by_item.get(item_id)
        column = mapped["unit"] if where.endswith(".unit") else mapped["value"]
        if row is not None:
            problems.append(Problem(_where(row.row, column), rule))
        else:  # a problem of the form itself (e.g. a required item not yet entered): name every row
            for r in group.rows:
                problems.append(
                    Problem(_where(r.row, mapped["participant"]), f"form {group.form.id}: {where}: {rule}")
                )
    if not problems:
        enriched = []
        for r in group.rows:
            item = check.items.get(r.item_path)
            storable = getattr(item.value, "storable", None) if item is not None else None
            lab = storable() if callable(storable) else {}
            enriched.append(
                LabImportRow(**{**r.__dict__, "standard_value": lab.get("standard_value") or "",
                                "canonical_unit": lab.get("canonical_unit") or "", "flag": lab.get("flag") or ""})
            )  # fmt: skip
        group.rows = enriched
    return problems
