"""Issue 15: a form saved half-done, left, reopened later (in Persian) and completed; SLEDAI-2K's "none of
the below" answers a block of descriptors in one click."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.browser.test_casebook_journey import assert_language, sign_in
from trialdesk.records.casebook.models import FormRecord
from trialdesk.records.models import Participant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _none_below(page, first: str) -> None:  # type: ignore[no-untyped-def]
    page.click(f"[data-testid=none-below-{first}]")
    page.wait_for_selector(f"[data-testid=f-{first}-no]:checked")


def test_a_half_saved_form_is_reopened_in_persian_and_completed(
    page, live_server, enrol: Callable[..., Participant], screenshot
) -> None:  # type: ignore[no-untyped-def]
    page.set_default_timeout(60_000)
    code = enrol().study_code
    sign_in(page, live_server, "rheumatologist", "en")
    page.goto(f"{live_server.url}/participants/{code}/forms/")
    page.click("[data-testid=open-baseline-1-sledai_2k]")
    page.wait_for_selector("[data-testid=casebook-form]")
    page.fill("[data-testid=f-pga]", "1.5")
    page.check("[data-testid=f-psychosis-yes]")
    _none_below(page, "seizure")  # the weight-8 block: every unanswered one absent, psychosis kept
    assert page.is_checked("[data-testid=f-psychosis-yes]") and page.is_checked(
        "[data-testid=f-vasculitis-no]"
    )
    assert not page.is_checked("[data-testid=f-arthritis-no]")
    with page.expect_navigation():
        page.click("[data-testid=save-incomplete]")
    assert "Incomplete" in page.inner_text("[data-testid=status]")
    assert FormRecord.objects.get(form_id="sledai_2k").status == "incomplete"
    screenshot("saved-incomplete")

    page.goto(f"{live_server.url}/")  # left for another task; the language is switched meanwhile
    page.select_option("[data-testid=language]", "fa")
    page.wait_for_selector("html[dir=rtl]")
    page.goto(f"{live_server.url}/participants/{code}/forms/")
    assert_language(page, "fa")
    page.click("[data-testid=open-baseline-1-sledai_2k]")
    page.wait_for_selector("[data-testid=casebook-form]")
    assert "ناقص" in page.inner_text("[data-testid=status]")
    assert page.input_value("[data-testid=f-pga]") == "1.5" and page.is_checked("[data-testid=f-seizure-no]")

    with page.expect_navigation():
        page.click("[data-testid=save-form]")  # marking complete now asks for the remaining descriptors
    problems = page.inner_text("[data-testid=save-problems]")
    assert "آرتریت" in problems and "arthritis" not in problems
    screenshot("complete-refused-fa")
    for first in ("arthritis", "rash", "fever"):
        _none_below(page, first)
    with page.expect_navigation():
        page.click("[data-testid=save-form]")
    assert "ناقص" not in page.inner_text("[data-testid=status]")
    record = FormRecord.objects.get(form_id="sledai_2k")
    assert record.status == "complete"
    assert str(record.items.get(path="sledai_total").value) == "8"  # psychosis only
    screenshot("completed-fa")

    page.emulate_media(media="print")  # the print stylesheet: the form alone, no menu, buttons or bubbles
    assert page.is_hidden("header.top") and page.is_hidden("[data-testid=save-form]")
    assert page.is_hidden("[data-testid=none-below-seizure]") and page.is_visible("[data-testid=item-pga]")
    screenshot("print-fa")
