"""Every page reachable from the menus, in Persian, as every role: no English message from the catalogue or the core.

The crawl follows the links of each page (Django's test client, no browser) from the dashboard, for
participants in several states (registered, screen failed, consented, randomized to each arm with the
baseline forms saved). A text on a Persian page that is a catalogue msgid, or one of the core's English words
(statuses, sex, gate reasons), is an untranslated message.
"""

from __future__ import annotations

import gettext
import re
from collections import Counter
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import translation

import trialdesk.web
from tests.factories import baseline_forms_saved, consented, randomized
from tests.web.treatment.conftest import PAGE_VITALS
from trialdesk.core.participant_status import ParticipantStatus
from trialdesk.core.roles import Role
from trialdesk.records.models import Person, Site
from trialdesk.services.actors import Actor
from trialdesk.services.participants import IdentityDetails, register_for_screening
from trialdesk.testing import FixedClock
from trialdesk.web.treatment.views import REASON_TITLES

from ..conftest import PASSWORD

CATALOGUE = Path(trialdesk.web.__file__).parent / "locale" / "fa" / "LC_MESSAGES" / "django.mo"
SKIP_PREFIXES = ("/admin/", "/api/", "/static/", "/signout/", "/exports/download")
SKIPPED_TAGS = {"script", "style", "code", "kbd", "samp"}
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]")
# English words the core returns as codes or values: they must reach a Persian page only as Persian words.
CORE_WORDS = {status.value.replace("_", " ") for status in ParticipantStatus} | {"female", "male", "other"}
MAX_PAGES_PER_ROLE = 80
PER_KIND = 2
PARTICIPANT_CODE = re.compile(r"/participants/[A-Z]+-\d+/")
FORM_PAGE = re.compile(r"/forms/[^/]+/\d+/([^/]+)/")


