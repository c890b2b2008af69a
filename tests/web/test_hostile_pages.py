"""The hostile-value matrix on page forms (issue 12): each hostile value POSTed to a page form comes back as a
4xx (the form pages: 400, the form again) and no row of any model changes."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD
from tests.web.test_hostile_matrix import _counts, world  # noqa: F401 - the fixture is used by name
from trialdesk.core.roles import Role

pytestmark = pytest.mark.django_db
R = Role
TEXT = ["a\x00b", "x" * 1_000_000, "a\x07b\x1bc", "abc\u202etxt.exe"]
DATE = ["-5", "-0", "1403-01-01", "9999-12-31"]
NUMBER = ["NaN", "Infinity", "-Infinity", "1e308", "-0"]
KINDS = {"text": TEXT, "date": DATE, "number": NUMBER}
SLEDAI = ("baseline", 1, "sledai_2k")


def _pages(w: dict[str, Any]) -> list[tuple[str, Role, str, dict[str, str], list[tuple[str, str]]]]:
    code = w["treated"]
    return [
        ("lot", R.INVESTIGATOR, reverse("treatment:lots"),
         {"lot_id": "EXO-9", "source_id": "PL-01", "amount_per_unit": "1e10", "amount_unit": "particles",
          "expiry_date": "2030-01-01"},
         [("lot_id", "text"), ("source_id", "text"), ("amount_unit", "text"), ("amount_per_unit", "number"),
          ("expiry_date", "date")]),
        ("missed visit", R.INVESTIGATOR, reverse("treatment:record_visit", args=[code]),
         {"visit_id": "baseline", "occurrence": "1", "outcome": "missed", "reason": "x"},
         [("reason", "text"), ("visit_id", "text")]),
        ("visit", R.INVESTIGATOR, reverse("treatment:record_visit", args=[code]),
         {"visit_id": "baseline", "occurrence": "1", "outcome": "done", "done_on": "2026-01-10"},
         [("done_on", "date")]),
        ("deviation", R.MONITOR, reverse("treatment:record_deviation", args=[code]),
         {"category": "other", "reason": "x", "occurred_on": "2026-01-10"},
         [("reason", "text"), ("occurred_on", "date")]),
        ("query raise", R.MONITOR, reverse("casebook:query_raise", args=[code, *SLEDAI]),
         {"item_path": "arthritis", "text": "?"}, [("text", "text"), ("item_path", "text")]),
        ("query answer", R.RHEUMATOLOGIST, reverse("casebook:query_answer", args=[w["open_query"]]),
         {"text": "x"}, [("text", "text")]),
        ("query close", R.MONITOR, reverse("casebook:query_close", args=[w["open_query"]]),
         {"text": "x"}, [("text", "text")]),
        ("query reopen", R.MONITOR, reverse("casebook:query_reopen", args=[w["answered_query"]]),
         {"text": "x"}, [("text", "text")]),
        ("form lock", R.DATA_MANAGER, reverse("casebook:form_lock", args=[code, *SLEDAI]),
         {"reason": "x", "confirm_unverified": "1"}, [("reason", "text")]),
        ("pause decision", R.ETHICS_COMMITTEE, reverse("treatment:decide_pause", args=[w["pause"]]),
         {"decision": "x", "lift": "lift"}, [("decision", "text")]),
    ]  # fmt: skip


def _client(role: Role) -> Client:
    client = Client()
    assert client.login(username=role.value, password=PASSWORD)
    return client


def test_hostile_values_on_page_forms_come_back_4xx_and_store_nothing(world) -> None:  # noqa: F811
    wrong: list[str] = []
    fields = 0
    for name, role, url, base, targets in _pages(world):
        client = _client(role)
        for field, kind in targets:
            fields += 1
            for value in KINDS[kind]:
                before = _counts()
                response = client.post(url, {**base, field: value})
                changed = {k for k, v in _counts().items() if before[k] != v}
                if not 400 <= response.status_code < 500 or response.status_code == 403 or changed:
                    wrong.append(f"{name} {field}={value[:12]!r}: {response.status_code} {sorted(changed)}")
    assert not wrong, "\n".join(wrong)
    assert fields >= 16


@pytest.mark.parametrize("index", range(10))
def test_each_page_base_alone_is_accepted(world, index: int) -> None:  # noqa: F811
    """So a refusal above is the hostile value's doing, not a broken base."""
    name, role, url, base, _targets = _pages(world)[index]
    response = _client(role).post(url, base)
    assert response.status_code in (200, 302), (name, response.status_code, response.content[:300])


def test_a_lot_id_stored_before_the_safe_code_rule_never_breaks_the_lots_page(world, site) -> None:  # noqa: F811
    from trialdesk.records.treatment.models import ProductLot

    legacy = ProductLot.objects.get(lot_id="EXO-1")
    ProductLot.objects.filter(pk=legacy.pk).update(lot_id="1400/12/31", qc_released=False)
    client = _client(R.INVESTIGATOR)
    page = client.get(reverse("treatment:lots"))
    assert page.status_code == 200 and "1400/12/31" in page.content.decode()
    released = client.post(
        reverse("treatment:release_lot", args=["1400/12/31"]), {"released_on": "2026-01-10"}
    )
    assert released.status_code == 302
    refused = client.post(reverse("treatment:lots"), {"lot_id": "1400/12/31", "source_id": "PL-01",
                          "amount_per_unit": "1", "amount_unit": "u", "expiry_date": "2030-01-01"})  # fmt: skip
    assert refused.status_code == 400 and "lot_id" in refused.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/api/casebook/participants/{code}/forms/base%00line/1/vital_signs",
        "/api/participants/KUMS%00-001/calendar",
        "/api/participants?site=KU%00MS",
        "/participants/{code}/forms/baseline/1/vital%00signs/",
    ],
)
def test_a_nul_anywhere_in_the_address_is_a_400_on_every_database(world, url: str) -> None:  # noqa: F811
    response = _client(R.INVESTIGATOR).get(url.format(code=world["treated"]))
    assert response.status_code == 400
