"""Generated files: a results or safety report, or a long export, made by a background job and kept for download.

The row is the job's record: what was asked (kind, cut-off, language, format), by whom and when, how far the
job has come (status, progress 0-100 and the current step), and what it made (the file's path under the
generated-files folder, its SHA-256 and size, and companion files such as the analysis datasets).
"""

from __future__ import annotations

from django.db import models

from trialdesk.records.models.study import Study


class GeneratedKind(models.TextChoices):
    RESULTS_REPORT = "results_report", "results report"
    SAFETY_REPORT = "safety_report", "safety report"
    EXPORT = "export", "export"


class GeneratedStatus(models.TextChoices):
    QUEUED = "queued", "queued"
    RUNNING = "running", "running"
    DONE = "done", "done"
    FAILED = "failed", "failed"


class GeneratedFile(models.Model):
    study = models.ForeignKey(Study, on_delete=models.PROTECT, related_name="generated_files")
    kind = models.CharField(max_length=20, choices=GeneratedKind.choices)
    cutoff = models.DateField(null=True, blank=True)  # None: an export of everything recorded so far
    language = models.CharField(max_length=5, default="en")
    format = models.CharField(max_length=30)  # pdf | html for a report; the export format otherwise
    status = models.CharField(max_length=10, choices=GeneratedStatus.choices, default=GeneratedStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)  # 0-100
    step = models.CharField(max_length=20, default="queued")  # a step code the pages translate
    step_detail = models.CharField(max_length=200, blank=True)  # language-neutral: a file name, a count
    error = models.TextField(blank=True)
    requested_by = models.CharField(max_length=150)
    requested_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    # the last sign of life of a running job (claim and every progress step): a job whose worker ended
    # (a restart, a killed process) stops moving and is failed by the worker's sweep after a while
    progress_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    file_path = models.CharField(max_length=300, blank=True)  # relative to the generated-files folder
    file_name = models.CharField(max_length=200, blank=True)  # the name a download is given
    media_type = models.CharField(max_length=100, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.BigIntegerField(null=True, blank=True)
    parts = models.JSONField(default=list)  # companion files: [{"name", "role", "sha256", "size"}]
    released_at = models.DateTimeField(null=True, blank=True)  # results reports only
    released_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["study", "kind", "-requested_at"], name="generated_by_kind")]

    @property
    def finished(self) -> bool:
        return self.status in (GeneratedStatus.DONE, GeneratedStatus.FAILED)
