"""The amendment pages: upload, the difference in English and Persian, approval, activation, the history."""

from __future__ import annotations

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.amended_seed import amend, seed_data, upload_bytes
from tests.conftest import PASSWORD
from tests.factories import randomized
from tests.services.casebook.helpers import labs
from trialdesk.core.roles import Role
from trialdesk.records.models import ProtocolVersion, Site
from trialdesk.services.casebook.entry import save_form
from trialdesk.services.clock import local_today
from trialdesk.testing import FixedClock


def _signed_in(role: Role, language: str = "en") -> Client:
    client = Client()
    assert client.login(username=role.value, password=PASSWORD)
    if language != "en":
        client.post(reverse("preferences"), {"language": language, "calendar": "gregorian"})
    return client


def _upload(client: Client, data: dict) -> object:  # type: ignore[type-arg]
    file = SimpleUploadedFile("amendment.yaml", upload_bytes(data), content_type="application/x-yaml")
    return client.post(reverse("amendments:upload"), {"protocol_file": file})


def test_a_refused_upload_shows_each_refusal_in_the_page_language(
    actors: dict,  # type: ignore[type-arg]
    site: Site,
    clock: FixedClock,
) -> None:
    p = randomized(actors, site, clock)
    labs_today = labs(sample_date=clock.now().date().isoformat())
    save_form(
        actors[Role.RHEUMATOLOGIST],
        p,
        visit_id="baseline",
        form_id="lab_panel",
        values=labs_today,
        clock=clock,
    )
    retyped = amend(seed_data())
    retyped["forms"][-1]["sections"][0]["items"][0]["type"] = "integer"
    english = _upload(_signed_in(Role.ADMINISTRATOR), retyped)
    assert english.status_code == 400  # type: ignore[attr-defined]
    assert (
        "values of Date blood was drawn entered as date cannot be converted to integer"
        in english.content.decode()
    )  # type: ignore[attr-defined]
    persian = _upload(_signed_in(Role.ADMINISTRATOR, "fa"), retyped).content.decode()  # type: ignore[attr-defined]
    assert (
        "پذیرفته نیست: مقدارهای تاریخ خون‌گیری که به‌صورت date وارد شده‌اند به integer تبدیل نمی‌شوند" in persian
    )
    assert not ProtocolVersion.objects.filter(state="proposed").exists()


def test_the_difference_reads_in_english_and_persian_and_the_steps_follow(actors: dict) -> None:  # type: ignore[type-arg]
    admin = _signed_in(Role.ADMINISTRATOR)
    response = _upload(admin, amend(seed_data()))
    assert response.status_code == 302  # type: ignore[attr-defined]
    version = ProtocolVersion.objects.get(state="proposed")
    page = reverse("amendments:version", args=[version.pk])
    english = admin.get(page).content.decode()
    assert "Criterion added (exclusion): Active tuberculosis" in english
    assert "Lab test added: Erythrocyte sedimentation rate" in english
    committee_fa = _signed_in(Role.ETHICS_COMMITTEE, "fa")
    persian = committee_fa.get(page).content.decode()
    assert "معیار افزوده شد (خروج): سل فعال" in persian
    assert "آزمایش افزوده شد: سرعت رسوب گلبول قرمز" in persian
    today = local_today()
    approved = committee_fa.post(
        reverse("amendments:approve", args=[version.pk]),
        {"reference": "IR.KUMS.REC.1405.7", "approved_on": today},
    )
    assert approved.status_code == 302
    early = admin.post(
        reverse("amendments:activate", args=[version.pk]), {"effective_from": today - timedelta(days=1)}
    )
    assert early.status_code == 400 and "never applies retroactively" in early.content.decode()
    assert (
        admin.post(reverse("amendments:activate", args=[version.pk]), {"effective_from": today}).status_code
        == 302
    )
    history = _signed_in(Role.MONITOR).get(reverse("amendments:history")).content.decode()
    assert "IR.KUMS.REC.1405.7" in history and 'data-testid="version-1.2.0"' in history
