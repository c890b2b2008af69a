"""On a 390×844 phone no main page scrolls sideways (wide tables scroll inside themselves), the menu folds
behind a button; and axe-core (vendored in tests/browser/vendor, never fetched) finds no WCAG 2 A/AA violation
on the main pages, in English and in Persian. The amendment pages (history, a difference with the committee's
approval form, the re-consent list) are checked on the phone in Persian, where their text is longest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.amended_seed import amend, run_amendment, seed_data, upload_bytes
from tests.browser.conftest import ARTIFACTS
from tests.conftest import PASSWORD
from tests.factories import baseline_forms_saved, randomized
from trialdesk.core.roles import Role
from trialdesk.services.amendments import propose_amendment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
PHONE = {"width": 390, "height": 844}


def _pages(code: str) -> list[str]:
    p = f"/participants/{code}"
    return [
        "/",
        "/participants/",
        f"{p}/",
        f"{p}/screening/",
        f"{p}/consent/",
        f"{p}/dosing/",
        f"{p}/visits/",
        f"{p}/adverse-events/",
        f"{p}/forms/",
        f"{p}/forms/baseline/1/vital_signs/",
        f"{p}/forms/baseline/1/lab_panel/",
        "/queries/",
        "/lots/",
        "/safety/",
        "/visits/overdue/",
        "/randomization/",
    ]


def _sign_in(page, live_server, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server.url}/signin/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=today]")


@pytest.fixture
def exosome_participant(actors, enrol, clock) -> str:  # type: ignore[no-untyped-def]
    participant = enrol(arm="exosome")
    baseline_forms_saved(actors[Role.INVESTIGATOR], participant, clock)
    return str(participant.study_code)


WIDEST = """() => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > innerWidth + 1 && !e.closest('table, .table-scroll'))
  .slice(-3).map(e => e.tagName + '.' + e.className + '#' + e.id + ' ' + Math.round(e.getBoundingClientRect().right))"""


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"phone-{name}.png"), full_page=True)


def test_no_main_page_scrolls_sideways_on_a_phone(browser, live_server, exosome_participant) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=PHONE, locale="en-US")
    page = context.new_page()
    page.goto(f"{live_server.url}/signin/")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    _sign_in(page, live_server, "investigator")
    assert not page.is_visible("nav#menu a"), "the menu folds behind its button on a phone"
    page.click("label.menu-button")
    assert page.is_visible("nav#menu a")
    too_wide = {}
    for path in _pages(exosome_participant) + ["/exports/", "/results/"]:
        page.goto(f"{live_server.url}{path}")
        width = page.evaluate("document.scrollingElement.scrollWidth")
        if width > PHONE["width"]:
            too_wide[path] = (width, page.evaluate(WIDEST))
            _shot(page, "too-wide-" + path.strip("/").replace("/", "-"))
    page.goto(f"{live_server.url}/participants/{exosome_participant}/dosing/")
    _shot(page, "dosing")
    context.close()
    assert too_wide == {}


def _axe_violations(page) -> list[dict]:  # type: ignore[no-untyped-def]
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "async () => (await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']}})).violations"
        ".map(v => ({id: v.id, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"
    )
    return list(result)


def test_axe_finds_no_accessibility_violation_on_the_main_pages(
    browser, live_server, exosome_participant
) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    page.goto(f"{live_server.url}/signin/")
    found = {"/signin/": _axe_violations(page)}
    _sign_in(page, live_server, "investigator")
    for path in _pages(exosome_participant):
        page.goto(f"{live_server.url}{path}")
        found[path] = _axe_violations(page)
    page.select_option("[data-testid=language]", "fa")
    page.wait_for_selector("html[dir=rtl]")
    for path in ("/", f"/participants/{exosome_participant}/dosing/"):
        page.goto(f"{live_server.url}{path}")
        found[f"fa {path}"] = _axe_violations(page)
    context.close()
    problems = {path: v for path, v in found.items() if v}
    assert problems == {}, json.dumps(problems, indent=1)


def _second_amendment() -> dict:  # type: ignore[type-arg]
    """A further amendment, left proposed: its difference page shows the committee's approval form."""
    data = amend(seed_data())
    data["version"] = "1.3.0"
    data["criteria"].append(
        {
            "id": "planned_pregnancy",
            "kind": "exclusion",
            "text": {"en": "Pregnancy planned during the study", "fa": "برنامه‌ی بارداری در دوره‌ی مطالعه"},
        }
    )
    return data


def _persian_phone(browser, live_server, username: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=PHONE, locale="fa-IR")
    page = context.new_page()
    _sign_in(page, live_server, username)
    page.select_option("[data-testid=language]", "fa")
    page.wait_for_selector("html[dir=rtl]")
    return context, page


def test_amendment_pages_fit_a_phone_in_persian(browser, live_server, actors, site, clock) -> None:  # type: ignore[no-untyped-def]
    participant = randomized(actors, site, clock)
    in_force = run_amendment(actors, site.study, clock)
    proposed = propose_amendment(
        actors[Role.ADMINISTRATOR],
        study=site.study,
        raw=upload_bytes(_second_amendment()),
        filename="v1.3.yaml",
        clock=clock,
    )
    pages = {
        "investigator": ["/protocol/versions/", f"/protocol/versions/{in_force.pk}/", "/protocol/reconsent/"],
        "ethics_committee": [f"/protocol/versions/{proposed.pk}/"],
    }
    too_wide, violations = {}, {}
    for username, paths in pages.items():
        context, page = _persian_phone(browser, live_server, username)
        for path in paths:
            page.goto(f"{live_server.url}{path}")
            assert page.evaluate("document.documentElement.dir") == "rtl"
            width = page.evaluate("document.scrollingElement.scrollWidth")
            if width > PHONE["width"]:
                too_wide[path] = (width, page.evaluate(WIDEST))
            if found := _axe_violations(page):
                violations[path] = found
            if path == "/protocol/reconsent/":
                assert participant.study_code in page.inner_text("main")
            if path == f"/protocol/versions/{proposed.pk}/":
                assert "برنامه‌ی بارداری در دوره‌ی مطالعه" in page.inner_text("[data-testid=changes]")
                assert "Compared with" not in page.inner_text("main")
            _shot(
                page,
                "fa-amendment-"
                + ("difference" if path.endswith(f"/{proposed.pk}/") else path.strip("/").replace("/", "-")),
            )
        context.close()
    assert too_wide == {}
    assert violations == {}, json.dumps(violations, indent=1, ensure_ascii=False)