class _Text(HTMLParser):
    """The visible texts of a page (and its title/aria-label/placeholder attributes) and its links."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self.links: list[str] = []
        self._skip_tag: str | None = None
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "a" and values.get("href"):
            self.links.append(str(values["href"]))
        if self._skip_tag is not None:
            self._depth += tag == self._skip_tag
            return
        # code, and protocol notes the schema holds in English only (marked lang="en"), are not messages
        if tag in SKIPPED_TAGS or values.get("translate") == "no" or values.get("lang") == "en":
            self._skip_tag, self._depth = tag, 1
            return
        for name in ("title", "aria-label", "placeholder"):
            if values.get(name):
                self.texts.append(str(values[name]))

    def handle_endtag(self, tag: str) -> None:
        if tag == self._skip_tag:
            self._depth -= 1
            if self._depth == 0:
                self._skip_tag = None

    def handle_data(self, data: str) -> None:
        if self._skip_tag is None and data.strip():
            self.texts.append(" ".join(data.split()))


def _catalogue() -> tuple[set[str], set[str]]:
    """The catalogue's msgids (with words; "—" is no evidence), and the fixed parts of those with parameters
    ("The investigator has not signed the pre-dose safety check for" from "... for %(step)s.")."""
    with CATALOGUE.open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    ids = {str(m) for m in catalogue._catalog if isinstance(m, str) and m}  # type: ignore[attr-defined]
    plain = {m for m in ids if LATIN_WORD.search(m) and "%" not in m and "{" not in m}
    fragments = {
        part.strip(" .:;,()")
        for m in ids
        if "%(" in m
        for part in PLACEHOLDER.split(m)
        if len(part.split()) >= 4
    }
    return plain, fragments


def _untranslated(texts: list[str], msgids: set[str], core: set[str]) -> set[str]:
    found: set[str] = set()
    long_ids = [m for m in msgids if len(m.split()) >= 3] + [m for m in core if len(m.split()) >= 4]
    for text in texts:
        if text in msgids or text.lower().strip(" .:") in core:
            found.add(text)
            continue
        found.update(m for m in long_ids if m in text)
    return found


def _shape(url: str) -> str:
    """A page kind: the same page for another participant, or another form of a visit, is the same kind."""
    shape = PARTICIPANT_CODE.sub("*", url)
    return FORM_PAGE.sub(r"/forms/\1/", shape)


def _crawl(client: Client, start: list[str]) -> Iterator[tuple[str, list[str]]]:
    """Breadth first from `start`; each page kind is read for at most two participants (or forms)."""
    seen: set[str] = set()
    shapes: Counter[str] = Counter()
    queue = list(start)
    while queue and len(seen) < MAX_PAGES_PER_ROLE:
        url = queue.pop(0)
        if url in seen or (shapes[_shape(url)] >= PER_KIND and url not in start):
            continue
        seen.add(url)
        shapes[_shape(url)] += 1
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        parser = _Text()
        parser.feed(response.content.decode())
        yield url, parser.texts
        for href in parser.links:
            parts = urlsplit(href)
            if parts.netloc or not parts.path.startswith("/") or parts.path.startswith(SKIP_PREFIXES):
                continue
            link = parts.path + (f"?{parts.query}" if parts.query else "")
            if link not in seen:
                queue.append(link)


@pytest.fixture
def participants_in_several_states(actors: dict[Role, Actor], site: Site, clock: FixedClock) -> list[str]:
    doctor = actors[Role.RHEUMATOLOGIST]
    registered = register_for_screening(
        doctor,
        site=site,
        identity=IdentityDetails(full_name="R"),
        sex="male",
        year_of_birth=1980,
        clock=clock,
    )
    waiting = consented(actors, site, clock, name="C")
    codes = [registered.study_code, waiting.study_code]
    for arm in ("exosome", "control"):
        participant = randomized(actors, site, clock, arm=arm)
        baseline_forms_saved(actors[Role.INVESTIGATOR], participant, clock)
        codes.append(participant.study_code)
    return codes


@pytest.mark.django_db
def test_every_page_in_persian_as_every_role_has_no_english_message(
    participants_in_several_states: list[str],
) -> None:
    assert PAGE_VITALS  # the participants' baseline forms carry the protocol's vital signs
    # the test accounts' user names are role codes ("monitor"): a name shown as recorded is not a message
    msgids, fragments = _catalogue()
    msgids -= {role.value for role in Role}
    with translation.override("en"):  # the English titles, whatever language an earlier test left active
        core = CORE_WORDS | fragments | {str(title) for title in REASON_TITLES.values()}
    Person.objects.update(language="fa", calendar="jalali")
    problems: dict[str, set[str]] = {}
    pages = 0
    for role in Role:
        client = Client()
        assert client.login(username=role.value, password=PASSWORD)
        starts = ["/", "/participants/"] + [
            f"/participants/{code}/" for code in participants_in_several_states
        ]
        for url, texts in _crawl(client, starts):
            pages += 1
            bad = _untranslated(texts, msgids, core)
            if bad:
                problems[f"{role.value} {url}"] = bad
    assert pages > 100, pages
    assert problems == {}, "\n".join(f"{page}: {sorted(words)}" for page, words in sorted(problems.items()))


def test_the_crawl_flags_catalogue_messages_and_core_english() -> None:
    msgids, fragments = _catalogue()
    core = CORE_WORDS | fragments
    texts = [
        "The investigator has not signed the pre-dose safety check for Step 1: 0.1 unit.",  # a core reason
        "screen failed",  # a status code worded in English
        "Participants",  # a catalogue message left untranslated
        "پایش ۴۸ ساعته پس از مرحله ۱ هنوز تمام نشده است.",  # Persian: fine
        "KUMS-001",  # a code: fine
    ]
    found = _untranslated(texts, msgids, core)
    assert found == {
        "The investigator has not signed the pre-dose safety check for",
        "screen failed",
        "Participants",
    }
