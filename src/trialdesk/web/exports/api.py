"""`GET /api/exports/{format}?cutoff=YYYY-MM-DD[&domain=LB]`: the study's data, streamed (data manager,
statistician). SDTM formats come as a zip of the domain files, or one domain with `domain`."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest, StreamingHttpResponse
from ninja import Router

from trialdesk.services.exports import export
from trialdesk.web.exports.streaming import stream_response
from trialdesk.web.request_context import trial

router = Router(tags=["exports"])


@router.get("/exports/{format}", response={200: None})
def download(
    request: HttpRequest, format: str, cutoff: date | None = None, domain: str | None = None
) -> StreamingHttpResponse:
    """One export format as a file download (`Cache-Control: no-store`); audited when fully sent."""
    context = trial(request)
    return stream_response(
        export(context.actor, study=context.study, format=format, cutoff=cutoff, domain=domain)
    )
