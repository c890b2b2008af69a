"""The background job of generated files (django-tasks): queued by `request_generated_file`."""

from __future__ import annotations

from django_tasks import task


@task()
def generate_file(job_id: int) -> str:
    """Make generated file `job_id`; returns its final status (done or failed, recorded on the row)."""
    from trialdesk.services.jobs.runner import run_generated_file

    return run_generated_file(job_id)
