"""Background jobs of the audit log (django-tasks): sealing, queued after each committing write."""

from __future__ import annotations

from django_tasks import task


@task()
def seal_audit_log() -> int:
    """Seal what is committed and unsealed; returns the tree size after sealing (0 when nothing was new)."""
    from trialdesk.records.audit.sealing import seal

    result = seal()
    return result.tree_size if result else 0
