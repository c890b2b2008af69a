"""Generated files: reports and long exports made by a background job, kept for download with their SHA-256.

    request_generated_file(actor, study=, kind=, cutoff=, language=, format=) -> GeneratedFile   audited
    generated_files(actor, study=, kinds=) -> list[GeneratedFile]       what this actor may read, newest first
    generated_file(actor, study=, job_id=) -> GeneratedFile              one, permission-checked (progress polls)
    open_generated(actor, study=, job_id=, part=None) -> Download        a file to send; audited
    report_body(actor, study=, job_id=) -> (GeneratedFile, html)         a report shown in a page; audited
    release_results(actor, study=, job_id=) -> GeneratedFile             RELEASE_RESULTS; audited
    released_results(actor, study=) -> list[GeneratedFile]               VIEW_RELEASED_RESULTS

Who may read a generated file: an export, the EXPORT_DATA roles; a safety report, the VIEW_SAFETY_REPORT
roles; a results report, the VIEW_RESULTS roles, and once released the VIEW_RELEASED_RESULTS roles too.
The job itself is `services/jobs/runner.py`, queued as the django-tasks task in `services/jobs/tasks.py`.
"""

from __future__ import annotations

from trialdesk.services.jobs.access import (
    Download,
    generated_file,
    generated_files,
    open_generated,
    release_results,
    released_results,
    report_body,
)
from trialdesk.services.jobs.request import request_generated_file

__all__ = [
    "Download",
    "generated_file",
    "generated_files",
    "open_generated",
    "release_results",
    "released_results",
    "report_body",
    "request_generated_file",
]
