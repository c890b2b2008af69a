"""Reading generated files: who may see which, the audited download and view, and the release of results."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from trialdesk.core.roles import Action
from trialdesk.errors import AlreadyDone, Conflict, NotFound
from trialdesk.records.models import GeneratedFile, GeneratedKind, GeneratedStatus, Study
from trialdesk.services.actors import Actor, authorize
from trialdesk.services.jobs.request import ACTIONS
from trialdesk.services.jobs.storage import stored_path
from trialdesk.services.results.document import document_body
from trialdesk.services.unit_of_work import use_case
from trialdesk.testing import SYSTEM_CLOCK, Clock

LIST_LIMIT = 20
MEDIA = {
    "dataset": {"csv": "text/csv; charset=utf-8", "parquet": "application/vnd.apache.parquet"},
    "view": {"html": "text/html; charset=utf-8"},
}


@dataclass(frozen=True)
class Download:
    path: Path
    name: str
    media_type: str
    sha256: str


def _read_action(actor: Actor, job: GeneratedFile) -> Action | None:
    """The action under which `actor` reads `job`, or None when it may not."""
    kind = GeneratedKind(job.kind)
    if actor.may(ACTIONS[kind]):
        return ACTIONS[kind]
    if kind is GeneratedKind.RESULTS_REPORT and job.released_at and actor.may(Action.VIEW_RELEASED_RESULTS):
        return Action.VIEW_RELEASED_RESULTS
    return None


def readable_kinds(actor: Actor) -> list[str]:
    kinds = [k.value for k, action in ACTIONS.items() if actor.may(action)]
    if actor.may(Action.VIEW_RELEASED_RESULTS) and GeneratedKind.RESULTS_REPORT.value not in kinds:
        kinds.append(GeneratedKind.RESULTS_REPORT.value)
    return kinds


def generated_files(
    actor: Actor, *, study: Study, kinds: Iterable[str] | None = None, released_only: bool = False
) -> list[GeneratedFile]:
    """The newest generated files of `kinds` this actor may read (unreleased results are the statistician's)."""
    wanted = [k for k in (kinds or [k.value for k in GeneratedKind]) if k in readable_kinds(actor)]
    rows = GeneratedFile.objects.filter(study=study, kind__in=wanted)
    if released_only:
        rows = rows.filter(released_at__isnull=False)
    return [job for job in rows[: LIST_LIMIT * 3] if _read_action(actor, job)][:LIST_LIMIT]


def released_results(actor: Actor, *, study: Study) -> list[GeneratedFile]:
    """The released results reports (VIEW_RELEASED_RESULTS: the committee, the monitor, the statistician)."""
    authorize(actor, Action.VIEW_RELEASED_RESULTS)
    kinds = [GeneratedKind.RESULTS_REPORT.value]
    return generated_files(actor, study=study, kinds=kinds, released_only=True)


def generated_file(actor: Actor, *, study: Study, job_id: int) -> GeneratedFile:
    """One generated file (its progress for the polling page); unknown or unreadable: refused."""
    job = GeneratedFile.objects.filter(study=study, pk=job_id).first()
    if job is None:
        raise NotFound(f"No generated file {job_id}")
    if _read_action(actor, job) is None:
        if GeneratedKind(job.kind) is GeneratedKind.RESULTS_REPORT and actor.may(
            Action.VIEW_RELEASED_RESULTS
        ):
            raise NotFound(f"No generated file {job_id}")  # an unreleased report is not there for them
        authorize(actor, ACTIONS[GeneratedKind(job.kind)])
    return job


def _done(job: GeneratedFile) -> None:
    if job.status != GeneratedStatus.DONE:
        raise Conflict(f"Generated file {job.pk} is {job.status}, not ready")


def open_generated(
    actor: Actor, *, study: Study, job_id: int, part: str | None = None, clock: Clock = SYSTEM_CLOCK
) -> Download:
    """The file (or a companion: a dataset, the HTML of a PDF report) to send; the download is audited."""
    job = generated_file(actor, study=study, job_id=job_id)
    _done(job)
    if part is None:
        found = Download(stored_path(job, job.file_name), job.file_name, job.media_type, job.sha256)
    else:
        entry = next((p for p in job.parts if p["name"] == part and p["role"] in MEDIA), None)
        if entry is None:
            raise NotFound(f"No file {part} in generated file {job_id}")
        media = MEDIA[entry["role"]].get(part.rsplit(".", 1)[-1], "application/octet-stream")
        found = Download(stored_path(job, part), part, media, entry["sha256"])
    action = _read_action(actor, job)
    assert action is not None
    with use_case(actor, action, study=study, clock=clock, study_data=False) as uow:
        uow.record(
            "generated.download",
            object_type="generated_file",
            object_id=job.pk,
            after={"file": found.name, "sha256": found.sha256},
        )
    return found


def report_body(
    actor: Actor, *, study: Study, job_id: int, clock: Clock = SYSTEM_CLOCK
) -> tuple[GeneratedFile, str]:
    """A generated report's body (its stored HTML) to show inside a page; the reading is audited."""
    job = generated_file(actor, study=study, job_id=job_id)
    _done(job)
    if job.kind == GeneratedKind.EXPORT:
        raise NotFound(f"Generated file {job_id} is an export, not a report")
    name = (
        job.file_name if job.format == "html" else next(p["name"] for p in job.parts if p["role"] == "view")
    )
    html = stored_path(job, name).read_text(encoding="utf-8")
    action = _read_action(actor, job)
    assert action is not None
    with use_case(actor, action, study=study, clock=clock, study_data=False) as uow:
        uow.record("generated.view", object_type="generated_file", object_id=job.pk, after={"file": name})
    return job, document_body(html)


def release_results(actor: Actor, *, study: Study, job_id: int, clock: Clock = SYSTEM_CLOCK) -> GeneratedFile:
    """Release a generated results report to the ethics committee and the monitor (final; audited)."""
    with use_case(actor, Action.RELEASE_RESULTS, study=study, clock=clock, study_data=False) as uow:
        job = GeneratedFile.objects.select_for_update().filter(study=study, pk=job_id).first()
        if job is None or job.kind != GeneratedKind.RESULTS_REPORT:
            raise NotFound(f"No results report {job_id}")
        _done(job)
        if job.released_at is not None:
            raise AlreadyDone(f"Results report {job_id} was released on {job.released_at:%Y-%m-%d}")
        job.released_at, job.released_by = uow.now, actor.username
        job.save(update_fields=["released_at", "released_by"])
        uow.record(
            "results.release",
            object_type="generated_file",
            object_id=job.pk,
            after={"cutoff": job.cutoff.isoformat() if job.cutoff else None, "sha256": job.sha256},
        )
    return job
