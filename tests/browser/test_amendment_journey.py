"""One journey: the administrator uploads an amendment, the ethics committee approves it, the administrator
activates it, and the investigator records a participant's re-consent on the new document."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.amended_seed import NEW_CONSENT, amend, seed_data, write
from tests.conftest import PASSWORD
from tests.factories import randomized

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _as(browser, live_server, username: str):  # type: ignore[no-untyped-def]
    page = browser.new_context(locale="en-US").new_page()
    page.goto(f"{live_server.url}/signin/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("nav")
    return page


def test_upload_approve_activate_and_re_consent(  # type: ignore[no-untyped-def]
    browser, live_server, actors, site, clock, tmp_path: Path
) -> None:
    participant = randomized(actors, site, clock)
    amendment = write(amend(seed_data()), tmp_path / "protocol-1.2.0.yaml")

    admin = _as(browser, live_server, "administrator")
    admin.click("[data-testid=nav-versions]")
    admin.click("[data-testid=upload-link]")
    admin.set_input_files("input[name=protocol_file]", str(amendment))
    admin.click("[data-testid=upload-submit]")
    admin.wait_for_selector("[data-testid=changes]")
    assert "Criterion added (exclusion): Active tuberculosis" in admin.inner_text("[data-testid=changes]")
    version_url = admin.url

    committee = _as(browser, live_server, "ethics_committee")
    committee.goto(version_url)
    committee.fill("input[name=reference]", "IR.KUMS.REC.1405.012")
    committee.click("[data-testid=approval-submit]")
    committee.wait_for_selector("[data-testid=approval]")
    assert committee.inner_text("[data-testid=approval]") == "IR.KUMS.REC.1405.012"

    admin.goto(version_url)
    admin.click("[data-testid=activation-submit]")
    admin.wait_for_selector("[data-testid=effective-from]")
    assert admin.inner_text("[data-testid=version-state]").strip() == "active"

    investigator = _as(browser, live_server, "investigator")
    investigator.click("[data-testid=nav-reconsent]")
    row = f"[data-testid=reconsent-{participant.study_code}]"
    assert NEW_CONSENT in investigator.inner_text(row)
    investigator.click(f"{row} a")
    investigator.select_option("select[name=document_version]", NEW_CONSENT)
    investigator.click("[data-testid=consent-submit]")
    investigator.wait_for_url(f"**/participants/{participant.study_code}/**")
    investigator.click("[data-testid=nav-reconsent]")
    assert "Nobody needs to re-consent." in investigator.inner_text("[data-testid=reconsent-list]")
