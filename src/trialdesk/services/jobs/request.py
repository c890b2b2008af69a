"""Asking for a generated file: checked, stored as a queued job, audited, then handed to the job queue."""

from __future__ import annotations

from datetime import date

from trialdesk.core.roles import Action
from trialdesk.errors import Problem, ValidationFailed
from trialdesk.interop.formats import FORMATS
from trialdesk.records.models import GeneratedFile, GeneratedKind, Study
from trialdesk.services.actors import Actor, authorize
from trialdesk.services.results import check_cutoff
from trialdesk.services.unit_of_work import use_case
from trialdesk.testing import SYSTEM_CLOCK, Clock

ACTIONS = {
    GeneratedKind.RESULTS_REPORT: Action.VIEW_RESULTS,
    GeneratedKind.SAFETY_REPORT: Action.VIEW_SAFETY_REPORT,
    GeneratedKind.EXPORT: Action.EXPORT_DATA,
}
REPORT_FORMATS = ("pdf", "html")
LANGUAGES = ("en", "fa")


def _kind(kind: str) -> GeneratedKind:
    try:
        return GeneratedKind(kind)
    except ValueError:
        rule = "one of " + ", ".join(k.value for k in GeneratedKind)
        raise ValidationFailed(f"Unknown kind of file {kind}", (Problem("kind", rule),)) from None


def _check(kind: GeneratedKind, language: str, fmt: str) -> None:
    problems = []
    if language not in LANGUAGES:
        problems.append(Problem("language", "en or fa"))
    allowed = FORMATS if kind is GeneratedKind.EXPORT else REPORT_FORMATS
    if fmt not in allowed:
        problems.append(Problem("format", "one of " + ", ".join(allowed)))
    if problems:
        raise ValidationFailed("The file cannot be generated as asked", tuple(problems))


def request_generated_file(
    actor: Actor,
    *,
    study: Study,
    kind: str,
    format: str,
    cutoff: date | None = None,
    language: str = "en",
    clock: Clock = SYSTEM_CLOCK,
    enqueue: bool = True,
) -> GeneratedFile:
    """A queued job for a report (cut-off default: today) or an export (no cut-off: everything so far).

    Audited as `generated.request` (who, what, which cut-off). With the immediate job backend the file is
    made before this returns; with the database backend `trialdesk worker` (started by `serve`) makes it.
    `enqueue=False` leaves the job for the caller to run in-process (`trialdesk report|export`).
    """
    which = _kind(kind)
    action = ACTIONS[which]
    authorize(actor, action)
    _check(which, language, format)
    with use_case(actor, action, study=study, clock=clock, study_data=False) as uow:
        day = cutoff if cutoff is not None or which is GeneratedKind.EXPORT else uow.today
        if day is not None:
            check_cutoff(day, uow.today)
        job = GeneratedFile.objects.create(
            study=study,
            kind=which.value,
            cutoff=day,
            language=language,
            format=format,
            requested_by=actor.username,
            requested_at=uow.now,
        )
        uow.record(
            "generated.request",
            object_type="generated_file",
            object_id=job.pk,
            after={
                "kind": which.value,
                "format": format,
                "cutoff": day.isoformat() if day else None,
                "language": language,
            },
        )
    if enqueue:  # after the commit: the worker must find the row
        from trialdesk.services.jobs.tasks import generate_file

        generate_file.enqueue(job.pk)
        job.refresh_from_db()
    return job
