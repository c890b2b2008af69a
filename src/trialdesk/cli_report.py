"""`trialdesk report results|safety [--cutoff DATE] -o FILE`: a report written as HTML (or PDF) from the same
templates as the pages. Kept apart from `cli.py`, which registers it.

The report is generated through the services as the named person (`--user`), so the same permissions hold and
the generation is audited exactly as on the page. The report is a generated file (`services/jobs`), made here
by the same job function a worker runs, with its progress printed on stderr; the file is kept in the data
folder (listed on the page) and copied to FILE. A FILE ending in `.pdf` is rendered by WeasyPrint (the `pdf`
extra); any other name gets the HTML document.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any


def render_report(kind: str, actor: Any, study: Any, cutoff: date | None, language: str) -> str:
    """The standalone HTML document of a results or safety report (the page's templates, no site chrome)."""
    from trialdesk.services.results import results_report, safety_report
    from trialdesk.services.results.document import render_document

    if kind == "safety":
        return render_document(
            safety_report(actor, study=study, cutoff=cutoff, language=language), language, printed=True
        )
    report = results_report(actor, study=study, cutoff=cutoff, language=language)
    return render_document(report, language, printed=True)


def html_to_pdf(html: str) -> bytes:
    """PDF bytes of a standalone HTML document (WeasyPrint; images are `data:` URIs, nothing is fetched)."""
    from trialdesk.services.pdf import html_to_pdf as to_pdf

    return to_pdf(html)


def run_report(args: argparse.Namespace) -> int:
    """The report made as a generated file in this process (progress on stderr), copied to -o FILE."""
    from trialdesk.cli import _migrate, _person_actor, _setup_django
    from trialdesk.cli_jobs import copy_to, generate_here

    _setup_django(Path(args.data_dir) if args.data_dir else None)
    _migrate()
    actor, study = _person_actor(args.user)
    cutoff = date.fromisoformat(args.cutoff) if args.cutoff else None
    out = Path(args.output)
    fmt = "pdf" if out.suffix.lower() == ".pdf" else "html"
    job = generate_here(
        actor, study, kind=f"{args.kind}_report", format=fmt, cutoff=cutoff, language=args.language
    )
    copy_to(job, out)
    print(f"{args.kind} report written to {out}")
    print(f"sha256 {job.sha256}")
    return 0


def add_report_parser(commands: Any, handler: Callable[[argparse.Namespace], int] = run_report) -> None:
    report = commands.add_parser("report", help="trial results and safety reports (HTML or PDF)")
    report.add_argument("kind", choices=["results", "safety"])
    report.add_argument("--user", required=True, help="the statistician's (or committee member's) user name")
    report.add_argument("--cutoff", default=None, help="data cut-off, YYYY-MM-DD (default: today)")
    report.add_argument("--language", default="en", choices=["en", "fa"])
    report.add_argument("-o", "--output", required=True, help="FILE.html or FILE.pdf")
    report.add_argument("--data-dir", default=None, help="folder of the SQLite database (default: ./data)")
    report.set_defaults(handler=handler)
