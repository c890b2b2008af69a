"""The stages of a report job: read the data, compute, render the HTML (and the PDF), write the files."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from trialdesk.records.models import GeneratedFile, GeneratedKind
from trialdesk.services.actors import Actor
from trialdesk.services.jobs.storage import Made, job_folder, sha256_of
from trialdesk.services.pdf import html_to_pdf
from trialdesk.services.results import ResultsReport, compose_results, compose_safety, read_inputs
from trialdesk.services.results.document import render_document
from trialdesk.testing import Clock

Step = Callable[..., None]
MEDIA = {"pdf": "application/pdf", "html": "text/html; charset=utf-8"}


def write_report_job(job: GeneratedFile, actor: Actor, step: Step, clock: Clock) -> Made:
    assert job.cutoff is not None  # a report always has one (set when it was asked for)
    results = job.kind == GeneratedKind.RESULTS_REPORT
    step(5, "reading")
    protocol, inputs = read_inputs(job.study, job.cutoff)
    step(30, "computing")
    generated = (actor, clock.now())
    options: dict[str, Any] = {"generated": generated, "cutoff": job.cutoff, "language": job.language}
    phases = {"datasets": 32, "statistics": 38, "tables": 44, "figures": 50}
    report = (
        compose_results(
            job.study,
            protocol,
            inputs,
            on_phase=lambda name: step(phases.get(name, 30), "computing", name),
            **options,
        )
        if results
        else compose_safety(job.study, protocol, inputs, **options)
    )
    step(60, "rendering", "HTML")
    html = render_document(report, job.language)
    stem = f"{'results' if results else 'safety'}-report-{job.cutoff.isoformat()}-{job.language}"
    pdf = None
    if job.format == "pdf":
        step(70, "rendering", "PDF")
        pdf = html_to_pdf(render_document(report, job.language, printed=True))
    step(90, "writing")
    folder = job_folder(job)
    (folder / f"{stem}.html").write_text(html, encoding="utf-8")
    parts = [_part(folder, f"{stem}.html", "view")] if pdf is not None else []
    if pdf is not None:
        (folder / f"{stem}.pdf").write_bytes(pdf)
    details: dict[str, Any] = {"protocol_sha256": report.title.protocol_sha256}
    if isinstance(report, ResultsReport):
        for dataset in report.results.datasets:
            (folder / dataset.filename).write_bytes(dataset.content)
            parts.append(_part(folder, dataset.filename, "dataset"))
        details |= {"plan_sha256": report.plan_sha256, "datasets": report.dataset_hashes}
    return Made(f"{stem}.{job.format}", MEDIA[job.format], parts, details)


def _part(folder: Any, name: str, role: str) -> dict[str, Any]:
    sha256, size = sha256_of(folder / name)
    return {"name": name, "role": role, "sha256": sha256, "size": size}
