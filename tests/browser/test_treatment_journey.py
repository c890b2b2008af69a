"""Browser journeys of issue 4 on both arms: give the first dose, be refused the next, record a reaction, see the hold.

The live server runs on the real clock (the `clock` fixture cannot reach it), so nothing here depends on a
fixed date: the participant is randomized with the test clock (in the past), the lot expires far in the
future, and the 48-hour observation refusal holds right after the first dose whatever today is.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.browser.test_shell_journey import sign_in
from tests.factories import baseline_forms_saved, randomized
from trialdesk.core.roles import Role
from trialdesk.records.treatment.models import Administration, AdverseEvent
from trialdesk.services.treatment.lots import register_lot, release_lot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHECK_ITEMS = ("vital_signs", "no_new_symptoms", "previous_dose_tolerated", "no_active_infection")


@pytest.fixture
def released_lot(actors, study, clock):  # type: ignore[no-untyped-def]
    investigator = actors[Role.INVESTIGATOR]
    lot = register_lot(
        investigator,
        study=study,
        lot_id="LOT-2026-01",
        source_id="PLACENTA-7",
        amount_per_unit=Decimal("1e10"),
        amount_unit="particles",
        expiry_date=date(2099, 12, 31),
        clock=clock,
    )
    return release_lot(investigator, lot=lot, released_on=clock.now().date(), clock=clock)


@pytest.fixture(autouse=True)
def patient_page(page):  # type: ignore[no-untyped-def]
    """A longer wait than Playwright's 30 s: the suite shares the machine with other suites and chromium."""
    page.set_default_timeout(60_000)
    return page


VITALS = {
    "temperature_c": "36.8",
    "pulse_per_min": "74",
    "systolic_mmhg": "118",
    "diastolic_mmhg": "76",
    "respiratory_rate_per_min": "16",
    "spo2_percent": "98",
}


@pytest.fixture
def enrol(actors, site, clock):  # type: ignore[no-untyped-def]
    """Randomized participants whose baseline forms (the first-dose preconditions) are saved."""

    def make(arm: str | None = None):  # type: ignore[no-untyped-def]
        participant = randomized(actors, site, clock, arm=arm)
        baseline_forms_saved(actors[Role.INVESTIGATOR], participant, clock)
        return participant

    return make


def fill_vitals(page, **values: str) -> None:  # type: ignore[no-untyped-def]
    for sign, value in (VITALS | values).items():
        page.fill(f"input[name=vital_{sign}]", value)


def sign_safety_check(page) -> None:  # type: ignore[no-untyped-def]
    for item in CHECK_ITEMS:
        page.check(f"input[name=item_{item}][value=normal]")
    fill_vitals(page)
    page.check("input[name=signed]")
    with page.expect_navigation():  # the page already shows an earlier signed check: wait for the new one
        page.click("[data-testid=sign-safety-check]")
    page.wait_for_selector("[data-testid=safety-check-signed]")


def now_local() -> str:
    return timezone.localtime().strftime("%Y-%m-%dT%H:%M")


def test_investigator_gives_the_first_dose_is_refused_the_next_records_a_reaction_and_sees_the_hold(
    page, live_server, enrol, released_lot, screenshot
) -> None:  # type: ignore[no-untyped-def]
    participant = enrol(arm="exosome")
    sign_in(page, live_server, "investigator")
    page.click("[data-testid=nav-lots]")
    lot_row = page.wait_for_selector("[data-testid=lot-LOT-2026-01]")
    assert "PLACENTA-7" in lot_row.inner_text() and "released" in lot_row.inner_text()
    page.goto(f"{live_server.url}/participants/{participant.study_code}/dosing/")

    assert page.get_attribute("[data-testid=step-step_1]", "data-state") == "next"
    assert "0.1 unit" in page.inner_text("[data-testid=step-step_1]")
    assert page.get_attribute("[data-testid=gate]", "data-allowed") == "no"
    assert page.is_visible("[data-testid=reason-safety_check_missing]")

    sign_safety_check(page)
    assert page.get_attribute("[data-testid=gate]", "data-allowed") == "yes"
    assert page.input_value("select[name=step_id]") == "step_1"
    assert page.input_value("input[name=amount_given]") == "0.1"
    assert page.input_value("select[name=lot_id]") == "LOT-2026-01"
    page.click("[data-testid=give-dose]")
    page.wait_for_selector("[data-testid=dose-row]")
    assert "LOT-2026-01" in page.inner_text("[data-testid=doses]")
    assert page.get_attribute("[data-testid=step-step_1]", "data-state") == "done"
    assert page.get_attribute("[data-testid=step-step_2]", "data-state") == "next"
    assert page.is_visible("[data-testid=reason-observation_period]")
    screenshot("after-first-dose")

    # The next dose, too early: the gate refuses it and says why and from when.
    sign_safety_check(page)
    assert page.input_value("select[name=step_id]") == "step_2"
    page.click("[data-testid=give-dose]")
    refusal = page.wait_for_selector("[data-testid=dose-refused]")
    text = refusal.inner_text()
    assert "48-hour observation" in text
    assert page.is_visible("[data-testid=refused-observation_period] [data-testid=refused-allowed-from]")
    assert page.is_visible("[data-testid=refused-earliest]")
    assert Administration.objects.filter(participant=participant).count() == 1
    screenshot("next-dose-refused")

    # An infusion reaction: reported on the adverse-event form (CTCAE texts shown for the chosen term).
    page.click("[data-testid=treatment-tabs] >> text=Adverse events")
    page.select_option("[data-testid=ae-term]", "infusion_related_reaction")
    page.wait_for_selector("[data-testid=grades-swapped][data-term=infusion_related_reaction]")
    assert "Mild transient reaction" in page.inner_text("[data-testid=grade-descriptions]")
    page.fill("input[name=onset_at]", now_local())
    page.check("[data-testid=grade-1]")
    page.select_option("select[name=relationship_to_product]", "probable")
    page.select_option("select[name=relationship_to_conventional_therapy]", "not_related")
    page.select_option("select[name=action_taken]", "infusion_interrupted")
    page.select_option("select[name=expectedness]", "expected")
    page.select_option("select[name=outcome]", "recovering")
    page.check("input[name=seriousness][value=not_serious]")
    page.click("[data-testid=save-ae]")
    page.wait_for_selector("[data-testid=ae-row]")
    assert AdverseEvent.objects.get(participant=participant).term == "infusion_related_reaction"

    page.click("[data-testid=treatment-tabs] >> text=Dosing")
    hold = page.wait_for_selector("[data-testid=reason-adverse_event_hold]")
    assert "Infusion related reaction" in hold.inner_text()
    assert page.get_attribute("[data-testid=gate]", "data-allowed") == "no"
    screenshot("hold")

    page.click("[data-testid=nav-safety]")
    open_events = page.wait_for_selector("[data-testid=open-events]")
    assert f"{participant.study_code}-AE1" in open_events.inner_text()
    screenshot("safety")


