"""Where generated files live and how a job's progress is written.

Progress is job bookkeeping, not study data: each step is written at once in its own autocommit statement
(never inside the job's other transactions), so a page polling the job sees it move. What matters for the
record (the request, the finished file with its SHA-256, downloads, release) goes through `use_case` and
the audit log.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from trialdesk.records.models import GeneratedFile, GeneratedStatus

Progress = Callable[[int, str, str], None]
"""(percent 0-100, step code, language-neutral detail) -> None"""

STEPS = ("queued", "reading", "computing", "rendering", "writing", "done", "failed")


def generated_dir() -> Path:
    return Path(settings.GENERATED_DIR)


def job_folder(job: GeneratedFile) -> Path:
    folder = generated_dir() / str(job.pk)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def stored_path(job: GeneratedFile, name: str) -> Path:
    """A file of the job, refusing any name that would leave its folder."""
    folder = (generated_dir() / str(job.pk)).resolve()
    path = (folder / name).resolve()
    if path.parent != folder:
        raise ValueError(f"{name!r} is not a file of generated file {job.pk}")
    return path


def sha256_of(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def claim(job_id: int) -> bool:
    """Queued -> running, once: a second delivery of the same job finds it taken and does nothing."""
    updated = GeneratedFile.objects.filter(pk=job_id, status=GeneratedStatus.QUEUED).update(
        status=GeneratedStatus.RUNNING, step="reading", progress=1, progress_at=timezone.now()
    )
    return updated == 1


def progress_writer(job_id: int) -> Progress:
    def write(percent: int, step: str, detail: str) -> None:
        GeneratedFile.objects.filter(pk=job_id).exclude(status=GeneratedStatus.FAILED).update(
            progress=max(0, min(100, percent)),
            step=step,
            step_detail=detail[:200],
            progress_at=timezone.now(),
        )

    return write


# Every job writes progress at each step (an export at each chunk of participants), so a running job that
# has not moved for this long has lost its worker.
STALLED_AFTER = timedelta(minutes=15)
STALLED_MESSAGE = (
    "The job stopped: the worker making this file ended before it was finished (for example, the server "
    "was restarted). Nothing was kept; ask for the file again."
)


def fail_stalled(now: datetime, after: timedelta = STALLED_AFTER) -> list[int]:
    """Mark running jobs that have not moved since `now - after` as failed (and drop their half-written
    files); the ids marked. A job that moves again later finds itself failed and its result is not kept."""
    stalled = list(
        GeneratedFile.objects.filter(status=GeneratedStatus.RUNNING, progress_at__lt=now - after).values_list(
            "pk", flat=True
        )
    )
    for job_id in stalled:
        marked = GeneratedFile.objects.filter(pk=job_id, status=GeneratedStatus.RUNNING).update(
            status=GeneratedStatus.FAILED, step="failed", progress=100, error=STALLED_MESSAGE, finished_at=now
        )
        if marked:
            shutil.rmtree(generated_dir() / str(job_id), ignore_errors=True)
    return stalled


@dataclass
class Made:
    """What a job wrote: the main file (in the job's folder), its media type, companion files, details."""

    name: str
    media_type: str
    parts: list[dict[str, Any]] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
