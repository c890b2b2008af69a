"""An export as a streaming HTTP response: one file as it is, several (SDTM) as a zip written as it goes."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator

from django.http import StreamingHttpResponse

from trialdesk.services.exports import Export


class _Sink:
    """A write-only, unseekable file for zipfile: what it is given is handed on by `drain`."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        return None

    def close(self) -> None:
        return None

    def drain(self) -> bytes:
        data, self.parts = b"".join(self.parts), []
        return data


def zipped(export: Export) -> Iterator[bytes]:
    """The files of a multi-file export as one zip stream (deflated; nothing held beyond a chunk)."""
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for file in export.files():
            with archive.open(file.name, "w", force_zip64=True) as member:
                for chunk in file.chunks:
                    member.write(chunk)
                    yield sink.drain()
            yield sink.drain()
    yield sink.drain()


def stream_response(export: Export) -> StreamingHttpResponse:
    if export.multi_file:
        body, name, media = zipped(export), f"{export.name}.zip", "application/zip"
    else:
        body, name, media = export.chunks(), export.name, export.specs[0][1]
    response = StreamingHttpResponse(body, content_type=media)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
