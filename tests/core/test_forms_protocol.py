"""The forms / lab_tests / edit_checks protocol sections, and the seed trial's forms.yaml."""

from __future__ import annotations

from copy import deepcopy
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import TypeAdapter, ValidationError

from trialdesk.core.expressions import parse
from trialdesk.core.sledai import DESCRIPTORS
from trialdesk.core.units import (
    COMPLEMENT_MG_DL_PER_G_L,
    GLUCOSE_MG_DL_PER_MMOL_L,
    TRIGLYCERIDES_MG_DL_PER_MMOL_L,
)
from trialdesk.protocol.forms import (
    EditCheck,
    FormDefinition,
    ItemDefinition,
    LabTestDefinition,
    check_form_references,
    find_form,
)

FORMS_YAML = Path(__file__).parents[2] / "src/trialdesk/studies/kums_exosome_sle/forms.yaml"


def seed() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(FORMS_YAML.read_text(encoding="utf-8"))
    return data


def parsed(data: dict[str, Any]) -> tuple[list[FormDefinition], list[LabTestDefinition], list[EditCheck]]:
    return (
        TypeAdapter(list[FormDefinition]).validate_python(data["forms"]),
        TypeAdapter(list[LabTestDefinition]).validate_python(data["lab_tests"]),
        TypeAdapter(list[EditCheck]).validate_python(data["edit_checks"]),
    )


FORMS, LABS, CHECKS = parsed(seed())
TESTS = {t.code: t for t in LABS}


def test_seed_file_has_exactly_the_three_sections() -> None:
    assert set(seed()) == {"forms", "lab_tests", "edit_checks"}


def test_seed_forms_are_the_checklist() -> None:
    assert [f.id for f in FORMS] == [
        "demographics",
        "lupus_history",
        "concomitant_medication",
        "vital_signs",
        "sledai_2k",
        "lab_panel",
        "immunogenicity",
    ]


def test_seed_cross_references_are_consistent_with_the_schedules_visits() -> None:
    treatment = yaml.safe_load((FORMS_YAML.parent / "treatment.yaml").read_text(encoding="utf-8"))
    visit_ids = [v["id"] for v in treatment["schedule"]["visits"]]
    assert check_form_references(FORMS, LABS, CHECKS, visit_ids=visit_ids) == []


def test_every_lab_item_refers_to_a_defined_quantitative_lab_test() -> None:
    lab_items = [i for f in FORMS for i in f.all_items() if i.type == "lab"]
    assert len(lab_items) == 16  # 9 outcome/serology labs + 7 quantitative SLEDAI-2K source labs
    for lab_item in lab_items:
        assert lab_item.lab_test in TESTS
        assert TESTS[lab_item.lab_test].result_type == "quantitative"
    coded = {i.id: i.lab_test for f in FORMS for i in f.all_items() if i.type != "lab" and i.lab_test}
    assert coded == {
        "ana_titre": "ana_hep2",
        "lupus_anticoagulant": "lupus_anticoagulant",
        "urine_casts": "urine_casts",
    }
    assert all(TESTS[code].result_type != "quantitative" for code in coded.values())


def test_every_expression_parses() -> None:
    expressions = [text for f in FORMS for i in f.all_items() for text in (i.show_if, i.expression) if text]
    expressions += [g.show_if for f in FORMS for g in f.groups() if g.show_if]
    expressions += [c.expression for c in CHECKS]
    assert len(expressions) > 20
    for text in expressions:
        parse(text)


def test_item_ids_are_unique_across_forms() -> None:
    ids = [i for f in FORMS for i in f.top_level_ids | {x.id for x in f.all_items()}]
    assert len(ids) == len(set(ids))


def test_forms_and_most_items_have_persian_labels() -> None:
    assert all(f.title.fa for f in FORMS)
    items = [i for f in FORMS for i in f.all_items()]
    assert sum(1 for i in items if i.label.fa) == len(items)


def test_demographics_are_pseudonymous() -> None:
    ids = {i.id for i in find_form(FORMS, "demographics").all_items()}
    assert not ids & {"name", "first_name", "last_name", "national_id", "phone", "address"}


