"""HTML to PDF, through WeasyPrint (the optional `pdf` extra): results reports, printed CRFs and casebooks.

Laying out a long document (the blank annotated CRF holds every form of the study) takes WeasyPrint seconds,
and the same HTML is often printed again (the blank CRF changes only with the protocol version and language).
The last few PDFs are kept in the process by the SHA-256 of their HTML: the same document is never laid out
twice, and a changed one always is.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict

from trialdesk.errors import ValidationFailed

KEPT = 8
_laid_out: OrderedDict[str, bytes] = OrderedDict()


def html_to_pdf(html: str) -> bytes:
    """PDF bytes of a standalone HTML document (nothing is fetched; fonts are the system's)."""
    key = hashlib.sha256(html.encode("utf-8")).hexdigest()
    if key in _laid_out:
        _laid_out.move_to_end(key)
        return _laid_out[key]
    pdf = _lay_out(html)
    _laid_out[key] = pdf
    while len(_laid_out) > KEPT:
        _laid_out.popitem(last=False)
    return pdf


def _lay_out(html: str) -> bytes:
    try:
        from weasyprint import HTML  # type: ignore[import-untyped,import-not-found,unused-ignore]
    except ImportError:
        raise ValidationFailed(
            "PDF needs WeasyPrint: install trialdesk with the pdf extra, or ask for HTML"
        ) from None
    pdf: bytes = HTML(string=html, base_url=None).write_pdf()
    return pdf
