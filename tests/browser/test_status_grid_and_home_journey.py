"""The monitor's day: the record status grid from the menu, a cell opened to its form, a participant found by
code, the participant home's tabs and timeline; then the same in Persian (right to left)."""

from __future__ import annotations

import pytest

from tests.browser.test_shell_journey import sign_in
from tests.services.exports.trial import build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_status_grid_and_participant_home_in_english_and_persian(
    page, live_server, actors, site, clock, screenshot
) -> None:  # type: ignore[no-untyped-def]
    exosome, _control = build(actors, site, clock).participants
    code = exosome.study_code
    sign_in(page, live_server, "monitor")
    page.click("[data-testid=nav-status-grid]")
    page.wait_for_selector("[data-testid=status-grid]")
    row = page.locator(f"[data-testid=grid-row][data-participant='{code}']")
    cell = row.locator("[data-testid=grid-cell][data-visit=baseline]")
    cell.locator("summary").click()
    link = cell.locator("[data-testid=grid-form-link]", has_text="Vital signs")
    assert link.is_visible()
    screenshot("grid-en")
    link.click()
    page.wait_for_url(f"**/participants/{code}/forms/baseline/1/vital_signs/")

    page.fill("[data-testid=participant-search-input]", code.lower())
    page.press("[data-testid=participant-search-input]", "Enter")
    page.wait_for_url(f"**/participants/{code}/")
    assert page.locator("[data-testid=tab-summary][aria-current=page]").count() == 1
    assert page.locator("[data-testid=next-step]").is_visible()
    page.click("[data-testid=tab-timeline]")
    page.wait_for_selector("[data-testid=timeline-entry][data-kind=registered]")
    assert page.locator("[data-testid=timeline-entry][data-kind=query_raised]").count() == 1
    page.click("[data-testid=tab-visits]")
    page.wait_for_selector("[data-testid=participant-tabs] [data-testid=tab-visits][aria-current=page]")
    screenshot("home-en")

    page.select_option("[data-testid=language]", "fa")
    page.wait_for_selector("html[dir=rtl]")
    page.click("[data-testid=tab-timeline]")
    page.wait_for_selector("[data-testid=timeline-entry]")
    assert "گاه‌شمار" in page.inner_text("h1")
    page.click("[data-testid=nav-status-grid]")
    page.wait_for_selector("[data-testid=status-grid]")
    assert "وضعیت پرونده‌ها" in page.inner_text("h1")
    assert page.evaluate("getComputedStyle(document.querySelector('.status-grid')).direction") == "rtl"
    page.select_option("[data-testid=grid-status]", "open_query")
    page.wait_for_url("**status=open_query**")
    assert page.locator("[data-testid=grid-row]").count() == 1
    screenshot("grid-fa")