def test_sledai_form_matches_the_24_descriptors_and_weights() -> None:
    form = find_form(FORMS, "sledai_2k")
    weighted = {i.id: i.weight for i in form.all_items() if i.weight is not None}
    assert weighted == {d.id: d.weight for d in DESCRIPTORS}
    assert sum(w for w in weighted.values() if w is not None) == 105
    response = form.item("modified_sri4_response")
    assert "modified sri-4" in response.label.en.lower() and "BILAG" in response.label.en
    assert "visit('baseline'" in (response.expression or "")


def test_no_label_calls_the_response_plain_sri4() -> None:
    text = FORMS_YAML.read_text(encoding="utf-8")
    for line in text.splitlines():
        if "SRI-4" in line and "en:" in line:
            assert "modified SRI-4" in line or "Modified SRI-4" in line, line


def test_conversion_factors_are_the_single_constants_of_the_sheet() -> None:
    def factor(code: str, unit: str) -> object:
        return next(u.factor for u in TESTS[code].units if u.unit == unit)

    assert factor("glucose", "mmol/L") == GLUCOSE_MG_DL_PER_MMOL_L
    assert factor("triglycerides", "mmol/L") == TRIGLYCERIDES_MG_DL_PER_MMOL_L
    assert factor("c3", "g/L") == factor("c4", "g/L") == COMPLEMENT_MG_DL_PER_G_L


def test_cdisc_codes_follow_the_sheet() -> None:
    coding = {t.code: (t.domain, t.test_code, t.binding_agent) for t in LABS}
    assert coding == {
        "ana_hep2": ("IS", "ATAB", "NUCLEAR AUTOANTIGENS"),
        "anti_dsdna": ("LB", "DDNAIGAB", None),
        "c3": ("LB", "C3", None),
        "c4": ("LB", "C4", None),
        "acl_igg": ("IS", "ATIGGAB", "CARDIOLIPIN"),
        "acl_igm": ("IS", "ATIGMAB", "CARDIOLIPIN"),
        "b2gpi_igg": ("IS", "ATIGGAB", "BETA-2 GLYCOPROTEIN 1"),
        "b2gpi_igm": ("IS", "ATIGMAB", "BETA-2 GLYCOPROTEIN 1"),
        "lupus_anticoagulant": ("LB", "DRVVTSCR", None),
        "glucose": ("LB", "GLUC", None),
        "triglycerides": ("LB", "TRIG", None),
        # SLEDAI-2K source labs: not in the facts sheet, so each carries an UNVERIFIED assumption note
        "platelets": ("LB", "PLAT", None),
        "leukocytes": ("LB", "WBC", None),
        "creatinine": ("LB", "CREAT", None),
        "urine_rbc": ("LB", "RBC", None),
        "urine_wbc": ("LB", "WBC", None),
        "urine_casts": ("LB", "CASTS", None),
        "upcr": ("LB", "PROTCRT", None),
        "urine_protein_24h": ("LB", "PROT", None),
    }
    unverified = ("platelets", "leukocytes", "creatinine", "urine_rbc", "urine_wbc", "urine_casts", "upcr")
    assert all("UNVERIFIED" in (TESTS[code].assumption or "") for code in unverified)
    assert TESTS["lupus_anticoagulant"].assumption
    assert "LBFAST" in (TESTS["glucose"].loinc_note or "")


def test_loinc_codes_follow_the_sheet_and_skip_the_deprecated_and_unverified() -> None:
    codes = {t.code: sorted(c.code for c in t.loinc) for t in LABS}
    assert codes["anti_dsdna"] == ["5130-0"]
    assert codes["c3"] == ["4485-9"] and codes["c4"] == ["4498-2"]
    assert codes["acl_igg"] == ["3181-5"] and codes["acl_igm"] == ["3182-3"]
    assert codes["b2gpi_igg"] == ["44448-9"] and codes["b2gpi_igm"] == ["44449-7"]
    assert codes["glucose"] == sorted(["1558-6", "14771-0", "2345-7", "14749-6"])
    assert codes["triglycerides"] == sorted(["2571-8", "14927-8"])
    assert codes["ana_hep2"] == ["5048-4"]
    assert "UNVERIFIED" in (TESTS["ana_hep2"].loinc_note or "")
    assert all("11563-4" not in c for c in codes.values())


def test_immunogenicity_form_is_marked_as_an_assumption() -> None:
    form = find_form(FORMS, "immunogenicity")
    assert form.assumption
    assert all(i.assumption for i in form.all_items() if i.type == "single_choice")


