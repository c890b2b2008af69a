"""Browser journey of issue 3: the epidemiologist makes the list; a participant is screened (one failure, one
pass), consents with a drawn signature and is randomized; the arm is shown; the epidemiologist sees the list
and an investigator is refused it (403). Runs on the live server's real clock (dates default to today)."""

from __future__ import annotations

import pytest

from tests.browser.test_shell_journey import sign_in
from trialdesk.records.models import Allocation, ConsentRecord, Participant
from trialdesk.services.studies import protocol_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_out(page) -> None:  # type: ignore[no-untyped-def]
    page.click("form.signout button[type=submit]")
    page.wait_for_selector("input[name=username]")


def answer_checklist(page, criteria, failing: str | None) -> None:  # type: ignore[no-untyped-def]
    """Meet every inclusion (the first of each group), no exclusion; `failing` is an exclusion that applies."""
    groups_done: set[str] = set()
    for c in criteria:
        if c.kind == "exclusion":
            value = "yes" if c.id == failing else "no"
        elif c.group is None or c.group not in groups_done:
            value = "yes"
            if c.group:
                groups_done.add(c.group)
        else:
            value = "no"
        page.check(f"input[name=answer_{c.id}][value={value}]")
    page.click("[data-testid=screening-submit]")
    page.wait_for_load_state("networkidle")


def draw_signature(page) -> None:  # type: ignore[no-untyped-def]
    # The pad listens once its deferred script has run; strokes drawn earlier were lost on a loaded machine.
    page.wait_for_selector("[data-signature-pad][data-signature-ready]", state="attached")
    canvas = page.locator("[data-testid=signature-canvas]")
    canvas.scroll_into_view_if_needed()  # mouse coordinates are within the viewport
    box = canvas.bounding_box()
    x, y = box["x"], box["y"]
    page.mouse.move(x + 20, y + 100)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(x + 20 + step * 25, y + 100 - (step % 3) * 30)
    page.mouse.up()


def test_screen_fail_then_pass_consent_randomize_and_the_list_is_the_epidemiologists_alone(
    page, live_server, actors, site, study, screenshot
) -> None:  # type: ignore[no-untyped-def]
    # The epidemiologist makes the list; the commitment is shown.
    sign_in(page, live_server, "epidemiologist")
    page.click("[data-testid=nav-randomization]")
    page.click("[data-testid=generate-link]")
    page.click("[data-testid=generate-submit]")
    page.wait_for_selector("[data-testid=list-slots]")
    assert page.locator("[data-testid=slot]").count() == 20
    sign_out(page)

    # The rheumatologist registers and screens: first an exclusion applies, then every criterion is met.
    sign_in(page, live_server, "rheumatologist")
    page.click("[data-testid=nav-register]")
    page.fill("input[name=full_name]", "Zahra Test")
    page.select_option("select[name=sex]", "female")
    page.fill("input[name=year_of_birth]", "1991")
    page.click("[data-testid=register-submit]")
    page.wait_for_selector("[data-testid=not-randomized]")
    code = Participant.objects.get().study_code
    assert "arm" not in page.inner_text("[data-testid=allocation-section]").lower().replace(
        "not randomized", ""
    )
    criteria = protocol_of(study.current_protocol()).criteria
    exclusion = next(c.id for c in criteria if c.kind == "exclusion")
    page.click("[data-testid=screening-link]")
    answer_checklist(page, criteria, failing=exclusion)
    assert page.inner_text("[data-testid=participant-status]").strip() == "screen failed"
    # the page shows the recorded result, not a blank checklist; screening again is a deliberate step
    assert "not eligible" in page.inner_text("[data-testid=screening-result]")
    page.click("[data-testid=screen-again]")
    answer_checklist(page, criteria, failing=None)
    assert page.inner_text("[data-testid=participant-status]").strip() == "eligible"
    decisions = [d.strip() for d in page.locator("[data-testid=screening-decision]").all_inner_texts()]
    assert decisions == ["not eligible", "eligible"]
    screenshot("screening-history")

    # Consent with a drawn signature.
    page.click("[data-testid=participant-link]")
    page.click("[data-testid=consent-link]")
    draw_signature(page)
    page.click("[data-testid=consent-submit]")
    page.wait_for_selector("[data-testid=signature-image]")
    assert ConsentRecord.objects.get().signature_png.startswith("data:image/png;base64,")

    # Randomize with confirmation; the arm is shown afterwards.
    page.click("[data-testid=randomize-link]")
    page.check("input[name=confirm]")
    page.click("[data-testid=randomize-confirm]")
    page.wait_for_selector("[data-testid=allocated-arm]")
    arm = page.inner_text("[data-testid=allocated-arm]").strip()
    assert arm == {"exosome": "Exosome", "control": "Control"}[Allocation.objects.get().arm]
    screenshot("randomized")
    sign_out(page)

    # An investigator is refused the list; the epidemiologist sees it with the allocation in slot 1.
    sign_in(page, live_server, "investigator")
    page.wait_for_selector("[data-testid=today]")
    response = page.goto(f"{live_server.url}/randomization/list/")
    assert response is not None and response.status == 403
    assert "may not view list" in page.inner_text("main")
    sign_out(page)
    sign_in(page, live_server, "epidemiologist")
    page.goto(f"{live_server.url}/randomization/list/")
    first = page.locator("[data-testid=slot]").first
    assert code in first.inner_text()
    screenshot("epidemiologist-list")
