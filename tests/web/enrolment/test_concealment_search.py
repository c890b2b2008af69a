"""A search of every page and API response, as every role but the epidemiologist, for any unassigned slot.

Pages are enumerated from the URL resolver and API endpoints from the OpenAPI schema, so pages other areas
add later are searched too; path parameters are filled with real participant codes.

Two checks:
* Differential: the same study is rendered twice, once with the real list and once with every unassigned slot
  flipped to the other arm (the assigned slots unchanged). If any response a non-epidemiologist can get differs,
  something about an unassigned slot (its arm, a count of remaining slots per arm, ...) is inferable from it.
  The epidemiologist's list page must differ, or the check could not fail.
* Textual: a page or response about a participant who is not randomized names no arm (id or name), and
  neither does the public randomization page. Markup inside an element with `data-arms="protocol"` (a generic
  listing of the protocol's arms) is exempt.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.factories import all_met, consented
from trialdesk.core.randomization import Slot, canonical_form, commitment, parse_canonical_form
from trialdesk.core.randomization.lists import build_list
from trialdesk.core.roles import Role
from trialdesk.records.models import Participant, RandomizationList
from trialdesk.services.participants import IdentityDetails, register_for_screening
from trialdesk.services.randomization import generate, randomize
from trialdesk.services.screening import screen

NON_EPIDEMIOLOGISTS = [role for role in Role if role is not Role.EPIDEMIOLOGIST]
# PDFs print what the form pages show (searched for every role); rendering one takes about five seconds, so
# the printed forms are searched for one role that may read them and sees arms (the monitor), and the printed
# casebook only for the participant who is consented and waiting for an assignment (the one a leak would
# be about); the HTML pages are searched for every role and participant.
PDF_READER = Role.MONITOR
SKIPPED_NAMES = {
    "login",
    "logout",
    "preferences",
}  # sign-in/out and the language switch are not pages to search
TOKEN = re.compile(r"[A-Za-z0-9]{64}")  # CSRF tokens (masked anew on each render) and SHA-256 hashes
CLOCK_TIME = re.compile(
    r"\b\d{1,2}:\d{2}(?::\d{2})?\b"
)  # "generated at 16:40" on the reports: the wall clock
GENERIC = re.compile(r"<(\w+)[^>]*data-arms=\"protocol\"[^>]*>.*?</\1>", re.S)


def _routes(patterns: list, prefix: str = "") -> Iterator[tuple[str, str, dict[str, str]]]:
    """(route with <converter:name> placeholders, url name, converters) for every page outside admin and api."""
    for entry in patterns:
        if isinstance(entry, URLResolver):
            route = str(entry.pattern)
            if route.startswith(("admin/", "api/")):
                continue
            yield from _routes(entry.url_patterns, prefix + route)
        elif isinstance(entry, URLPattern) and entry.name not in SKIPPED_NAMES:
            yield prefix + str(entry.pattern), entry.name or "", {}


def _fill(route: str, codes: list[str]) -> list[str]:
    """Every concrete path: `code`-like parameters get each participant code, others a plausible id."""
    names = re.findall(r"[<{](?:\w+:)?(\w+)[>}]", route)
    if not names:
        return [route]
    paths = []
    for code in codes:
        path = route
        for name in names:
            value = code if "code" in name else "1"
            path = re.sub(r"[<{](?:\w+:)?" + name + r"[>}]", value, path)
        paths.append(path)
    return sorted(set(paths))


def _page_paths(codes: list[str]) -> list[str]:
    out: list[str] = []
    for route, _name, _ in _routes(get_resolver().url_patterns):
        out.extend("/" + path for path in _fill(route, codes))
    return sorted(set(out))


def _api_paths(client: Client, codes: list[str]) -> list[str]:
    schema = client.get("/api/openapi.json").json()
    out: list[str] = []
    for route, methods in schema["paths"].items():
        if "get" in methods:
            out.extend(_fill(route, codes))
    return sorted(set(out))


def _normalized(body: bytes) -> str:
    return CLOCK_TIME.sub("#:#", TOKEN.sub("#", body.decode("utf-8", errors="replace")))


def _snapshot(
    clients: dict[Role, Client], paths: list[str], pdf_about: str = ""
) -> dict[tuple[Role, str], tuple[int, str]]:
    """Every response, with anything a GET might write rolled back so both renderings start equal."""
    seen: dict[tuple[Role, str], tuple[int, str]] = {}
    with transaction.atomic():
        for role, client in clients.items():
            for path in paths:
                if path.endswith(".pdf") and (
                    role is not PDF_READER or "/participants/" in path and pdf_about not in path
                ):
                    continue
                response = client.get(path)
                seen[(role, path)] = (response.status_code, _normalized(response.content))
        transaction.set_rollback(True)
    return seen


def _flip_unassigned(stored: RandomizationList) -> None:
    """Give every unassigned slot the other arm (a test-only edit of the stored list, commitment renewed)."""
    core = parse_canonical_form(stored.canonical_text.encode("utf-8"))
    taken = set(stored.allocations.values_list("stratum", "slot__sequence"))
    other = {"exosome": "control", "control": "exosome"}
    slots = [
        s if (s.stratum, s.sequence) in taken else Slot(**{**s.__dict__, "arm": other[s.arm]})
        for s in core.slots
    ]
    flipped = build_list(core.design, core.strata, slots)
    for row in stored.slots.all():
        if (row.stratum, row.sequence) not in taken:
            row.arm = other[row.arm]
            row.save(update_fields=["arm"])
    stored.canonical_text = canonical_form(flipped).decode("utf-8")
    stored.commitment = commitment(flipped)
    stored.save(update_fields=["canonical_text", "commitment"])


def _study_with_some_allocations(actors, site, clock) -> tuple[RandomizationList, list[str], list[str]]:  # type: ignore[no-untyped-def]
    stored = generate(actors[Role.EPIDEMIOLOGIST], study=site.study, seed=20260110, clock=clock)
    randomized = [consented(actors, site, clock, name=f"R{i}") for i in range(3)]
    for p in randomized:
        randomize(actors[Role.INVESTIGATOR], participant=p, clock=clock)
    waiting = consented(actors, site, clock, name="W")  # eligible and consented, not randomized
    doctor = actors[Role.RHEUMATOLOGIST]
    failed = register_for_screening(
        doctor,
        site=site,
        identity=IdentityDetails(full_name="F"),
        sex="male",
        year_of_birth=1980,
        clock=clock,
    )
    answers = {**all_met(failed), "uncontrolled_hypertension": ("yes", "BP")}
    screen(doctor, participant=failed, answers=answers, screened_on=clock.now().date(), clock=clock)
    unassigned = [waiting.study_code, failed.study_code]
    assert not Participant.objects.filter(study_code__in=unassigned, allocation__isnull=False).exists()
    return stored, [randomized[0].study_code, *unassigned], unassigned


def test_no_response_to_a_non_epidemiologist_changes_when_unassigned_slots_change(
    client_for, actors, site, clock
) -> None:
    stored, codes, _ = _study_with_some_allocations(actors, site, clock)
    clients = {role: client_for(role) for role in NON_EPIDEMIOLOGISTS}
    paths = _page_paths(codes) + _api_paths(clients[Role.MONITOR], codes)
    assert reverse("enrolment:participant", args=[codes[1]]) in paths  # the resolver walk found the pages
    assert f"/api/participants/{codes[1]}" in paths
    epidemiologist = {Role.EPIDEMIOLOGIST: client_for(Role.EPIDEMIOLOGIST)}
    list_pages = [reverse("enrolment:list"), "/api/randomization/list"]

    waiting = codes[1]
    before = _snapshot(clients, paths, pdf_about=waiting)
    epidemiologist_before = _snapshot(epidemiologist, list_pages)
    _flip_unassigned(stored)
    after = _snapshot(clients, paths, pdf_about=waiting)
    epidemiologist_after = _snapshot(epidemiologist, list_pages)

    assert any(status == 200 for status, _ in before.values())
    printed = [path for role, path in before if path.endswith(".pdf")]
    assert len(printed) == 2 and before[(PDF_READER, printed[0])][0] == 200  # the PDFs were searched
    changed = sorted(
        f"{role.value} {path}" for key in before if before[key] != after[key] for role, path in [key]
    )
    assert not changed, f"responses that reveal unassigned slots: {changed}"
    for key in epidemiologist_before:  # the check has teeth: the epidemiologist does see the change
        assert (
            epidemiologist_before[key][0] == 200 and epidemiologist_before[key] != epidemiologist_after[key]
        )


def test_no_page_about_an_unassigned_participant_names_an_arm(client_for, actors, site, clock) -> None:
    _, codes, unassigned = _study_with_some_allocations(actors, site, clock)
    arm_words = ["exosome", "control", "Exosome", "Control", "اگزوزوم", "کنترل"]
    # Whole words only: "Uncontrolled" or Persian "کنترل‌نشده" (joined by a zero-width non-joiner) is not an arm.
    pattern = re.compile(
        r"(?<![\w\-\u200c])(" + "|".join(map(re.escape, arm_words)) + r")(?![\w\-\u200c])", re.I
    )
    searched = 0
    for role in NON_EPIDEMIOLOGISTS:
        client = client_for(role)
        paths = [p for p in _page_paths(codes) + _api_paths(client, codes) if any(c in p for c in unassigned)]
        paths += [reverse("enrolment:randomization"), "/api/randomization/commitment"]
        for path in paths:
            response = client.get(path)
            body = GENERIC.sub("", response.content.decode("utf-8", errors="replace"))
            found = pattern.findall(body)
            assert not found, f"{role.value} GET {path} names an arm: {sorted(set(found))}"
            searched += response.status_code == 200
    assert searched > 20
    epidemiologist_list = client_for(Role.EPIDEMIOLOGIST).get(reverse("enrolment:list")).content.decode()
    assert pattern.search(epidemiologist_list)  # the search would find an arm where one is shown
