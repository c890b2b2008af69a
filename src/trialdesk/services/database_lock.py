"""The database lock as a guard every write of every area calls: after it, the study's data are read-only.

The lock itself is recorded by `services.casebook.verification.lock_database` (data manager). Reading stays
allowed; any service that would write study data calls `ensure_database_open` first, inside its transaction.
"""

from __future__ import annotations

from trialdesk.errors import Locked
from trialdesk.records.casebook.models import DatabaseLock


def database_lock_of(study_id: int) -> DatabaseLock | None:
    return DatabaseLock.objects.filter(study_id=study_id).first()


def ensure_database_open(study_id: int) -> None:
    """Refuse with `Locked` (naming who locked it and when) once the study's database is locked."""
    lock = database_lock_of(study_id)
    if lock is not None:
        raise Locked(
            f"The database was locked on {lock.locked_at.date().isoformat()} by {lock.locked_by}: "
            "all data are read-only",
            details={"locked_by": lock.locked_by},
        )
