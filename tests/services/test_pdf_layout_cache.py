"""Printing the same HTML twice lays it out once; a changed document is always laid out anew."""

from __future__ import annotations

import io

import pypdf

from trialdesk.services import pdf


def _text(data: bytes) -> str:
    return " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def test_the_same_html_is_laid_out_once_and_a_changed_one_again() -> None:
    first = pdf.html_to_pdf("<html><body><p>Visit 1 lab panel</p></body></html>")
    again = pdf.html_to_pdf("<html><body><p>Visit 1 lab panel</p></body></html>")
    changed = pdf.html_to_pdf("<html><body><p>Visit 2 lab panel</p></body></html>")
    assert again is first  # kept, not laid out again
    assert "Visit 1" in _text(first) and "Visit 2" in _text(changed)


def test_only_the_last_few_documents_are_kept() -> None:
    for n in range(pdf.KEPT + 3):
        pdf.html_to_pdf(f"<html><body><p>document {n}</p></body></html>")
    assert len(pdf._laid_out) == pdf.KEPT