def test_control_participant_has_no_study_treatment_visits_from_randomization_and_an_adverse_event(
    page, live_server, enrol, screenshot
) -> None:  # type: ignore[no-untyped-def]
    participant = enrol(arm="control")
    randomized_on = timezone.localtime(participant.allocation.allocated_at).date()
    sign_in(page, live_server, "investigator")
    page.wait_for_selector("[data-testid=nav-safety]")
    page.goto(f"{live_server.url}/participants/{participant.study_code}/dosing/")
    assert page.is_visible("[data-testid=no-study-treatment]")
    assert page.locator("[data-testid=administration-form]").count() == 0

    page.click("[data-testid=treatment-tabs] >> text=Visits")
    page.wait_for_selector("[data-testid=calendar]")
    assert randomized_on.isoformat() in page.inner_text("[data-testid=randomized-on]")
    assert randomized_on.isoformat() in page.inner_text("[data-testid=visit-baseline-1]")
    assert page.locator("[data-testid^=visit-assessment_w]").count() == 3
    assert page.is_visible("[data-testid=visit-end_of_study-1]")
    screenshot("control-visits")

    page.click("[data-testid=treatment-tabs] >> text=Adverse events")
    page.select_option("[data-testid=ae-term]", "hypoglycemia")
    page.wait_for_selector("[data-testid=grades-swapped][data-term=hypoglycemia]")
    assert "<LLN - 55 mg/dL" in page.inner_text("[data-testid=grade-descriptions]")
    # A glucose value typed on the form suggests the CTCAE grade; the investigator confirms it.
    page.select_option("select[name=lab_test]", "glucose")
    page.fill("input[name=lab_lln]", "70")
    page.fill("input[name=lab_uln]", "100")
    page.fill("input[name=lab_value]", "45")
    page.press("input[name=lab_value]", "Tab")
    suggested = page.wait_for_selector("[data-testid=suggested-grade]")
    assert (
        suggested.get_attribute("data-grade") == "2"
        and suggested.get_attribute("data-term") == "hypoglycemia"
    )

    page.fill("input[name=onset_at]", now_local())
    page.check("[data-testid=grade-2]")
    page.select_option("select[name=relationship_to_product]", "not_related")
    page.select_option("select[name=relationship_to_conventional_therapy]", "possible")
    page.select_option("select[name=action_taken]", "not_applicable")
    page.select_option("select[name=expectedness]", "unexpected")
    page.select_option("select[name=outcome]", "not_recovered")
    page.check("input[name=seriousness][value=not_serious]")
    page.click("[data-testid=save-ae]")
    row = page.wait_for_selector("[data-testid=ae-row]")
    assert "Hypoglycemia" in row.inner_text()
    screenshot("control-adverse-event")


def test_dosing_page_in_persian_is_right_to_left(page, live_server, enrol, released_lot, screenshot) -> None:  # type: ignore[no-untyped-def]
    participant = enrol(arm="exosome")
    sign_in(page, live_server, "investigator")
    page.wait_for_selector("[data-testid=language]")
    page.goto(f"{live_server.url}/participants/{participant.study_code}/dosing/")
    page.select_option("[data-testid=language]", "fa")
    page.wait_for_selector("html[dir=rtl]")
    assert page.url.endswith(f"/participants/{participant.study_code}/dosing/")
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    assert "نردبان افزایش دوز" in page.inner_text("main")
    assert page.is_visible("[data-testid=reason-safety_check_missing]")
    screenshot("persian-dosing")
