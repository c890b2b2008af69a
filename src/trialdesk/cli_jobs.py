"""The command line's side of generated files: the job run in this process, its progress on stderr.

`trialdesk report` and `trialdesk export` ask for a generated file exactly as the pages do (permission,
audit), run the same job function here instead of waiting for a worker, print each step as it comes, and
copy the kept file to the path asked for. The file stays in the generated-files folder, listed on the page.
"""

from __future__ import annotations

import shutil
import sys
from datetime import date
from pathlib import Path
from typing import Any

STEPS = {
    "reading": "reading the data",
    "computing": "computing the statistics and tables",
    "rendering": "rendering",
    "writing": "writing",
    "done": "done",
    "failed": "failed",
}


def print_progress(percent: int, step: str, detail: str) -> None:
    text = STEPS.get(step, step) + (f": {detail}" if detail else "")
    print(f"[{percent:3d}%] {text}", file=sys.stderr, flush=True)


def generate_here(
    actor: Any, study: Any, *, kind: str, format: str, cutoff: date | None, language: str = "en"
) -> Any:
    """Ask for the file and make it in this process, printing progress; the finished `GeneratedFile`."""
    from trialdesk.errors import TrialdeskError
    from trialdesk.services.jobs import request_generated_file
    from trialdesk.services.jobs.runner import run_generated_file

    job = request_generated_file(
        actor, study=study, kind=kind, format=format, cutoff=cutoff, language=language, enqueue=False
    )
    print(f"generated file {job.pk}: {kind} {format}", file=sys.stderr, flush=True)
    run_generated_file(job.pk, progress=print_progress)
    job.refresh_from_db()
    if job.status != "done":
        raise TrialdeskError(job.error or "the job failed")
    return job


def kept_path(job: Any) -> Path:
    from trialdesk.services.jobs.storage import stored_path

    return stored_path(job, job.file_name)


def copy_to(job: Any, out: Path) -> None:
    """The kept file copied to `out` (a zip of several files is unpacked into the folder `out`)."""
    source = kept_path(job)
    if job.file_name.endswith(".zip") and job.format.startswith("sdtm"):
        out.mkdir(parents=True, exist_ok=True)
        shutil.unpack_archive(source, out, "zip")
    else:
        shutil.copyfile(source, out)
