"""The case report form journey in the browser, in English and in Persian: the rheumatologist fills
SLEDAI-2K and the lab panel (glucose in mmol/L, a soft-limit warning confirmed with a reason), the monitor
raises a query, the rheumatologist answers it, the monitor closes it and marks the form source-verified."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from trialdesk.records.models import Participant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SLEDAI_PRESENT = ("arthritis", "low_complement")
LABELS = {
    "en": {"lab_title": "Laboratory panel", "glucose": "Glucose", "sledai": "SLEDAI-2K total"},
    "fa": {"lab_title": "پنل آزمایشگاهی", "glucose": "قند خون", "sledai": "امتیاز کل SLEDAI-2K"},
}


def sign_in(page, live_server, username: str, language: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server.url}/signin/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=language]")
    if language == "fa" and page.get_attribute("html", "dir") != "rtl":
        page.select_option("[data-testid=language]", "fa")
        page.wait_for_selector("html[dir=rtl]")


def sign_out(page) -> None:  # type: ignore[no-untyped-def]
    page.click("form.signout button[type=submit]")
    page.wait_for_url(re.compile(r".*/signin/.*|.*/$"))


def assert_language(page, language: str) -> None:  # type: ignore[no-untyped-def]
    assert page.get_attribute("html", "dir") == ("rtl" if language == "fa" else "ltr")
    if language == "fa":
        assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"


def fill_sledai(page, live_server, code: str, language: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server.url}/participants/{code}/forms/")
    page.click("[data-testid=open-baseline-1-sledai_2k]")
    page.wait_for_selector("[data-testid=casebook-form]")
    assert_language(page, language)
    assert LABELS[language]["sledai"] in page.inner_text("[data-testid=item-sledai_total]")
    page.fill("[data-testid=f-pga]", "1.5")
    for radio in page.locator("input[type=radio][value=no]").all():
        radio.check()
    for descriptor in SLEDAI_PRESENT:
        page.check(f"[data-testid=f-{descriptor}-yes]")
    # calculated as you type: 4 (arthritis) + 2 (low complement)
    # (a string predicate would need eval, which the Content-Security-Policy rightly forbids)
    expect(page.locator("[data-testid=calc-sledai_total]")).to_have_text("6", use_inner_text=True)
    page.click("[data-testid=save-form]")
    page.wait_for_selector("[data-testid=status].status-saved")
    assert page.inner_text("[data-testid=calc-sledai_total]").strip() == "6"


def fill_lab_panel(page, live_server, code: str, language: str, screenshot) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server.url}/participants/{code}/forms/")
    page.click("[data-testid=open-baseline-1-lab_panel]")
    page.wait_for_selector("[data-testid=casebook-form]")
    assert_language(page, language)
    assert page.inner_text("[data-testid=form-title]").strip() == LABELS[language]["lab_title"]
    assert LABELS[language]["glucose"] in page.inner_text("[data-testid=item-glucose]")
    page.fill("[data-testid=f-sample_date]", "2026-01-10")
    page.check("[data-testid=f-fasting-yes]")
    page.select_option("[data-testid=f-ana_titre]", "1:160")
    page.wait_for_selector("[data-testid=f-ana_pattern]", state="visible")  # branching: shown once positive
    page.select_option("[data-testid=f-ana_pattern]", "homogeneous")
    page.fill("[data-testid=f-c3]", "60")
    page.fill("[data-testid=f-c4]", "8")
    page.select_option("[data-testid=f-glucose-unit]", "mmol/L")
    page.fill("[data-testid=f-glucose]", "30")  # checked as typed (debounced), no need to leave the field
    warning = page.wait_for_selector("[data-testid=warning-glucose]")
    assert "27.75 mmol/L" in warning.inner_text()
    assert "540.48 mg/dL" in page.inner_text("[data-testid=std-glucose]")
    screenshot(f"soft-limit-{language}")
    page.fill("[data-testid=confirm-glucose]", "Repeat sample, result confirmed by the laboratory")
    page.click("[data-testid=save-form]")
    page.wait_for_selector("[data-testid=status].status-saved")
    assert "540.48 mg/dL" in page.inner_text("[data-testid=std-glucose]")
    assert page.inner_text("[data-testid=flag-glucose]").strip() == "H"
    assert page.input_value("[data-testid=f-glucose]") == "30"
    assert page.input_value("[data-testid=f-glucose-unit]") == "mmol/L"


@pytest.mark.parametrize("language", ["en", "fa"])
def test_forms_query_and_verification_journey(
    page, live_server, enrol: Callable[..., Participant], screenshot, language: str
) -> None:  # type: ignore[no-untyped-def]
    code = enrol().study_code
    form_url = f"{live_server.url}/participants/{code}/forms/baseline/1/lab_panel/"

    sign_in(page, live_server, "rheumatologist", language)
    fill_sledai(page, live_server, code, language)
    fill_lab_panel(page, live_server, code, language, screenshot)
    sign_out(page)

    sign_in(page, live_server, "monitor", language)
    page.goto(form_url)
    page.select_option("[data-testid=query-item]", "c4")
    page.fill("[data-testid=query-text]", "C4 of 8 mg/dL: please check against the laboratory report")
    page.click("[data-testid=raise-query]")
    page.wait_for_selector("[data-testid=query-badge-c4]")
    sign_out(page)

    sign_in(page, live_server, "rheumatologist", language)
    page.click("[data-testid=nav-queries]")
    answer = page.wait_for_selector("textarea[data-testid^=answer-text-]")
    query_id = (answer.get_attribute("data-testid") or "").rsplit("-", 1)[-1]
    answer.fill("Checked: the report says 8 mg/dL")
    page.click(f"[data-testid=answer-{query_id}]")
    page.wait_for_selector(f"[data-testid=answer-{query_id}]", state="detached")
    sign_out(page)

    sign_in(page, live_server, "monitor", language)
    page.click("[data-testid=nav-queries]")
    page.click(f"[data-testid=close-{query_id}]")
    page.wait_for_selector(f"[data-testid=close-{query_id}]", state="detached")
    page.goto(f"{live_server.url}/queries/?show=all")
    assert page.get_attribute(f"[data-testid=query-{query_id}]", "class") == "query-closed"
    page.goto(form_url)
    page.click("[data-testid=verify-form]")
    page.wait_for_selector("[data-testid=verified]")
    assert page.locator("[data-testid=status].status-verified").count() == 1
    assert_language(page, language)
    screenshot(f"verified-{language}")
