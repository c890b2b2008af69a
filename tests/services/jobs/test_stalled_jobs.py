"""A job whose worker ended mid-way (a restart, a killed process) does not show "running" for ever: the
worker's sweep fails it once it has not moved for a while, and a late finish of such a job keeps nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from trialdesk.core.roles import Role
from trialdesk.records.models import AuditEntry, GeneratedFile, Participant, Study
from trialdesk.services.actors import Actor
from trialdesk.services.jobs import request_generated_file
from trialdesk.services.jobs.runner import run_generated_file
from trialdesk.services.jobs.storage import STALLED_AFTER, claim, fail_stalled, progress_writer
from trialdesk.testing import FixedClock

pytestmark = pytest.mark.django_db


def _running(actor: Actor, study: Study, clock: FixedClock) -> GeneratedFile:
    job = request_generated_file(
        actor, study=study, kind="safety_report", format="html", clock=clock, enqueue=False
    )
    assert claim(job.pk)
    return GeneratedFile.objects.get(pk=job.pk)


def test_a_running_job_that_stopped_moving_is_failed_and_a_moving_one_is_not(
    study: Study, trial: dict[str, Participant], actors: dict[Role, Actor], clock: FixedClock
) -> None:
    committee = actors[Role.ETHICS_COMMITTEE]
    lost, alive = _running(committee, study, clock), _running(committee, study, clock)
    assert lost.progress_at is not None  # the claim is a sign of life
    GeneratedFile.objects.filter(pk=lost.pk).update(
        progress_at=timezone.now() - STALLED_AFTER - timedelta(minutes=1)
    )
    progress_writer(alive.pk)(40, "computing", "")

    assert fail_stalled(timezone.now()) == [lost.pk]
    lost.refresh_from_db()
    alive.refresh_from_db()
    assert (lost.status, lost.step) == ("failed", "failed") and "ask for the file again" in lost.error
    assert (alive.status, alive.progress) == ("running", 40)
    assert fail_stalled(timezone.now()) == []  # already failed: nothing more to do


def test_a_job_failed_as_stalled_keeps_nothing_when_it_finishes_late(
    study: Study, trial: dict[str, Participant], actors: dict[Role, Actor], clock: FixedClock
) -> None:
    committee = actors[Role.ETHICS_COMMITTEE]
    job = request_generated_file(
        committee, study=study, kind="safety_report", format="html", clock=clock, enqueue=False
    )

    def stall_midway(percent: int, step: str, detail: str) -> None:
        if step == "rendering":  # the sweep runs while the job is still working
            GeneratedFile.objects.filter(pk=job.pk).update(progress_at=timezone.now() - 2 * STALLED_AFTER)
            assert fail_stalled(timezone.now()) == [job.pk]

    assert run_generated_file(job.pk, progress=stall_midway, clock=clock) == "failed"
    job.refresh_from_db()
    assert job.status == "failed" and job.sha256 == "" and "ask for the file again" in job.error
    assert not AuditEntry.objects.filter(action="generated.done").exists()