def test_ctcae_terms_are_carried_for_glucose_and_triglycerides() -> None:
    assert {(c.term, c.direction) for c in TESTS["glucose"].ctcae} == {
        ("Hypoglycemia", "low"),
        ("Hyperglycemia", "high"),
    }
    assert {(c.term, c.direction) for c in TESTS["triglycerides"].ctcae} == {("Hypertriglyceridemia", "high")}


# --------------------------------------------------------------------------- the models refuse nonsense


def item(**extra: Any) -> dict[str, Any]:
    return {"id": "x", "label": {"en": "X"}, "type": "text", **extra}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (item(type="single_choice"), "at least two choices"),
        (item(type="lab"), "names its lab_test"),
        (item(type="calculated"), "has an expression"),
        (item(expression="1 + 1"), "has an expression"),
        (item(show_if="a.b"), "attribute access"),
        (item(type="integer", hard_limits={"min": 5, "max": 1}), "greater than max"),
        (item(type="integer", hard_limits={"max": 10}, soft_limits={"max": 20}), "within hard_limits"),
        (item(hard_limits={"max": 10}), "limits belong"),
        (item(weight=2), "only yes_no items carry a weight"),
        (item(id="__x"), "not a valid identifier"),
        (item(id="and"), "not a valid identifier"),
        (item(colour="red"), "Extra inputs are not permitted"),
    ],
)
def test_bad_item_definitions_are_refused(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        ItemDefinition.model_validate(data)


def test_form_refuses_references_to_unknown_or_later_items() -> None:
    data = {
        "id": "f",
        "version": "1",
        "title": {"en": "F"},
        "sections": [
            {"id": "s", "title": {"en": "S"}, "items": [item(id="a", show_if="b == 'x'"), item(id="b")]}
        ],
    }
    with pytest.raises(ValidationError, match="refers to b, which is not an item defined earlier"):
        FormDefinition.model_validate(data)


def test_form_refuses_duplicate_ids() -> None:
    data = {
        "id": "f",
        "version": "1",
        "title": {"en": "F"},
        "sections": [{"id": "s", "title": {"en": "S"}, "items": [item(), item()]}],
    }
    with pytest.raises(ValidationError, match="used twice"):
        FormDefinition.model_validate(data)


def test_is_lab_test_needs_a_binding_agent() -> None:
    data = {"code": "x", "label": {"en": "X"}, "domain": "IS", "test_code": "ATAB", "result_type": "ordinal"}
    with pytest.raises(ValidationError, match="binding_agent"):
        LabTestDefinition.model_validate(data)


def test_quantitative_lab_test_needs_its_canonical_unit_with_factor_one() -> None:
    data = {
        "code": "x",
        "label": {"en": "X"},
        "domain": "LB",
        "test_code": "X",
        "result_type": "quantitative",
        "canonical_unit": "mg/dL",
        "units": [{"unit": "mmol/L", "factor": "18"}],
    }
    with pytest.raises(ValidationError, match="canonical_unit must be one of the units"):
        LabTestDefinition.model_validate(data)


def test_cross_check_finds_undefined_lab_tests_unknown_items_and_visits() -> None:
    data = deepcopy(seed())
    data["lab_tests"] = [t for t in data["lab_tests"] if t["code"] != "c4"]
    data["edit_checks"].append(
        {
            "id": "bad",
            "form": "vital_signs",
            "item": "nope",
            "expression": "ghost > 1",
            "message": {"en": "x"},
        }
    )
    forms, labs, checks = parsed(data)
    problems = [
        str(p)
        for p in check_form_references(forms, labs, checks, visit_ids=["baseline", "post_injection_labs"])
    ]
    assert "forms.lab_panel.c4: lab test 'c4' is not defined in lab_tests" in problems
    assert "edit_checks[18]: item 'nope' is not in form 'vital_signs'" in problems
    assert "edit_checks[18]: refers to 'ghost', which is not an item of any form" in problems
    assert "forms.vital_signs.visits: visit 'assessment_w7' is not in the schedule" in problems


def test_protocol_accepts_the_seed_sections() -> None:
    from tests.conftest import minimal_protocol_data

    from trialdesk.protocol.loading import parse_protocol

    protocol = parse_protocol(minimal_protocol_data(**seed()))
    assert len(protocol.forms) == 7 and len(protocol.lab_tests) == 19 and len(protocol.edit_checks) == 18
