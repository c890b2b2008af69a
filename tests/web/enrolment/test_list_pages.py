"""The epidemiologist's list pages (generate, view, export, import) and the concealment report."""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories import consented
from trialdesk.core.roles import Role
from trialdesk.records.models import AuditEntry, RandomizationList
from trialdesk.services.randomization import generate, randomize

FIXTURES = Path(__file__).parents[2] / "core" / "fixtures" / "randomization"


def test_generate_publishes_the_commitment_every_role_sees(client_for, actors, site) -> None:
    epi = client_for(Role.EPIDEMIOLOGIST)
    response = epi.post(reverse("enrolment:generate"), follow=True)
    stored = RandomizationList.objects.get(active=True)
    html = response.content.decode()
    assert stored.seed in html and stored.commitment in html  # the list page, for the epidemiologist
    monitor_view = client_for(Role.MONITOR).get(reverse("enrolment:randomization")).content.decode()
    assert stored.commitment in monitor_view and stored.seed not in monitor_view
    assert 'data-testid="view-list-link"' not in monitor_view


def test_list_page_shows_every_slot_and_each_view_is_audited(client_for, actors, site, clock) -> None:
    stored = generate(actors[Role.EPIDEMIOLOGIST], study=site.study, seed=8, clock=clock)
    p = consented(actors, site, clock)
    randomize(actors[Role.INVESTIGATOR], participant=p, clock=clock)
    epi = client_for(Role.EPIDEMIOLOGIST)
    html = epi.get(reverse("enrolment:list")).content.decode()
    assert html.count('data-testid="slot"') == 20 and p.study_code in html
    assert 'data-testid="verified">matches' in html
    for slot in stored.slots.all():
        assert f'data-arm="{slot.arm}"' in html
    epi.get(reverse("enrolment:list"))
    assert AuditEntry.objects.filter(action="randomization.list_view", actor="epidemiologist").count() == 2


def test_export_is_the_canonical_text_whose_sha256_is_the_commitment(client_for, actors, site, clock) -> None:
    stored = generate(actors[Role.EPIDEMIOLOGIST], study=site.study, seed=8, clock=clock)
    response = client_for(Role.EPIDEMIOLOGIST).get(reverse("enrolment:export"))
    assert response["Content-Type"].startswith("text/csv") and "attachment" in response["Content-Disposition"]
    assert hashlib.sha256(response.content).hexdigest() == stored.commitment
    assert AuditEntry.objects.filter(action="randomization.list_export").count() == 1


def test_import_page_stores_a_sealed_envelope_list(client_for, actors, site) -> None:
    upload = SimpleUploadedFile("list.csv", (FIXTURES / "sealed_envelope_seed.csv").read_bytes())
    response = client_for(Role.EPIDEMIOLOGIST).post(
        reverse("enrolment:import"),
        {"format": "sealed_envelope", "file": upload, "treatments": ""},
        follow=True,
    )
    stored = RandomizationList.objects.get(active=True)
    assert stored.source == "sealed_envelope" and stored.commitment in response.content.decode()
    entry = AuditEntry.objects.get(action="randomization.list_import")
    assert entry.after["file_name"] == "list.csv" and entry.after["format"] == "sealed_envelope"


def test_import_page_names_each_bad_row(client_for, actors, site) -> None:
    text = (
        (FIXTURES / "sealed_envelope_seed.csv").read_text(encoding="utf-8").replace("Control", "Placebo", 1)
    )
    upload = SimpleUploadedFile("list.csv", text.encode())
    response = client_for(Role.EPIDEMIOLOGIST).post(
        reverse("enrolment:import"), {"format": "sealed_envelope", "file": upload, "treatments": ""}
    )
    html = response.content.decode()
    assert response.status_code == 400 and "row 3, column Treatment" in html and "Placebo" in html
    assert not RandomizationList.objects.exists()


def test_import_page_reads_redcap_codes_through_the_label_mapping(client_for, actors, site) -> None:
    upload = SimpleUploadedFile("alloc.csv", (FIXTURES / "redcap_seed.csv").read_bytes())
    client = client_for(Role.EPIDEMIOLOGIST)
    unmapped = client.post(
        reverse("enrolment:import"), {"format": "redcap", "file": upload, "treatments": ""}
    )
    assert (
        unmapped.status_code == 400
        and "row 1, column redcap_randomization_group" in unmapped.content.decode()
    )
    upload.seek(0)
    bad_mapping = client.post(
        reverse("enrolment:import"), {"format": "redcap", "file": upload, "treatments": "1 exosome"}
    )
    assert bad_mapping.status_code == 400 and "treatment labels line 1" in bad_mapping.content.decode()
    upload.seek(0)
    client.post(
        reverse("enrolment:import"),
        {"format": "redcap", "file": upload, "treatments": "1=exosome\n2=control"},
    )
    assert RandomizationList.objects.get(active=True).source == "redcap"


def test_concealment_report_lists_allocations_accesses_and_both_checks(
    client_for, actors, site, clock
) -> None:
    generate(actors[Role.EPIDEMIOLOGIST], study=site.study, seed=8, clock=clock)
    people = [consented(actors, site, clock, name=f"P{i}") for i in range(3)]
    for p in people:
        randomize(actors[Role.INVESTIGATOR], participant=p, clock=clock)
    client_for(Role.EPIDEMIOLOGIST).get(reverse("enrolment:export"))
    html = client_for(Role.MONITOR).get(reverse("enrolment:concealment")).content.decode()
    assert all(p.study_code in html for p in people)
    assert "allocations follow the list order exactly" in html and "the stored list matches it" in html
    assert "randomization.list_export" in html and "epidemiologist" in html
