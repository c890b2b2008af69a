"""The job: make one generated file, writing its progress at each stage, and record the result.

Stages of a report: reading the data, computing, rendering (HTML, then PDF), writing the file(s); of an
export: the export's files written one after another (a multi-file SDTM export as one zip). The job runs as
the person who asked for it, whose permission is checked again when it starts. A failure is recorded on the
job (status `failed` and the message) and no half-written file is kept.
"""

from __future__ import annotations

import logging
import shutil

from trialdesk.errors import TrialdeskError
from trialdesk.records.models import GeneratedFile, GeneratedKind, GeneratedStatus, Person
from trialdesk.services.actors import Actor, actor_for, authorize
from trialdesk.services.jobs.export_job import write_export_job
from trialdesk.services.jobs.report_job import write_report_job
from trialdesk.services.jobs.request import ACTIONS
from trialdesk.services.jobs.storage import (
    STALLED_MESSAGE,
    Made,
    Progress,
    claim,
    job_folder,
    progress_writer,
    sha256_of,
)
from trialdesk.services.unit_of_work import use_case
from trialdesk.testing import SYSTEM_CLOCK, Clock

log = logging.getLogger(__name__)


def _requester(job: GeneratedFile) -> Actor:
    person = Person.objects.filter(user__username=job.requested_by).first()
    if person is None:
        raise TrialdeskError(f"{job.requested_by} is no longer a person of this study")
    return actor_for(person, job.study_id)


def run_generated_file(job_id: int, *, progress: Progress | None = None, clock: Clock = SYSTEM_CLOCK) -> str:
    """Make generated file `job_id` (queued); its final status. `progress` also hears every step."""
    if not claim(job_id):
        return GeneratedFile.objects.get(pk=job_id).status
    job = GeneratedFile.objects.select_related("study").get(pk=job_id)
    GeneratedFile.objects.filter(pk=job_id).update(started_at=clock.now())
    writer = progress_writer(job_id)

    def report(percent: int, step: str, detail: str = "") -> None:
        writer(percent, step, detail)
        if progress is not None:
            progress(percent, step, detail)

    try:
        actor = _requester(job)
        authorize(actor, ACTIONS[GeneratedKind(job.kind)])
        if job.kind == GeneratedKind.EXPORT:
            made = write_export_job(job, actor, report, clock)
        else:
            made = write_report_job(job, actor, report, clock)
        _finish(job, actor, made, clock)
        report(100, "done")
    except Exception as error:  # noqa: BLE001 - any failure is the job's result, recorded and shown
        _fail(job, error, clock)
        if progress is not None:
            progress(100, "failed", _message(error))
        return GeneratedStatus.FAILED
    return GeneratedStatus.DONE


def _finish(job: GeneratedFile, actor: Actor, made: Made, clock: Clock) -> None:
    sha256, size = sha256_of(job_folder(job) / made.name)
    with use_case(
        actor, ACTIONS[GeneratedKind(job.kind)], study=job.study, clock=clock, study_data=False
    ) as uow:
        finished = GeneratedFile.objects.filter(pk=job.pk, status=GeneratedStatus.RUNNING).update(
            status=GeneratedStatus.DONE,
            file_path=f"{job.pk}/{made.name}",
            file_name=made.name,
            media_type=made.media_type,
            sha256=sha256,
            size=size,
            parts=made.parts,
            finished_at=uow.now,
        )
        if not finished:  # failed as stalled meanwhile (`storage.fail_stalled`): its folder is gone
            raise TrialdeskError(STALLED_MESSAGE)
        uow.record(
            "generated.done",
            object_type="generated_file",
            object_id=job.pk,
            after={
                "kind": job.kind,
                "format": job.format,
                "cutoff": job.cutoff.isoformat() if job.cutoff else None,
                "file": made.name,
                "sha256": sha256,
                "size": size,
                **made.details,
            },
        )


def _message(error: BaseException) -> str:
    if isinstance(error, TrialdeskError):
        return str(error)
    return f"internal error ({type(error).__name__}); see the server log"


def _fail(job: GeneratedFile, error: BaseException, clock: Clock) -> None:
    if not isinstance(error, TrialdeskError):
        log.exception("generated file %s failed", job.pk)
    shutil.rmtree(job_folder(job), ignore_errors=True)
    GeneratedFile.objects.filter(pk=job.pk).update(
        status=GeneratedStatus.FAILED,
        step="failed",
        progress=100,
        error=_message(error)[:2000],
        finished_at=clock.now(),
    )
