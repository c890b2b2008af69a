"""Data out: every export format of a study, read with server-side cursors and streamed as byte chunks.

    export(actor, study=, format=, cutoff=None, domain=None) -> Export     EXPORT_DATA (data manager, statistician)
    write_export(export, path) -> sha256                                     a file, or a folder (SDTM)

Permission is checked when the export is asked for; the rows are read while the chunks are consumed (web,
API and command line stream them); when the last chunk has gone, one audit entry records who exported
which format with which cut-off and the SHA-256 of what was written. A multi-file export (SDTM: one file
per domain) is hashed as its manifest: one `sha256  name` line per file, as `sha256sum` prints them. A
download stopped half-way is audited too, as incomplete (no SHA-256 of the whole).
"""

from __future__ import annotations

import hashlib
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from trialdesk.core.roles import Action
from trialdesk.errors import Problem, ValidationFailed
from trialdesk.interop.formats import FORMATS, SDTM_FORMATS
from trialdesk.interop.sdtm import DOMAINS
from trialdesk.records.models import Study
from trialdesk.records.replica import replica_reads
from trialdesk.services.actors import Actor, authorize
from trialdesk.services.exports.common import Scope, end_of_day, identifying_items
from trialdesk.services.exports.formats import FileSpec, files_of, sdtm_files
from trialdesk.services.unit_of_work import use_case
from trialdesk.services.versions import Purpose, governing_protocol
from trialdesk.testing import SYSTEM_CLOCK, Clock


@dataclass
class ExportFile:
    name: str
    media_type: str
    chunks: Iterator[bytes]


@dataclass
class Export:
    """What one export writes: its file(s), produced lazily; audited once the last file is consumed."""

    format: str
    name: str  # the file name, or the folder name of a multi-file export
    file_names: list[str]
    multi_file: bool
    actor: Actor
    study: Study
    cutoff: date | None
    clock: Clock
    specs: list[FileSpec]
    digests: dict[str, str] = field(default_factory=dict)
    sha256: str | None = None

    def files(self) -> Generator[ExportFile]:
        """Each file with its chunks (consume one file's chunks before asking for the next)."""
        complete = False
        try:
            for name, media, chunks in self.specs:
                yield ExportFile(name, media, self._hashed(name, chunks()))
            complete = True
        finally:  # an interrupted download (closed generator, error) is audited too, as incomplete
            self._finish(complete)

    def chunks(self) -> Iterator[bytes]:
        """The bytes of a single-file export."""
        if self.multi_file:
            raise ValueError("a multi-file export is read file by file")
        files = self.files()
        try:
            for file in files:
                yield from file.chunks
        finally:
            files.close()

    def _hashed(self, name: str, chunks: Iterator[bytes]) -> Iterator[bytes]:
        digest = hashlib.sha256()
        while True:
            with replica_reads():  # only while the rows are read: the caller's reads stay on the primary
                chunk = next(chunks, None)
            if chunk is None:
                break
            digest.update(chunk)
            yield chunk
        self.digests[name] = digest.hexdigest()

    def _finish(self, complete: bool) -> None:
        if complete and self.multi_file:
            manifest = "".join(f"{self.digests[n]}  {n}\n" for n in self.file_names).encode()
            self.sha256 = hashlib.sha256(manifest).hexdigest()
        elif complete:
            self.sha256 = self.digests[self.file_names[0]]
        with use_case(
            self.actor, Action.EXPORT_DATA, study=self.study, clock=self.clock, study_data=False
        ) as uow:
            uow.record(
                "data.export",
                object_type="study",
                object_id=self.study.protocol_key,
                after={
                    "format": self.format,
                    "cutoff": self.cutoff.isoformat() if self.cutoff else None,
                    "files": dict(self.digests),
                    "sha256": self.sha256,
                    "complete": complete,
                },
            )


def _check(fmt: str, domain: str | None) -> None:
    if fmt not in FORMATS:
        raise ValidationFailed(
            f"Unknown export format {fmt}", (Problem("format", f"one of {', '.join(FORMATS)}"),)
        )
    if domain is not None and (fmt not in SDTM_FORMATS or domain.upper() not in DOMAINS):
        rule = f"an SDTM domain ({', '.join(DOMAINS)}) of an SDTM format"
        raise ValidationFailed(f"No domain {domain} in format {fmt}", (Problem("domain", rule),))


def export(
    actor: Actor,
    *,
    study: Study,
    format: str,
    cutoff: date | None = None,
    domain: str | None = None,
    clock: Clock = SYSTEM_CLOCK,
) -> Export:
    """An export of the study's data (EXPORT_DATA), pseudonymous, up to the study-local `cutoff` day."""
    authorize(actor, Action.EXPORT_DATA)
    _check(format, domain)
    protocol = governing_protocol(study=study, purpose=Purpose.DISPLAY)
    scope = Scope(study.pk, protocol, identifying_items(protocol), end_of_day(cutoff))
    created_at: datetime = clock.now()
    prefix = f"{protocol.id}{'-' + cutoff.isoformat() if cutoff else ''}"
    if format in SDTM_FORMATS:
        specs = sdtm_files(scope, format, created_at, domain.upper() if domain else None)
        multi, name = domain is None, f"{prefix}-{format}"
    else:
        specs = files_of(scope, format, created_at, prefix)
        multi, name = False, specs[0][0]
    if not multi:
        name = specs[0][0]
    return Export(format, name, [s[0] for s in specs], multi, actor, study, cutoff, clock, specs)


def export_formats(actor: Actor) -> tuple[str, ...]:
    """The formats the actor may export (EXPORT_DATA: all of them; refused otherwise)."""
    authorize(actor, Action.EXPORT_DATA)
    return FORMATS


def write_export(export: Export, path: Path) -> str:
    """Write an export to `path` (a folder for a multi-file export, created if needed); its SHA-256."""
    if export.multi_file:
        path.mkdir(parents=True, exist_ok=True)
    for file in export.files():
        target = path / file.name if export.multi_file else path
        with target.open("wb") as handle:
            for chunk in file.chunks:
                handle.write(chunk)
    assert export.sha256 is not None
    return export.sha256


__all__ = ["FORMATS", "Export", "ExportFile", "export", "export_formats", "write_export"]
