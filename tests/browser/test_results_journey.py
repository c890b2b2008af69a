"""Browser journey of the results (issue 13 §6): the statistician generates the results report, watches its
progress to the end, reads it, downloads the PDF and releases it; the ethics committee then reads it and the
safety report. Then the key steps again in Persian. Jobs run inline here (the immediate backend)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tests.browser.test_shell_journey import sign_in
from tests.services.results.conftest import give, investigator, lots, trial

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
__all__ = ["give", "investigator", "lots", "trial"]


@pytest.fixture(autouse=True)
def patient_page(page):  # type: ignore[no-untyped-def]
    page.set_default_timeout(90_000)  # a report is computed inline while the page waits
    page.on("dialog", lambda dialog: dialog.accept())  # the release asks for confirmation
    return page


def _generate(page, fmt: str, language: str) -> None:  # type: ignore[no-untyped-def]
    page.select_option("[data-testid=generate-format]", fmt)
    page.select_option("[data-testid=generate-language]", language)
    before = len(page.query_selector_all("#jobs-list li.job"))
    page.click("[data-testid=generate]")  # the new job's fragment goes first in the list, polled till done
    page.wait_for_selector(f"#jobs-list li.job:nth-child({before + 1})")
    done = page.wait_for_selector("#jobs-list li.job:first-child[data-status=done]")
    assert done.query_selector("progress").get_attribute("value") == "100"


def _sign_out(page) -> None:  # type: ignore[no-untyped-def]
    page.click(".signout button")
    page.wait_for_selector("input[name=username]")


def test_statistician_releases_the_results_report_and_the_committee_reads_it(
    page,
    live_server,
    trial,
    screenshot,  # type: ignore[no-untyped-def]
) -> None:
    sign_in(page, live_server, "statistician")
    page.click("[data-testid=nav-results]")
    _generate(page, "pdf", "en")
    shown_sha = page.inner_text("#jobs-list li:first-child [data-testid=job-sha256]").strip()
    with page.expect_download() as info:
        page.click("#jobs-list li:first-child [data-testid=job-download]")
    pdf = Path(info.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF") and hashlib.sha256(pdf).hexdigest() == shown_sha
    page.click("#jobs-list li:first-child [data-testid=job-open]")
    page.wait_for_selector("[data-testid=generated-report] [data-testid=consort]")
    screenshot("results-report")
    page.click("[data-testid=release]")
    page.wait_for_selector("[data-testid=released-note]")
    _sign_out(page)

    sign_in(page, live_server, "ethics_committee")
    page.click("[data-testid=nav-released-results]")
    page.click("[data-testid=job-open]")
    page.wait_for_selector("[data-testid=generated-report] [data-testid=title-block]")
    assert page.query_selector("[data-testid=release]") is None
    page.click("[data-testid=nav-safety-report]")
    page.wait_for_selector("[data-testid=enrolment]")
    assert page.query_selector("[data-testid=nav-results]") is None

    # the same key steps in Persian: the committee switches language, the statistician generates in Persian
    page.select_option("[data-testid=language]", "fa")
    page.wait_for_selector("html[dir=rtl]")
    assert "پیشرفت ثبت‌نام" in page.inner_text("[data-testid=enrolment]")
    _sign_out(page)
    sign_in(page, live_server, "statistician")
    page.select_option("[data-testid=language]", "fa")
    page.wait_for_selector("html[dir=rtl]")
    page.click("[data-testid=nav-results]")
    _generate(page, "html", "fa")
    page.click("#jobs-list li:first-child [data-testid=job-open]")
    report = page.wait_for_selector("[data-testid=generated-report][dir=rtl]")
    assert "گزارش نتایج" in report.inner_text()
    page.click("[data-testid=release]")
    page.wait_for_selector("[data-testid=released-note]")
    _sign_out(page)
    sign_in(page, live_server, "ethics_committee")
    page.click("[data-testid=nav-released-results]")
    assert page.get_attribute("html", "dir") == "rtl"
    assert len(page.query_selector_all("[data-testid=job-open]")) == 2
    page.click("li:first-child [data-testid=job-open]")
    page.wait_for_selector("[data-testid=generated-report][dir=rtl] [data-testid=consort]")
    screenshot("persian-released-report")
