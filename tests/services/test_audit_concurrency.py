"""Appends take no lock shared by unrelated writes; sealing runs after commit as a background job."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from django.db import connection, connections, transaction

from trialdesk.records import audit
from trialdesk.records.audit.verify import verify
from trialdesk.records.models import AuditEntry, AuditLeaf, AuditTreeHead


def _append(site: str) -> AuditEntry:
    return audit.append(
        at=datetime(2026, 1, 10, 9, 0, tzinfo=UTC),
        actor=f"investigator-{site}",
        role="investigator",
        action="crf.save",
        object_type="form",
        object_id=f"{site}-1",
        before=None,
        after={"site": site},
    )


@pytest.mark.django_db(transaction=True)
def test_an_open_write_at_one_site_does_not_block_another_sites_write() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises all writers with one database lock, whatever the audit log does")
    appended, release, done = threading.Event(), threading.Event(), threading.Event()
    held: list[int] = []

    def site_a() -> None:
        try:
            with transaction.atomic():
                held.append(_append("KUMS").pk)
                appended.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()
            done.set()

    thread = threading.Thread(target=site_a)
    thread.start()
    try:
        assert appended.wait(timeout=30)
        with transaction.atomic():
            with connection.cursor() as cursor:  # waiting on any lock would fail here instead of hanging
                cursor.execute("SET LOCAL lock_timeout = '3s'")
            other = _append("TEH")
        # Committed (and sealed after commit by the immediate job backend) while KUMS's transaction is open.
        assert AuditLeaf.objects.filter(entry_id=other.pk).exists()
        assert not AuditEntry.objects.filter(pk=held[0]).exists()  # not visible: still uncommitted
    finally:
        release.set()
        thread.join(timeout=30)
    assert done.is_set()
    # The late commit was sealed in a later batch, after the entry with the higher id.
    late = AuditLeaf.objects.get(entry_id=held[0])
    assert late.index > AuditLeaf.objects.get(entry_id=other.pk).index and held[0] < other.pk
    assert AuditTreeHead.objects.count() == 2 and verify().ok


@pytest.mark.django_db(transaction=True)
def test_sealing_is_queued_once_per_committed_transaction() -> None:
    with transaction.atomic():
        _append("KUMS")
        _append("KUMS")
        assert not AuditLeaf.objects.exists()  # nothing is sealed inside the writer's transaction
    assert AuditLeaf.objects.count() == 2 and AuditTreeHead.objects.count() == 1
    with pytest.raises(RuntimeError, match="inside the service's transaction"):
        _append("TEH")


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_write_leaves_nothing_to_seal() -> None:
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        _append("KUMS")
        1 / 0  # noqa: B018
    assert not AuditEntry.objects.exists() and not AuditTreeHead.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_database_job_backend_and_its_worker_seal_after_commit(settings) -> None:
    """The production path: the commit enqueues a job row; one synchronous worker pass runs it."""
    audit._last_queue_check[0] = 0.0
    from django.core.management import call_command
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.AUDIT_SEAL_QUEUE_INTERVAL = 0  # look at the queue on every commit here
    for _ in range(3):
        with transaction.atomic():
            _append("KUMS")
    # One job waiting in the queue seals every commit made before it runs: it is not queued again.
    assert DBTaskResult.objects.count() == 1 and not AuditLeaf.objects.exists()
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    assert AuditLeaf.objects.count() == 3 and AuditTreeHead.objects.count() == 1
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    with transaction.atomic():
        _append("TEH")
    assert DBTaskResult.objects.ready().count() == 1  # the last job ran: a new commit queues a new one


@pytest.mark.django_db(transaction=True)
def test_commits_look_at_the_job_queue_at_most_once_per_interval(settings) -> None:
    from django_tasks_db.models import DBTaskResult

    from trialdesk.records.audit.sealing import seal

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.AUDIT_SEAL_QUEUE_INTERVAL = 3600
    audit._last_queue_check[0] = 0.0
    for _ in range(3):
        with transaction.atomic():
            _append("KUMS")
        DBTaskResult.objects.all().delete()  # as if a worker had taken the job at once
    assert not DBTaskResult.objects.exists()  # the 2nd and 3rd commits did not look again
    # The worker's sweep seals them anyway.
    assert seal() is not None and AuditLeaf.objects.count() == 3
