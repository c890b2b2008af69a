"""Importing laboratory results from a CSV file: column mapping, preview, all-or-nothing commit.

    preview_lab_import(actor, study, *, csv_text, mapping, clock) -> LabImportPreview   (writes nothing)
    commit_lab_import(actor, study, *, csv_text, mapping, file_name, clock) -> LabImportCommitted
                                                  any bad row -> ValidationFailed listing every problem by
                                                  row and column; nothing is written

One row per result. `mapping` names the file's column for each field of `LAB_IMPORT_FIELDS`:
participant (study code), date (YYYY-MM-DD, the sampling date), test (the protocol's lab test code, e.g.
`glucose`, or the form item id), value, unit (may be mapped to no column for tests without units).
Rows are numbered as in the file: the header is row 1, the first result row 2.

A result lands in the form item coded with that lab test, at the visit occurrence of the participant's
calendar whose window contains the date and where that form is collected (when windows overlap, the one
whose target date is nearest, then the earliest). A date outside every window is refused for that row, as is
a participant outside the study or the importer's sites, an unknown test or unit, an impossible value, an
implausible value (needs a confirmation with a reason, so it must be entered on the form), a value already
recorded differently (change it on the form with a reason), or two rows for the same result. The form's
sample date is filled from the row's date when empty and must agree with it otherwise. The reading and
placing of rows is `lab_plan.py`; the writing is `storage.write_form`, inside this module's use case.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass

from trialdesk.core.input_rules import raise_problems, text_problems
from trialdesk.core.roles import Action, roles_allowed
from trialdesk.errors import Problem, ValidationFailed
from trialdesk.records.casebook.models import LabImportBatch
from trialdesk.records.models import Study
from trialdesk.services.actors import Actor, authorize
from trialdesk.services.casebook.lab_plan import (
    LAB_IMPORT_FIELDS,
    MAX_ROWS,
    OPTIONAL_FIELDS,
    SAMPLE_DATE_ITEM,
    Group,
    LabImportRow,
    plan,
)
from trialdesk.services.casebook.storage import write_form
from trialdesk.services.unit_of_work import UnitOfWork, use_case
from trialdesk.testing import SYSTEM_CLOCK, Clock


@dataclass(frozen=True)
class LabImportPreview:
    columns: tuple[str, ...]  # the file's header
    rows: tuple[LabImportRow, ...]  # rows that are good
    problems: tuple[Problem, ...]  # every problem: where = "row N, column C"

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.rows)


@dataclass(frozen=True)
class LabImportCommitted:
    batch_id: int
    rows: tuple[LabImportRow, ...]
    forms_written: tuple[str, ...]  # "SITE-001/baseline#1/lab_panel"


def ensure_may_import(actor: Actor) -> str:
    """Refuse an actor who may import at no site (`PermissionDenied`); the role to record in the audit."""
    sites = actor.site_ids(Action.IMPORT_LAB_RESULTS)
    if sites is not None and not sites:
        authorize(actor, Action.IMPORT_LAB_RESULTS)  # raises, naming the roles that may
    allowed = roles_allowed(Action.IMPORT_LAB_RESULTS)
    return min((r.value for _, r in actor.assignments if r in allowed), default="")


def preview_lab_import(
    actor: Actor, study: Study, *, csv_text: str, mapping: Mapping[str, str], clock: Clock = SYSTEM_CLOCK
) -> LabImportPreview:
    """What the file would write, and every problem found (by row and column). Writes nothing."""
    ensure_may_import(actor)
    header, groups, problems = plan(actor, study, csv_text, mapping)
    rows = sorted((r for g in groups for r in g.rows), key=lambda r: r.row)
    return LabImportPreview(tuple(header), tuple(rows), tuple(sorted(problems, key=_problem_order)))


def _problem_order(problem: Problem) -> tuple[int, str]:
    match = re.match(r"row (\d+)", problem.where)
    return (int(match.group(1)) if match else 0, problem.where)


def commit_lab_import(
    actor: Actor, study: Study, *, csv_text: str, mapping: Mapping[str, str], file_name: str,
    clock: Clock = SYSTEM_CLOCK,
) -> LabImportCommitted:  # fmt: skip
    """Write every result of the file, or nothing: any problem raises `ValidationFailed` listing all of them
    (`where` = "row N, column C"). Refused with `Locked` after the database lock."""
    with use_case(actor, Action.IMPORT_LAB_RESULTS, study=study, clock=clock) as uow:
        raise_problems(
            text_problems(file_name, where="file_name", max_length=255), "The file name is not plain text"
        )
        header, groups, problems = plan(actor, study, csv_text, mapping)
        if problems:
            raise ValidationFailed(
                f"The file {file_name or ''} was not imported: {len(problems)} problem(s); nothing was written",
                tuple(sorted(problems, key=_problem_order)),
            )
        rows = sorted((r for g in groups for r in g.rows), key=lambda r: r.row)
        batch = LabImportBatch.objects.create(
            study=study, file_name=file_name, file_sha256=hashlib.sha256(csv_text.encode("utf-8")).hexdigest(),
            mapping=dict(mapping), imported_by=actor.username, imported_at=uow.now, row_count=len(rows),
            rows=[{"row": r.row, "participant": r.participant_code, "date": r.sampled_on.isoformat(), "item": r.item_path,
                   "value": r.value, "unit": r.unit, "visit": r.visit_id, "occurrence": r.occurrence} for r in rows],
        )  # fmt: skip
        written = _write_groups(uow, groups, f"laboratory import {file_name} (batch {batch.pk})")
        uow.record(
            "lab_import.commit", object_type="lab_import", object_id=batch.pk,
            after={"file": file_name, "sha256": batch.file_sha256, "rows": len(rows), "forms": written},
        )  # fmt: skip
    return LabImportCommitted(batch.pk, tuple(rows), tuple(written))


def _write_groups(uow: UnitOfWork, groups: list[Group], reason: str) -> list[str]:
    """Write each form through the one form writer (item history, SDV, signature, edit checks, audit)."""
    written = []
    for group in groups:
        values = {k: v for k, v in group.values.items() if not k.startswith("__")}
        confirmations = group.values.get("__confirmations") or {}
        write_form(
            uow, group.participant, visit_id=group.visit_id, occurrence=group.occurrence, form_id=group.form.id,
            values=values, confirmations=confirmations, reason=reason, action="form.lab_import",  # type: ignore[arg-type]
        )  # fmt: skip
        written.append(f"{group.participant.study_code}/{group.visit_id}#{group.occurrence}/{group.form.id}")
    return written


__all__ = [
    "LAB_IMPORT_FIELDS",
    "MAX_ROWS",
    "OPTIONAL_FIELDS",
    "SAMPLE_DATE_ITEM",
    "LabImportCommitted",
    "LabImportPreview",
    "LabImportRow",
    "commit_lab_import",
    "ensure_may_import",
    "preview_lab_import",
]
