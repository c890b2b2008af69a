"""Background jobs of the audit log (django-tasks): sealing, queued after each committing write."""

from __future__ import annotations

from django_tasks import task


@task()
def seal_audit_log() -> int:
    """Seal what is committed and unsealed; returns the tree size after sealing (0 when nothing was new)."""
    from trialdesk.records.audit.sealing import seal

    result = seal()
    return result.tree_size if result else 0


def uses_job_queue() -> bool:
    """True unless jobs run at once in the caller (the immediate backend of the test suite)."""
    from django_tasks.backends.immediate import ImmediateBackend

    return not isinstance(seal_audit_log.get_backend(), ImmediateBackend)


def seal_already_queued() -> bool:
    """A sealing job still waiting in the database queue will seal this commit too: no need for another.

    Safe: that job starts after our commit, and sealing reads the committed entries when it starts.
    Saves a write (and a commit) per transaction under load; other backends always enqueue.
    """
    from django_tasks_db import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    if not isinstance(seal_audit_log.get_backend(), DatabaseBackend):
        return False
    return DBTaskResult.objects.ready().filter(task_path=seal_audit_log.module_path).exists()
