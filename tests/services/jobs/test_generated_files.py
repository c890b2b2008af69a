"""Generated files (background jobs): asked for, made with progress, kept with their SHA-256, read, released."""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import date

import pytest

from trialdesk.core.roles import Role
from trialdesk.errors import AlreadyDone, NotFound, PermissionDenied, ValidationFailed
from trialdesk.records.models import AuditEntry, GeneratedFile, Participant, Study
from trialdesk.services.actors import Actor
from trialdesk.services.jobs import (
    generated_file,
    generated_files,
    open_generated,
    release_results,
    report_body,
    request_generated_file,
)
from trialdesk.services.jobs.runner import run_generated_file
from trialdesk.testing import FixedClock

pytestmark = pytest.mark.django_db


def _sha(download) -> str:  # type: ignore[no-untyped-def]
    return hashlib.sha256(download.path.read_bytes()).hexdigest()


def test_a_safety_report_job_runs_through_its_stages_and_keeps_its_file(
    study: Study, trial: dict[str, Participant], actors: dict[Role, Actor], clock: FixedClock
) -> None:
    committee = actors[Role.ETHICS_COMMITTEE]
    job = request_generated_file(
        committee, study=study, kind="safety_report", format="html", clock=clock, enqueue=False
    )
    assert (job.status, job.progress, job.cutoff) == ("queued", 0, date(2026, 1, 10))
    seen: list[tuple[int, str]] = []
    status = run_generated_file(job.pk, progress=lambda p, s, d: seen.append((p, s)), clock=clock)
    assert status == "done"
    assert [s for _, s in seen] == ["reading", "computing", "rendering", "writing", "done"]
    assert [p for p, _ in seen] == sorted(p for p, _ in seen) and seen[-1][0] == 100
    job.refresh_from_db()
    assert job.status == "done" and job.progress == 100 and job.finished_at is not None
    download = open_generated(committee, study=study, job_id=job.pk, clock=clock)
    assert _sha(download) == job.sha256 and download.path.stat().st_size == job.size
    assert "پیشرفت" not in download.path.read_text(encoding="utf-8")
    actions = list(AuditEntry.objects.filter(object_type="generated_file").values_list("action", flat=True))
    assert actions == ["generated.request", "generated.done", "generated.download"]
    done = AuditEntry.objects.get(action="generated.done")
    assert done.actor == "ethics_committee" and done.after["sha256"] == job.sha256
    assert done.after["cutoff"] == "2026-01-10"
    # a second delivery of the same job does nothing
    assert run_generated_file(job.pk, clock=clock) == "done"
    assert AuditEntry.objects.filter(action="generated.done").count() == 1


def test_a_persian_safety_report_is_kept_in_persian(
    study: Study, trial: dict[str, Participant], actors: dict[Role, Actor], clock: FixedClock
) -> None:
    job = request_generated_file(
        actors[Role.ETHICS_COMMITTEE],
        study=study,
        kind="safety_report",
        format="html",
        language="fa",
        clock=clock,
    )
    assert job.status == "done" and job.file_name == "safety-report-2026-01-10-fa.html"
    _, body = report_body(actors[Role.ETHICS_COMMITTEE], study=study, job_id=job.pk, clock=clock)
    assert "پیشرفت ثبت‌نام" in body and "<body>" not in body


def test_the_results_report_job_keeps_datasets_and_is_released_to_the_committee(
    study: Study, trial: dict[str, Participant], actors: dict[Role, Actor], clock: FixedClock
) -> None:
    statistician, committee = actors[Role.STATISTICIAN], actors[Role.ETHICS_COMMITTEE]
    job = request_generated_file(
        statistician, study=study, kind="results_report", format="html", clock=clock, enqueue=False
    )
    seen: list[tuple[int, str, str]] = []
    run_generated_file(job.pk, progress=lambda *step: seen.append(step), clock=clock)
    job.refresh_from_db()
    assert job.status == "done", job.error
    computing = [(p, d) for p, s, d in seen if s == "computing"]
    assert [d for _, d in computing] == ["", "datasets", "statistics", "tables", "figures"]
    assert [p for p, _ in computing] == sorted(p for p, _ in computing)
    datasets = [p for p in job.parts if p["role"] == "dataset"]
    assert {p["name"] for p in datasets} >= {"participants.csv", "adverse_events.parquet"}
    csv = open_generated(statistician, study=study, job_id=job.pk, part="participants.csv", clock=clock)
    assert _sha(csv) == next(p["sha256"] for p in datasets if p["name"] == "participants.csv")
    done = AuditEntry.objects.get(action="generated.done")
    assert done.after["datasets"]["participants.csv"] == csv.sha256 and done.after["plan_sha256"]
    # before release the committee and the monitor find nothing
    assert generated_files(committee, study=study, kinds=["results_report"]) == []
    with pytest.raises(NotFound):
        report_body(committee, study=study, job_id=job.pk, clock=clock)
    with pytest.raises(PermissionDenied):
        release_results(committee, study=study, job_id=job.pk, clock=clock)
    release_results(statistician, study=study, job_id=job.pk, clock=clock)
    with pytest.raises(AlreadyDone):
        release_results(statistician, study=study, job_id=job.pk, clock=clock)
    for reader in (committee, actors[Role.MONITOR]):
        assert [j.pk for j in generated_files(reader, study=study, released_only=True)] == [job.pk]
        _, body = report_body(reader, study=study, job_id=job.pk, clock=clock)
        assert 'data-testid="consort"' in body
    release = AuditEntry.objects.get(action="results.release")
    assert release.actor == "statistician" and release.after["sha256"] == job.sha256
    with pytest.raises(PermissionDenied):
        generated_file(actors[Role.INVESTIGATOR], study=study, job_id=job.pk)


