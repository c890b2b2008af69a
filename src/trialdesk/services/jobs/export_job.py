"""The stages of an export job: the export's files written one after another into the job's folder.

A single-file export is kept as it is; a multi-file one (SDTM: a file per domain) as one zip whose members
are listed with their own SHA-256. The export itself audits `data.export` as from the page or the CLI.
"""

from __future__ import annotations

import time
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

from trialdesk.records.models import GeneratedFile
from trialdesk.services.actors import Actor
from trialdesk.services.exports import Export, export
from trialdesk.services.jobs.storage import Made, job_folder
from trialdesk.testing import Clock

Step = Callable[..., None]
MEGABYTE = 1 << 20


def _counted(chunks: Iterator[bytes], on_bytes: Callable[[int], None]) -> Iterator[bytes]:
    written = 0
    for chunk in chunks:
        written += len(chunk)
        on_bytes(written)
        yield chunk


def _bytes_reporter(step: Step, percent: int, name: str) -> Callable[[int], None]:
    last = [time.monotonic()]

    def seen(written: int) -> None:  # at most one progress write a second
        if time.monotonic() - last[0] >= 1.0:
            last[0] = time.monotonic()
            step(percent, "writing", f"{name} · {written / MEGABYTE:.1f} MB")

    return seen


def write_export_job(job: GeneratedFile, actor: Actor, step: Step, clock: Clock) -> Made:
    step(5, "reading")
    made: Export = export(actor, study=job.study, format=job.format, cutoff=job.cutoff, clock=clock)
    folder = job_folder(job)
    total = len(made.file_names)
    if made.multi_file:
        name = f"{made.name}.zip"
        with zipfile.ZipFile(folder / name, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for index, file in enumerate(made.files()):
                percent = 10 + 80 * index // total
                step(percent, "writing", f"{file.name} ({index + 1}/{total})")
                with archive.open(file.name, "w", force_zip64=True) as member:
                    for chunk in _counted(file.chunks, _bytes_reporter(step, percent, file.name)):
                        member.write(chunk)
        media = "application/zip"
    else:
        name = made.name
        step(10, "writing", name)
        with (folder / name).open("wb") as handle:
            for chunk in _counted(made.chunks(), _bytes_reporter(step, 10, name)):
                handle.write(chunk)
        media = made.specs[0][1]
    parts: list[dict[str, Any]] = [
        {"name": n, "role": "member", "sha256": made.digests[n]} for n in made.file_names if made.multi_file
    ]
    return Made(name, media, parts, {"export_sha256": made.sha256, "files": dict(made.digests)})
