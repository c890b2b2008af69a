"""Treatment pages through the Django test client: who may open them, forms that post, refusals shown, not 500s.

The pages use the real clock (a browser cannot be handed a fixed one), so the data made here with the fixed
test clock lie in the past: randomization on 2026-01-10, lots expiring far in the future.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.conftest import PASSWORD
from tests.web.treatment.conftest import PAGE_VITALS
from trialdesk.core.roles import Role
from trialdesk.records.treatment.models import Administration, ProductLot, SafetyCheck
from trialdesk.services.treatment.lots import register_lot, release_lot

pytestmark = pytest.mark.django_db

FAR_EXPIRY = date(2099, 12, 31)


def signed_in(role: Role) -> Client:
    client = Client()
    assert client.login(username=role.value, password=PASSWORD)
    return client


@pytest.fixture
def lot(actors, study, clock) -> ProductLot:  # type: ignore[no-untyped-def]
    investigator = actors[Role.INVESTIGATOR]
    made = register_lot(
        investigator,
        study=study,
        lot_id="LOT-A",
        source_id="PLACENTA-1",
        amount_per_unit=Decimal("1e10"),
        amount_unit="particles",
        expiry_date=FAR_EXPIRY,
        clock=clock,
    )
    return release_lot(investigator, lot=made, released_on=clock.now().date(), clock=clock)


def sign_check(client: Client, code: str, step: str = "step_1", finding: str = "normal") -> None:
    items = ("vital_signs", "no_new_symptoms", "previous_dose_tolerated", "no_active_infection")
    data = {f"item_{i}": finding for i in items} | {"step_id": step, "signed": "on"} | PAGE_VITALS
    response = client.post(reverse("treatment:safety_check", args=[code]), data)
    assert response.status_code == 302, response.content.decode()[:2000]


def dose(client: Client, code: str, step: str = "step_1", amount: str = "0.1"):  # type: ignore[no-untyped-def]
    return client.post(
        reverse("treatment:administer", args=[code]),
        {"step_id": step, "amount_given": amount, "lot_id": "LOT-A"},
    )


# --- dosing ---------------------------------------------------------------------------------------------------


def test_dosing_page_shows_the_ladder_and_the_gate_for_an_exosome_participant(enrol, lot) -> None:  # type: ignore[no-untyped-def]
    p = enrol(arm="exosome")
    html = signed_in(Role.INVESTIGATOR).get(reverse("treatment:dosing", args=[p.study_code])).content.decode()
    for step in ("step-step_1", "step-step_5", "step-maintenance-1", "step-maintenance-3"):
        assert f'data-testid="{step}"' in html
    assert 'data-testid="gate" data-allowed="no"' in html
    assert 'data-testid="reason-safety_check_missing"' in html
    assert 'data-testid="administration-form"' in html and "LOT-A" in html


def test_safety_check_then_first_dose_then_the_next_is_refused_with_the_time(enrol, lot) -> None:  # type: ignore[no-untyped-def]
    p = enrol(arm="exosome")
    client = signed_in(Role.INVESTIGATOR)
    sign_check(client, p.study_code)
    assert SafetyCheck.objects.filter(participant=p).count() == 1
    page = client.get(reverse("treatment:dosing", args=[p.study_code])).content.decode()
    assert 'data-allowed="yes"' in page

    assert dose(client, p.study_code).status_code == 302
    assert Administration.objects.get(participant=p).amount_given == Decimal("0.1")

    sign_check(client, p.study_code, step="step_2")
    refused = dose(client, p.study_code, step="step_2", amount="0.5")
    html = refused.content.decode()
    assert refused.status_code == 409
    assert 'data-testid="dose-refused"' in html and 'data-testid="refused-observation_period"' in html
    assert 'data-testid="refused-earliest"' in html
    assert Administration.objects.filter(participant=p).count() == 1


def test_dose_from_an_unreleased_lot_is_refused_with_the_reason(enrol, actors, study, clock) -> None:  # type: ignore[no-untyped-def]
    register_lot(
        actors[Role.INVESTIGATOR],
        study=study,
        lot_id="LOT-A",
        source_id="S",
        amount_per_unit=Decimal(1),
        amount_unit="particles",
        expiry_date=FAR_EXPIRY,
        clock=clock,
    )
    p = enrol(arm="exosome")
    client = signed_in(Role.INVESTIGATOR)
    sign_check(client, p.study_code)
    response = dose(client, p.study_code)
    assert response.status_code == 400
    assert "not released by quality control" in response.content.decode()


def test_safety_check_form_without_signature_shows_the_field_errors(enrol, lot) -> None:  # type: ignore[no-untyped-def]
    p = enrol(arm="exosome")
    response = signed_in(Role.INVESTIGATOR).post(
        reverse("treatment:safety_check", args=[p.study_code]), {"step_id": "step_1"}
    )
    assert response.status_code == 400 and 'data-testid="form-errors"' in response.content.decode()


def test_control_arm_dosing_page_says_there_is_no_study_treatment(enrol) -> None:  # type: ignore[no-untyped-def]
    p = enrol(arm="control")
    html = signed_in(Role.INVESTIGATOR).get(reverse("treatment:dosing", args=[p.study_code])).content.decode()
    assert 'data-testid="no-study-treatment"' in html
    assert 'data-testid="administration-form"' not in html


def test_monitor_reads_the_dosing_page_without_forms_and_may_not_post(enrol, lot) -> None:  # type: ignore[no-untyped-def]
    p = enrol(arm="exosome")
    client = signed_in(Role.MONITOR)
    html = client.get(reverse("treatment:dosing", args=[p.study_code])).content.decode()
    assert 'data-testid="ladder"' in html and 'data-testid="safety-check-form"' not in html
    assert dose(client, p.study_code).status_code == 403


def test_ethics_committee_may_not_open_a_dosing_page(enrol) -> None:  # type: ignore[no-untyped-def]
    p = enrol(arm="exosome")
    response = signed_in(Role.ETHICS_COMMITTEE).get(reverse("treatment:dosing", args=[p.study_code]))
    assert response.status_code in (403, 404)


# --- lots -----------------------------------------------------------------------------------------------------


def test_investigator_registers_and_releases_a_lot_on_the_lots_page(actors) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(Role.INVESTIGATOR)
    data = {
        "lot_id": "LOT-B",
        "source_id": "PLACENTA-2",
        "amount_per_unit": "10000000000",
        "amount_unit": "particles",
        "expiry_date": "2099-01-01",
    }
    assert client.post(reverse("treatment:lots"), data).status_code == 302
    html = client.get(reverse("treatment:lots")).content.decode()
    assert 'data-testid="unreleased"' in html
    today = timezone.localdate().isoformat()
    assert (
        client.post(reverse("treatment:release_lot", args=["LOT-B"]), {"released_on": today}).status_code
        == 302
    )
    assert ProductLot.objects.get(lot_id="LOT-B").qc_released
    again = client.post(reverse("treatment:lots"), data)
    assert again.status_code == 409 and "already registered" in again.content.decode()


def test_expired_lot_is_marked_on_the_lots_page(actors, study, clock) -> None:  # type: ignore[no-untyped-def]
    register_lot(
        actors[Role.INVESTIGATOR],
        study=study,
        lot_id="OLD",
        source_id="S",
        amount_per_unit=Decimal(1),
        amount_unit="particles",
        expiry_date=date(2020, 1, 1),
        clock=clock,
    )
    html = signed_in(Role.INVESTIGATOR).get(reverse("treatment:lots")).content.decode()
    assert 'data-testid="lot-OLD"' in html and 'data-testid="expired"' in html


def test_lots_page_is_refused_to_roles_without_lot_or_safety_access(actors) -> None:  # type: ignore[no-untyped-def]
    assert signed_in(Role.EPIDEMIOLOGIST).get(reverse("treatment:lots")).status_code == 403
    assert signed_in(Role.MONITOR).get(reverse("treatment:lots")).status_code == 200
    response = signed_in(Role.MONITOR).post(reverse("treatment:lots"), {"lot_id": "X"})
    assert response.status_code == 400  # the form is incomplete; a complete one would be refused (403)


# --- navigation -----------------------------------------------------------------------------------------------


def test_nav_links_follow_the_role(actors) -> None:  # type: ignore[no-untyped-def]
    investigator = signed_in(Role.INVESTIGATOR).get(reverse("dashboard")).content.decode()
    assert all(f'data-testid="nav-{n}"' in investigator for n in ("lots", "overdue", "safety"))
    ethics = signed_in(Role.ETHICS_COMMITTEE).get(reverse("dashboard")).content.decode()
    assert 'data-testid="nav-safety"' in ethics and 'data-testid="nav-lots"' not in ethics
    epidemiologist = signed_in(Role.EPIDEMIOLOGIST).get(reverse("dashboard")).content.decode()
    assert not any(f'data-testid="nav-{n}"' in epidemiologist for n in ("lots", "overdue", "safety"))


def test_participant_panel_links_a_randomized_participant_only(enrol, actors, site, clock) -> None:  # type: ignore[no-untyped-def]
    from django.template.loader import render_to_string

    from tests.factories import consented

    p = enrol(arm="control")
    html = render_to_string(
        "trialdesk/treatment/participant_panel.html", {"participant": p, "my_roles": ["investigator"]}
    )
    assert reverse("treatment:dosing", args=[p.study_code]) in html
    assert reverse("treatment:adverse_events", args=[p.study_code]) in html
    waiting = consented(actors, site, clock, name="Not randomized")
    panel = render_to_string(
        "trialdesk/treatment/participant_panel.html", {"participant": waiting, "my_roles": ["investigator"]}
    )
    assert "treatment-panel" not in panel


def test_safety_check_form_refuses_normal_vitals_against_an_out_of_range_value(enrol, lot) -> None:  # type: ignore[no-untyped-def]
    p = enrol(arm="exosome")
    items = ("vital_signs", "no_new_symptoms", "previous_dose_tolerated", "no_active_infection")
    data = {f"item_{i}": "normal" for i in items} | {"step_id": "step_1", "signed": "on"} | PAGE_VITALS
    data |= {"vital_temperature_c": "39.5", "vital_pulse_per_min": "128", "vital_systolic_mmhg": "85"}
    client = signed_in(Role.INVESTIGATOR)
    response = client.post(reverse("treatment:safety_check", args=[p.study_code]), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "39.5 °C is outside the acceptable range 35.5-37.9 °C" in html
    assert "128 /min is outside the acceptable range 50-100 /min" in html
    assert not SafetyCheck.objects.exists()


def test_first_dose_page_lists_the_missing_baseline_forms(enrol_without_baseline, lot) -> None:  # type: ignore[no-untyped-def]
    p = enrol_without_baseline(arm="exosome")
    html = signed_in(Role.INVESTIGATOR).get(reverse("treatment:dosing", args=[p.study_code])).content.decode()
    assert 'data-testid="reason-first_dose_preconditions"' in html and "Laboratory panel" in html
