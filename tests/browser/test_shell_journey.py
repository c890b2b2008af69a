from __future__ import annotations

import re

import jdatetime
import pytest
from django.utils import timezone

from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server.url}/signin/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


def test_sign_in_switch_to_persian_and_see_rtl_page_with_jalali_date(
    page, live_server, actors, screenshot
) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, live_server, "monitor")
    page.wait_for_selector("[data-testid=today]")
    assert page.get_attribute("html", "dir") == "ltr"

    page.select_option("[data-testid=language]", "fa")
    page.wait_for_selector("html[dir=rtl]")
    page.select_option("[data-testid=calendar]", "jalali")
    page.wait_for_load_state("networkidle")

    assert page.get_attribute("html", "lang") == "fa"
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    expected = jdatetime.date.fromgregorian(date=timezone.localdate()).strftime("%Y/%m/%d")
    persian_digits = expected.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    assert page.inner_text("[data-testid=today]").strip() == persian_digits
    assert re.search("داشبورد", page.content())
    screenshot("persian-dashboard")
