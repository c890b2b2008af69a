"""Form pages rendered from the protocol definitions: every item type, htmx checks as you type, branching,
calculated items, repeating rows, Persian. (Saving, wrong roles, domain errors and the data-management
steps are in test_form_pages_workflow.py.)"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.http import QueryDict
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tests.conftest import PASSWORD
from trialdesk.core.forms import validate_submission
from trialdesk.protocol.forms import FormDefinition, LabTestDefinition, find_form
from trialdesk.records.models import Participant
from trialdesk.services.studies import protocol_of
from trialdesk.web.casebook.rendering import (
    PageInputs,
    all_items,
    build_sections,
    hidden_dom_ids,
    read_submission,
)

ALL_TYPES_FORM = {
    "id": "every_type",
    "version": "1",
    "title": {"en": "Every type", "fa": "همه انواع"},
    "sections": [
        {
            "id": "main",
            "title": {"en": "Main", "fa": "اصلی"},
            "items": [
                {"id": "note", "label": {"en": "Note", "fa": "یادداشت"}, "type": "text", "max_length": 20},
                {
                    "id": "count",
                    "label": {"en": "Count"},
                    "type": "integer",
                    "required": True,
                    "hard_limits": {"min": 0, "max": 10},
                    "soft_limits": {"max": 5},
                },  # fmt: skip
                {"id": "dose", "label": {"en": "Dose"}, "type": "decimal", "decimals": 1, "unit": "mg"},
                {"id": "seen_on", "label": {"en": "Seen on"}, "type": "date"},
                {"id": "seen_at", "label": {"en": "Seen at"}, "type": "datetime"},
                {"id": "smoker", "label": {"en": "Smoker"}, "type": "yes_no"},
                {
                    "id": "packs",
                    "label": {"en": "Packs a day"},
                    "type": "integer",
                    "show_if": "smoker == true",
                },
                {
                    "id": "colour",
                    "label": {"en": "Colour"},
                    "type": "single_choice",
                    "choices": [
                        {"code": "red", "label": {"en": "Red"}},
                        {"code": "blue", "label": {"en": "Blue"}},
                    ],
                },
                {
                    "id": "tags",
                    "label": {"en": "Tags"},
                    "type": "multiple_choice",
                    "choices": [{"code": "a", "label": {"en": "A"}}, {"code": "b", "label": {"en": "B"}}],
                },
                {
                    "id": "titre",
                    "label": {"en": "Titre"},
                    "type": "ordinal",
                    "choices": [
                        {"code": "negative", "label": {"en": "Negative"}},
                        {"code": "1:40", "label": {"en": "1:40"}},
                    ],
                },
                {
                    "id": "sugar",
                    "label": {"en": "Glucose", "fa": "قند"},
                    "type": "lab",
                    "lab_test": "glucose",
                },
                {
                    "id": "twice",
                    "label": {"en": "Twice the count"},
                    "type": "calculated",
                    "expression": "count * 2",
                },
            ],  # fmt: skip
            "groups": [
                {
                    "id": "drugs",
                    "label": {"en": "Drug"},
                    "min_rows": 1,
                    "items": [{"id": "drug", "label": {"en": "Drug name"}, "type": "text", "required": True}],
                }
            ],
        },
        {
            "id": "smoking",
            "title": {"en": "Smoking"},
            "show_if": "smoker == true",
            "items": [{"id": "years", "label": {"en": "Years smoked"}, "type": "integer"}],
        },
    ],
}
GLUCOSE = {
    "code": "glucose",
    "label": {"en": "Glucose"},
    "domain": "LB",
    "test_code": "GLUC",
    "result_type": "quantitative",
    "canonical_unit": "mg/dL",
    "units": [
        {"unit": "mg/dL", "factor": "1", "reference_range": {"min": 70, "max": 100}},
        {"unit": "mmol/L", "factor": "18.016"},
    ],
    "hard_limits": {"min": 1, "max": 2000},
    "soft_limits": {"min": 40, "max": 500},
}


def _render_every_type(post: dict[str, object], language: str = "en") -> tuple[str, dict[str, object]]:
    form = FormDefinition.model_validate(ALL_TYPES_FORM)
    tests = [LabTestDefinition.model_validate(GLUCOSE)]
    query = QueryDict(mutable=True)
    for key, value in post.items():
        query.setlist(key, value if isinstance(value, list) else [str(value)])
    submission = read_submission(form, query)
    result = validate_submission(form, submission.values, tests, submission.confirmations)
    sections = build_sections(
        form, tests, PageInputs(submission.values, result, submission.confirmations, {}, language)
    )
    with translation.override(language):
        html = render_to_string(
            "trialdesk/casebook/_form_body.html",
            {"sections": sections, "items": all_items(sections), "check_url": "/check/", "hidden_ids": []},
        )
    return html, submission.values


def test_every_item_type_renders_from_the_definition_and_reads_back() -> None:
    post = {
        "f-note": "hello", "f-count": "7", "f-dose": "2.5", "f-seen_on": "2026-01-10",
        "f-seen_at": "2026-01-10T09:15",
        "f-smoker": "yes", "f-packs": "1", "f-colour": "blue", "f-tags": ["a", "b"], "f-titre": "1:40",
        "f-sugar-value": "5.5", "f-sugar-unit": "mmol/L", "rows-drugs": "1", "f-drugs-1-drug": "prednisolone",
    }  # fmt: skip
    html, values = _render_every_type(post)
    assert 'type="text" name="f-note"' in html and 'value="hello"' in html
    assert 'name="f-count"' in html and 'inputmode="numeric"' in html
    assert 'type="date" name="f-seen_on"' in html and 'type="datetime-local" name="f-seen_at"' in html
    assert 'type="radio" name="f-smoker" value="yes" checked' in html
    assert '<option value="blue" selected>Blue</option>' in html
    assert 'type="checkbox" name="f-tags" value="a" checked' in html
    assert 'name="f-sugar-value"' in html and '<option value="mmol/L" selected>mmol/L</option>' in html
    assert 'data-testid="std-sugar"><bdi dir="ltr">= 99.09 mg/dL' in html  # 5.5 mmol/L x 18.016
    assert 'data-testid="calc-twice">14<' in html
    assert 'name="f-drugs-1-drug"' in html and 'name="rows-drugs" value="1"' in html
    assert re.search(r'data-testid="warning-count">.*is above the expected 5', html, re.S)
    assert values["tags"] == ["a", "b"] and values["sugar"] == {"value": "5.5", "unit": "mmol/L"}
    assert values["drugs"] == [{"drug": "prednisolone"}]
    assert str(values["seen_at"]).startswith("2026-01-10T09:15:00+")  # the site's zone is attached


def test_bad_input_of_each_type_is_shown_next_to_its_item() -> None:
    post = {"f-count": "x", "f-dose": "2.55", "f-seen_on": "10/01/2026", "f-colour": "green",
            "f-note": "y" * 30,
            "f-sugar-value": "abc", "f-sugar-unit": "mmol/L", "rows-drugs": "1"}  # fmt: skip
    html, _values = _render_every_type(post)
    for testid, rule in [
        ("msg-count", "must be a whole number"),
        ("msg-dose", "at most 1 decimal place"),
        ("msg-seen_on", "must be a date"),
        ("msg-colour", "is not one of the choices"),
        ("msg-note", "at most 20 characters"),
        ("msg-sugar", "must be a number"),
        ("msg-drugs-1-drug", "is required"),
    ]:
        assert re.search(rf'data-testid="{testid}">[^/]*{re.escape(rule)}', html), testid


def test_hidden_items_and_sections_are_listed_for_the_page_to_hide() -> None:
    form = FormDefinition.model_validate(ALL_TYPES_FORM)
    tests = [LabTestDefinition.model_validate(GLUCOSE)]
    for smoker, hidden in (("no", True), ("yes", False)):
        values = {"smoker": smoker, "count": "1"}
        result = validate_submission(form, values, tests)
        ids = hidden_dom_ids(build_sections(form, tests, PageInputs(values, result, {}, {}, "en")))
        assert ("section-smoking" in ids) is hidden and ("item-packs" in ids) is hidden


def test_persian_labels_come_from_the_protocol() -> None:
    html, _values = _render_every_type({"rows-drugs": "0"}, language="fa")
    assert "یادداشت" in html and "قند" in html


# --------------------------------------------------------------------------- through the pages


def _client(role: str) -> Client:
    client = Client()
    assert client.login(username=role, password=PASSWORD)
    return client


def _url(participant: Participant, form_id: str, name: str = "casebook:form", visit: str = "baseline") -> str:
    return reverse(name, args=[participant.study_code, visit, 1, form_id])


LAB = {
    "f-sample_date": "2026-01-10",
    "f-fasting": "yes",
    "f-ana_titre": "1:160",
    "f-ana_pattern": "homogeneous",
    "f-glucose-value": "30",
    "f-glucose-unit": "mmol/L",
    "f-c3-value": "60",
    "f-c3-unit": "mg/dL",
}


@pytest.fixture
def participant(enrol: Callable[..., Participant]) -> Participant:
    return enrol()


def test_htmx_check_returns_errors_and_soft_warnings_without_replacing_inputs(
    participant: Participant,
) -> None:
    client = _client("rheumatologist")
    response = client.post(
        _url(participant, "vital_signs", "casebook:form_check"),
        {"f-systolic_bp": "250", "f-diastolic_bp": "400"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="msg-systolic_bp" class="item-messages" hx-swap-oob="true"' in html
    assert re.search(r'data-testid="warning-systolic_bp">.*is above the expected 200 mmHg', html, re.S)
    assert (
        "#confirm-box-systolic_bp," not in html and "#confirm-box-heart_rate," in html
    )  # box shown / hidden
    assert re.search(
        r'data-testid="msg-diastolic_bp">\s*<p class="error" role="alert">must be at most 200', html
    )
    assert 'name="f-systolic_bp"' not in html and 'name="confirm-' not in html  # inputs are never swapped
    assert "is required" not in html  # unanswered items are not errors while typing


def test_branching_hides_and_shows_an_item(participant: Participant) -> None:
    client = _client("rheumatologist")
    url = _url(participant, "lupus_history", "casebook:form_check")
    hidden = client.post(url, {"f-lupus_nephritis": "no"}).content.decode()
    assert re.search(r'data-testid="hidden-items"[^>]*>[^<]*item-nephritis_class', hidden)
    assert "#item-nephritis_class" in hidden
    shown = client.post(url, {"f-lupus_nephritis": "yes"}).content.decode()
    assert "item-nephritis_class" not in shown


def test_calculated_sledai_total_and_repeating_rows(participant: Participant) -> None:
    client = _client("rheumatologist")
    sledai = find_form(protocol_of(participant.study.current_protocol()).forms, "sledai_2k")
    descriptors = [item.id for item in sledai.all_items() if item.weight is not None]
    assert len(descriptors) == 24
    answers = {f"f-{d}": "no" for d in descriptors} | {"f-arthritis": "yes", "f-low_complement": "yes"}
    html = client.post(_url(participant, "sledai_2k", "casebook:form_check"), answers).content.decode()
    assert re.search(r'data-testid="calc-sledai_total" hx-swap-oob="true">6<', html)
    url = _url(participant, "concomitant_medication", "casebook:form_check")
    added = client.post(url + "?add=medications", {"f-any_medication": "yes", "rows-medications": "1"})
    assert 'data-testid="row-medications-2"' in added.content.decode()
    removed = client.post(url + "?remove=medications:1", {"f-any_medication": "yes", "rows-medications": "2"})
    assert 'name="rows-medications" value="1"' in removed.content.decode()


def test_persian_form_page_is_rtl_with_protocol_labels(participant: Participant) -> None:
    client = _client("rheumatologist")
    client.post(reverse("preferences"), {"language": "fa"})
    page = client.get(_url(participant, "lab_panel")).content.decode()
    assert 'dir="rtl"' in page and "پنل آزمایشگاهی" in page and "قند خون" in page
    assert "ذخیره" in page  # "Save", translated by this area's message part
    check = client.post(_url(participant, "vital_signs", "casebook:form_check"), {"f-systolic_bp": "250"})
    assert "بیشتر از مقدار مورد انتظار 200 mmHg است" in check.content.decode()  # core's rule, in Persian


def test_a_date_answer_is_echoed_in_the_viewers_calendar(participant: Participant) -> None:
    client = _client("rheumatologist")
    client.post(reverse("preferences"), {"calendar": "jalali"})
    check = client.post(
        _url(participant, "lab_panel", "casebook:form_check"), {"f-sample_date": "2026-01-10"}
    )
    assert re.search(r'data-testid="date-sample_date">1404/10/20<', check.content.decode())


def test_sledai_form_shows_each_descriptor_definition_weight_and_not_assessed(
    participant: Participant,
) -> None:
    client = _client("rheumatologist")
    page = client.get(_url(participant, "sledai_2k")).content.decode()
    assert 'data-testid="weight-seizure">weight 8<' in page
    assert 'data-testid="weight-leukopenia">weight 1<' in page
    assert "Recent onset; exclude metabolic, infectious or drug causes" in page  # core.sledai's definition
    assert 'data-testid="f-thrombocytopenia-not_assessed"' in page
    sledai = find_form(protocol_of(participant.study.current_protocol()).forms, "sledai_2k")
    answers = {f"f-{item.id}": "no" for item in sledai.all_items() if item.weight is not None}
    answers |= {"f-urinary_casts": "not_assessed", "f-hematuria": "not_assessed", "f-pga": "1"}
    html = client.post(_url(participant, "sledai_2k", "casebook:form_check"), answers).content.decode()
    assert 'data-testid="incomplete-sledai_total"' in html and "2 descriptors not assessed" in html
    assert not re.search(r'data-testid="calc-sledai_total" hx-swap-oob="true">0<', html)