def test_an_sdtm_export_job_is_one_zip_whose_members_carry_their_sha256(
    study: Study, actors: dict[Role, Actor], clock: FixedClock
) -> None:
    manager = actors[Role.DATA_MANAGER]
    job = request_generated_file(manager, study=study, kind="export", format="sdtm-json", clock=clock)
    assert job.status == "done" and job.file_name.endswith(".zip") and job.cutoff is None
    download = open_generated(manager, study=study, job_id=job.pk, clock=clock)
    assert _sha(download) == job.sha256
    archive = zipfile.ZipFile(io.BytesIO(download.path.read_bytes()))
    for member in job.parts:
        assert hashlib.sha256(archive.read(member["name"])).hexdigest() == member["sha256"]
    assert AuditEntry.objects.filter(action="data.export").count() == 1
    with pytest.raises(NotFound):  # members are inside the zip, not separate downloads
        open_generated(manager, study=study, job_id=job.pk, part=job.parts[0]["name"], clock=clock)


def test_asking_is_permission_checked_and_bad_parameters_are_named(
    study: Study, actors: dict[Role, Actor], clock: FixedClock
) -> None:
    with pytest.raises(PermissionDenied):
        request_generated_file(actors[Role.MONITOR], study=study, kind="export", format="csv", clock=clock)
    with pytest.raises(PermissionDenied):
        request_generated_file(
            actors[Role.ETHICS_COMMITTEE], study=study, kind="results_report", format="pdf", clock=clock
        )
    with pytest.raises(ValidationFailed) as refused:
        request_generated_file(
            actors[Role.STATISTICIAN], study=study, kind="export", format="xls", language="de", clock=clock
        )
    assert {p.where for p in refused.value.problems} == {"format", "language"}
    with pytest.raises(ValidationFailed) as future:
        request_generated_file(
            actors[Role.STATISTICIAN],
            study=study,
            kind="safety_report",
            format="html",
            cutoff=date(2026, 2, 1),
            clock=clock,
        )
    assert future.value.problems[0].where == "cutoff"
    assert not GeneratedFile.objects.exists()


def test_a_failure_is_recorded_on_the_job_and_no_file_is_kept(
    study: Study, trial: dict[str, Participant], actors: dict[Role, Actor], clock: FixedClock
) -> None:
    statistician = actors[Role.STATISTICIAN]
    job = request_generated_file(
        statistician, study=study, kind="safety_report", format="html", clock=clock, enqueue=False
    )
    # the statistician loses the role before the job starts: the job runs as them and is refused
    from trialdesk.records.models import RoleAssignment

    RoleAssignment.objects.filter(person_id=statistician.person_id).update(active=False)
    assert run_generated_file(job.pk, clock=clock) == "failed"
    job.refresh_from_db()
    assert job.status == "failed" and "may not view safety report" in job.error
    assert job.sha256 == "" and not AuditEntry.objects.filter(action="generated.done").exists()


def test_the_cli_report_prints_progress_on_stderr_and_the_sha256(
    study: Study,
    trial: dict[str, Participant],
    tmp_path,
    capsys,  # type: ignore[no-untyped-def]
) -> None:
    from trialdesk.cli import main

    out = tmp_path / "safety.html"
    assert (
        main(["report", "safety", "--user", "ethics_committee", "--cutoff", "2026-01-10", "-o", str(out)])
        == 0
    )
    printed = capsys.readouterr()
    steps = [line for line in printed.err.splitlines() if line.startswith("[")]
    assert steps[0].endswith("reading the data") and steps[-1] == "[100%] done"
    assert any("computing" in line for line in steps) and any("writing" in line for line in steps)
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    assert f"sha256 {digest}" in printed.out
    assert GeneratedFile.objects.get().sha256 == digest  # kept and listed like one made on the page


def test_the_cli_export_runs_the_job_here_and_a_refusal_is_an_error(
    actors: dict[Role, Actor],
    tmp_path,
    capsys,  # type: ignore[no-untyped-def]
) -> None:
    from trialdesk.cli import main

    out = tmp_path / "values.csv"
    assert main(["export", "csv", "-o", str(out), "--user", "statistician"]) == 0
    printed = capsys.readouterr()
    assert "[ 10%] writing:" in printed.err and "[100%] done" in printed.err
    assert f"sha256 {hashlib.sha256(out.read_bytes()).hexdigest()}" in printed.out
    assert main(["export", "csv", "-o", str(out), "--user", "monitor"]) == 1
    assert "may not export data" in capsys.readouterr().err


@pytest.mark.django_db(transaction=True)
def test_with_the_database_backend_the_job_waits_for_the_worker(
    study: Study,
    actors: dict[Role, Actor],
    settings,  # type: ignore[no-untyped-def]
) -> None:
    """The production path: asking queues a job row; one pass of `trialdesk worker`'s db_worker makes it."""
    from django.core.management import call_command
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    job = request_generated_file(actors[Role.STATISTICIAN], study=study, kind="export", format="codebook")
    assert job.status == "queued" and job.step == "queued"
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    job.refresh_from_db()
    assert job.status == "done" and job.sha256 and job.file_name.endswith("-codebook.csv")
    assert DBTaskResult.objects.filter(task_path__endswith="generate_file", status="SUCCESSFUL").count() == 1
