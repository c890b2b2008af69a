"""Issue 11: out-of-range vital signs are refused at the pre-dose safety check, corrected, and the dose given —
in English and in Persian."""

from __future__ import annotations

import pytest

from tests.browser.test_casebook_journey import assert_language, sign_in
from tests.browser.test_treatment_journey import CHECK_ITEMS, enrol, fill_vitals, released_lot  # noqa: F401
from trialdesk.records.treatment.models import Administration, SafetyCheck

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORDS = {
    "en": {"outside": "is outside the acceptable range", "yes": "may be given now"},
    "fa": {"outside": "is outside the acceptable range", "yes": "اکنون"},
}


def _answer(page, finding: str) -> None:  # type: ignore[no-untyped-def]
    for item in CHECK_ITEMS:
        page.check(f"input[name=item_{item}][value={finding if item == 'vital_signs' else 'normal'}]")
    page.check("input[name=signed]")


@pytest.mark.parametrize("language", ["en", "fa"])
def test_out_of_range_vitals_are_refused_then_corrected_and_the_dose_given(
    page,
    live_server,
    enrol,  # noqa: F811 (the imported fixture)
    released_lot,  # noqa: F811 (the imported fixture)
    screenshot,
    language,
) -> None:  # type: ignore[no-untyped-def]
    page.set_default_timeout(60_000)
    participant = enrol(arm="exosome")
    sign_in(page, live_server, "investigator", language)
    page.goto(f"{live_server.url}/participants/{participant.study_code}/dosing/")
    assert_language(page, language)
    assert "35.5-37.9 °C" in page.inner_text("[data-testid=range-vital_temperature_c]")

    # The febrile, tachycardic, hypotensive patient of the issue, attested "normal": the form refuses it.
    fill_vitals(page, temperature_c="39.5", pulse_per_min="128", systolic_mmhg="85", diastolic_mmhg="50")
    _answer(page, "normal")
    page.click("[data-testid=sign-safety-check]")
    errors = page.wait_for_selector("[data-testid=safety-check-form] [data-testid=form-errors]")
    assert "39.5 °C" in errors.inner_text() and "35.5-37.9 °C" in errors.inner_text()
    assert SafetyCheck.objects.count() == 0
    screenshot(f"vitals-refused-{language}")

    # Answered honestly "abnormal": the check is recorded and the gate names each value outside its range.
    fill_vitals(page, temperature_c="39.5", pulse_per_min="128", systolic_mmhg="85", diastolic_mmhg="50")
    _answer(page, "abnormal")
    with page.expect_navigation():
        page.click("[data-testid=sign-safety-check]")
    assert page.get_attribute("[data-testid=gate]", "data-allowed") == "no"
    reasons = page.inner_text("[data-testid=gate-reasons]")
    assert "39.5 °C" in reasons and "128 /min" in reasons and "85 mmHg" in reasons
    # each reason in the page's language: the vital sign named by its label there
    assert ("Temperature 39.5 °C" in reasons) == (language == "en")
    assert ("دمای بدن برابر 39.5 °C" in reasons) == (language == "fa")
    screenshot(f"gate-refuses-{language}")

    # The values are measured again after antipyretics and fluids: within range, attested normal, dose given.
    fill_vitals(page)
    _answer(page, "normal")
    with page.expect_navigation():
        page.click("[data-testid=sign-safety-check]")
    assert page.get_attribute("[data-testid=gate]", "data-allowed") == "yes"
    page.click("[data-testid=give-dose]")
    page.wait_for_selector("[data-testid=dose-row]")
    assert Administration.objects.filter(participant=participant).count() == 1
    screenshot(f"dose-given-{language}")
