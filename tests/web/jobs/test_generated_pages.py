"""Generated files on the web: Generate (htmx), the polled progress, the file's page, downloads, release."""

from __future__ import annotations

import hashlib

import pytest
from django.urls import reverse

from tests.web.treatment.test_pages import signed_in
from trialdesk.core.roles import Role
from trialdesk.records.models import (
    AuditEntry,
    GeneratedFile,
    Participant,
    ParticipantIdentity,
    Person,
    Study,
)
from trialdesk.services.actors import Actor
from trialdesk.services.jobs import request_generated_file
from trialdesk.services.jobs.runner import run_generated_file

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def test_progress_polls_while_queued_and_stops_when_done(
    study: Study, trial: dict[str, Participant], actors: dict[Role, Actor]
) -> None:
    job = request_generated_file(
        actors[Role.ETHICS_COMMITTEE], study=study, kind="safety_report", format="html", enqueue=False
    )
    client = signed_in(Role.ETHICS_COMMITTEE)
    url = reverse("jobs:progress", args=[job.pk])
    waiting = client.get(url, **HTMX).content.decode()
    assert 'data-status="queued"' in waiting and 'hx-trigger="every 1s"' in waiting
    assert f'hx-get="{url}"' in waiting and '<progress max="100" value="0"' in waiting
    assert "style=" not in waiting  # the CSP allows no inline style
    run_generated_file(job.pk)
    done = client.get(url, **HTMX).content.decode()
    assert 'data-status="done"' in done and "hx-trigger" not in done and 'value="100"' in done
    job.refresh_from_db()
    assert job.sha256 in done and reverse("jobs:download", args=[job.pk]) in done
    assert signed_in(Role.INVESTIGATOR).get(url).status_code == 403


def test_statistician_generates_the_results_report_reads_it_downloads_and_releases_it(
    trial: dict[str, Participant],
) -> None:
    client = signed_in(Role.STATISTICIAN)
    page = client.get(reverse("results:results")).content.decode()
    assert 'data-testid="generate-panel"' in page and 'data-testid="no-jobs"' in page
    answer = client.post(
        reverse("jobs:request"), {"kind": "results_report", "format": "html", "language": "en"}, **HTMX
    )
    fragment = answer.content.decode()
    job = GeneratedFile.objects.get()
    assert answer.status_code == 200 and 'data-status="done"' in fragment, job.error
    opened = client.get(reverse("jobs:generated", args=[job.pk])).content.decode()
    for testid in ("generated-report", "title-block", "consort", "part-participants.csv", "release"):
        assert f'data-testid="{testid}"' in opened
    for identity in ParticipantIdentity.objects.all():
        assert identity.full_name not in opened
    csv = client.get(reverse("jobs:part", args=[job.pk, "participants.csv"]))
    content = b"".join(csv.streaming_content)
    assert csv["X-Content-SHA256"] == hashlib.sha256(content).hexdigest()
    assert content.decode().count("\n") == 1 + len(trial)
    # the committee does not see it before release, and reads it after
    committee = signed_in(Role.ETHICS_COMMITTEE)
    assert committee.get(reverse("jobs:generated", args=[job.pk])).status_code == 404
    assert f"job-{job.pk}" not in committee.get(reverse("jobs:released")).content.decode()
    assert client.post(reverse("jobs:release", args=[job.pk])).status_code == 302
    assert f'data-testid="job-{job.pk}"' in committee.get(reverse("jobs:released")).content.decode()
    read = committee.get(reverse("jobs:generated", args=[job.pk])).content.decode()
    assert 'data-testid="consort"' in read and 'data-testid="release"' not in read
    download = committee.get(reverse("jobs:download", args=[job.pk]))
    assert hashlib.sha256(b"".join(download.streaming_content)).hexdigest() == job.sha256
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"generated.request", "generated.view", "generated.download", "results.release"} <= actions


def test_an_export_is_generated_from_the_exports_page_and_a_bad_format_is_named(actors: dict) -> None:
    client = signed_in(Role.DATA_MANAGER)
    assert 'data-testid="generate-panel"' in client.get(reverse("exports:exports")).content.decode()
    answer = client.post(reverse("jobs:request"), {"kind": "export", "format": "csv", "next": "/exports/"})
    assert answer.status_code == 302 and answer["Location"] == "/exports/"
    job = GeneratedFile.objects.get()
    assert job.status == "done" and job.file_name.endswith("-values.csv")
    page = client.get(reverse("exports:exports")).content.decode()
    assert f'data-testid="job-{job.pk}"' in page and job.sha256 in page
    refused = client.post(reverse("jobs:request"), {"kind": "export", "format": "xls"}, **HTMX)
    assert 'data-testid="job-error"' in refused.content.decode() and "format" in refused.content.decode()
    assert client.post(reverse("jobs:request"), {"kind": "export", "format": "xls"}).status_code == 400
    assert (
        signed_in(Role.MONITOR).post(reverse("jobs:request"), {"kind": "export", "format": "csv"}).status_code
        == 403
    )


@pytest.mark.parametrize("role", [Role.ETHICS_COMMITTEE, Role.MONITOR])
def test_every_menu_link_of_the_committee_and_the_monitor_opens(role: Role, actors: dict) -> None:
    client = signed_in(role)
    page = client.get("/").content.decode()
    assert 'data-testid="nav-released-results"' in page
    import re

    nav = page[page.index('<nav id="menu"') : page.index("</nav>")]
    for href in re.findall(r'href="([^"]+)"', nav):
        assert client.get(href).status_code == 200, href


def test_persian_panel_strings(trial: dict[str, Participant]) -> None:
    Person.objects.filter(user__username=Role.ETHICS_COMMITTEE.value).update(language="fa")
    html = signed_in(Role.ETHICS_COMMITTEE).get(reverse("results:safety_report")).content.decode()
    assert 'dir="rtl"' in html and "ساختن فایل" in html and "ساخته‌شده‌های پیشین" in html
