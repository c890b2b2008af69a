"""With the Jalali calendar chosen, a date is entered as a Jalali day, month and year and stored Gregorian."""

from __future__ import annotations

from datetime import date, timedelta

import jdatetime
import pytest

from tests.conftest import PASSWORD
from tests.factories import all_met
from trialdesk.core.roles import Role
from trialdesk.records.models import ConsentRecord
from trialdesk.services.participants import IdentityDetails, register_for_screening
from trialdesk.services.screening import screen

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_page_converts_jalali_dates_as_jdatetime_does(page, live_server, actors) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server.url}/signin/")
    days = [
        date(1990, 1, 1) + timedelta(days=n * 97) for n in range(160)
    ]  # 1990-2032, every month and leap year
    pairs = page.evaluate(
        "days => days.map(d => { const [y, m, x] = d.split('-').map(Number);"
        " const j = window.trialdeskJalali.toJalali(y, m, x); return [j, window.trialdeskJalali.toGregorian(...j)]; })",
        [d.isoformat() for d in days],
    )
    for day, (jalali, back) in zip(days, pairs, strict=True):
        expected = jdatetime.date.fromgregorian(date=day)
        assert jalali == [expected.year, expected.month, expected.day], day
        assert back == [day.year, day.month, day.day], day


def test_consent_date_entered_in_jalali_is_stored_gregorian(
    page, live_server, actors, site, clock, screenshot
) -> None:  # type: ignore[no-untyped-def]
    doctor = actors[Role.RHEUMATOLOGIST]
    participant = register_for_screening(
        doctor,
        site=site,
        identity=IdentityDetails(full_name="J"),
        sex="female",
        year_of_birth=1990,
        clock=clock,
    )
    screen(
        doctor,
        participant=participant,
        answers=all_met(participant),
        screened_on=clock.now().date(),
        clock=clock,
    )
    page.goto(f"{live_server.url}/signin/")
    page.fill("input[name=username]", "rheumatologist")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=today]")
    page.select_option("[data-testid=language]", "fa")
    page.wait_for_selector("html[dir=rtl]")
    page.select_option("[data-testid=calendar]", "jalali")
    page.wait_for_selector("body[data-calendar=jalali]")

    page.goto(f"{live_server.url}/participants/{participant.study_code}/consent/")
    assert page.get_attribute("input[name=consented_on]", "type") == "hidden"
    consented = date(2026, 1, 8)
    jalali = jdatetime.date.fromgregorian(date=consented)  # 1404/10/18
    page.select_option("[data-testid$=jalali-year]", str(jalali.year))
    page.select_option("[data-testid$=jalali-month]", str(jalali.month))
    page.select_option("[data-testid$=jalali-day]", str(jalali.day))
    assert page.input_value("input[name=consented_on]") == consented.isoformat()
    screenshot("jalali-consent-date")
    page.click("[data-testid=consent-submit]")
    page.wait_for_load_state("networkidle")
    assert ConsentRecord.objects.get(participant=participant).consented_on == consented
