"""The seed trial's treatment sections parse into the protocol models, and the models refuse bad data."""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

import trialdesk
from trialdesk.protocol.treatment import (
    ArmDosing,
    DosingPlan,
    Maintenance,
    SafetyPlan,
    StoppingRules,
    Visit,
    VisitSchedule,
    treatment_problems,
)

TREATMENT_FILE = Path(trialdesk.__file__).parent / "studies" / "kums_exosome_sle" / "treatment.yaml"


@cache
def seed() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(TREATMENT_FILE.read_text(encoding="utf-8"))
    return data


def test_seed_treatment_file_has_exactly_the_four_sections() -> None:
    assert set(seed()) == {"dosing", "schedule", "stopping_rules", "safety"}


def test_seed_dosing_parses_with_the_assumed_ladder() -> None:
    dosing = DosingPlan.model_validate(seed()["dosing"])
    intervention = dosing.arm("exosome")
    assert [s.amount for s in intervention.steps] == [Decimal(x) for x in ("0.1", "0.5", "1", "2", "4")]
    assert [s.earliest_day for s in intervention.steps] == [0, 3, 6, 10, 14]
    assert {s.observation_hours for s in intervention.steps} == {48}
    assert {s.route for s in intervention.steps} == {"intravenous"}
    assert intervention.maintenance is not None
    assert (intervention.maintenance.interval_min_days, intervention.maintenance.interval_max_days) == (
        42,
        56,
    )
    assert intervention.maintenance.cycles == 3
    assert not dosing.arm("control").receives_product
    assert dosing.product.single_source_required
    assert dosing.reaction_rule.action == "repeat_step"


def test_every_assumption_in_the_file_header_is_listed_for_the_ui() -> None:
    dosing = DosingPlan.model_validate(seed()["dosing"])
    listed = {a.id for a in dosing.treatment_assumptions}
    header = TREATMENT_FILE.read_text(encoding="utf-8").split("\ndosing:")[0]
    in_header = {line.split()[1] for line in header.splitlines() if line.startswith("#   A-")}
    assert in_header == listed
    assert len(listed) == len(dosing.treatment_assumptions)


def test_seed_schedule_stopping_rules_and_safety_parse_and_agree() -> None:
    dosing = DosingPlan.model_validate(seed()["dosing"])
    schedule = VisitSchedule.model_validate(seed()["schedule"])
    stopping = StoppingRules.model_validate(seed()["stopping_rules"])
    safety = SafetyPlan.model_validate(seed()["safety"])
    assert safety.ctcae_version == "5.0"
    assert safety.related_level_ids == {"possible", "probable", "definite"}
    assert (
        safety.expedited_reporting.fatal_or_life_threatening_days,
        safety.expedited_reporting.other_serious_days,
    ) == (
        7,
        15,
    )
    assert [r.id for r in stopping.study] == ["related_grade_4_or_more", "related_serious_event"]
    shared = ["baseline", "assessment_w7", "assessment_w14", "assessment_w21", "end_of_study"]
    assert [v.id for v in schedule.for_arm("control")] == shared
    assert [v.id for v in schedule.for_arm("exosome")] == [*shared, "post_injection_labs"]
    problems = treatment_problems(
        arm_ids={"exosome", "control"},
        dosing=dosing,
        schedule=schedule,
        stopping_rules=stopping,
        safety=safety,
    )
    assert problems == []


def test_seed_sections_fit_the_protocol_schema() -> None:
    from trialdesk.protocol.loading import parse_protocol
    from trialdesk.protocol.schema import Protocol

    data = {
        "id": "kums-exosome-sle",
        "version": "1.0.0",
        "registration": {"scientific_title": {"en": "Exosomes in lupus"}},
        "design": {"target_sample_size": 20},
        "arms": [
            {"id": "exosome", "name": {"en": "Exosomes"}},
            {"id": "control", "name": {"en": "Control"}},
        ],
        **seed(),
    }
    protocol = parse_protocol(data)
    assert isinstance(protocol, Protocol)
    assert protocol.dosing is not None and protocol.schedule is not None


def test_cross_section_check_names_unknown_arms_steps_and_levels() -> None:
    data = seed()
    dosing = DosingPlan.model_validate(data["dosing"])
    schedule = VisitSchedule.model_validate(
        {
            "visits": [
                {
                    "id": "v",
                    "label": {"en": "V"},
                    "anchor": "injection:step_9",
                    "offset_days": 1,
                    "window_earliest_days": 0,
                    "window_latest_days": 2,
                    "arms": ["exosome", "placebo"],
                }
            ]
        }
    )
    safety = SafetyPlan.model_validate(
        {
            "relatedness_scale": [
                {"id": "no", "label": {"en": "No"}, "counts_as_related": False},
                {"id": "yes", "label": {"en": "Yes"}, "counts_as_related": True},
            ]
        }
    )
    problems = treatment_problems(
        arm_ids={"exosome", "control"},
        dosing=dosing,
        schedule=schedule,
        stopping_rules=None,
        safety=safety,
    )
    rules = {(p.where, p.rule) for p in problems}
    assert ("schedule.visits[0].arms", "no such arm 'placebo'") in rules
    assert ("schedule.visits[0].anchor", "no step 'step_9' in its arms") in rules
    assert any("'possible' is not on the scale" in rule for _, rule in rules)


def test_ladder_whose_first_step_is_not_day_0_is_refused() -> None:
    step = {
        "id": "s",
        "label": {"en": "S"},
        "amount": 1,
        "unit": "unit",
        "route": "intravenous",
        "observation_hours": 1,
    }
    with pytest.raises(ValidationError, match="earliest_day must be 0"):
        ArmDosing.model_validate({"steps": [{**step, "earliest_day": 2}]})


def test_ladder_with_decreasing_days_or_repeated_ids_is_refused() -> None:
    base = {"label": {"en": "S"}, "amount": 1, "unit": "unit", "route": "intravenous", "observation_hours": 1}
    with pytest.raises(ValidationError, match="must not decrease"):
        ArmDosing.model_validate(
            {
                "steps": [
                    {**base, "id": "a", "earliest_day": 0},
                    {**base, "id": "b", "earliest_day": 5},
                    {**base, "id": "c", "earliest_day": 3},
                ]
            }
        )
    with pytest.raises(ValidationError, match="unique"):
        ArmDosing.model_validate(
            {"steps": [{**base, "id": "a", "earliest_day": 0}, {**base, "id": "a", "earliest_day": 1}]}
        )


def test_maintenance_interval_must_be_ordered() -> None:
    with pytest.raises(ValidationError, match="min <= target <= max"):
        Maintenance.model_validate(
            {
                "label": {"en": "M"},
                "amount": 4,
                "unit": "unit",
                "route": "intravenous",
                "interval_min_days": 56,
                "interval_target_days": 49,
                "interval_max_days": 42,
                "cycles": 3,
                "observation_hours": 48,
            }
        )


@pytest.mark.parametrize("anchor", ["enrolment", "injection:", "injection:Step 1"])
def test_unknown_visit_anchor_is_refused(anchor: str) -> None:
    with pytest.raises(ValidationError, match="anchor must be"):
        Visit.model_validate(
            {
                "id": "v",
                "label": {"en": "V"},
                "anchor": anchor,
                "offset_days": 0,
                "window_earliest_days": 0,
                "window_latest_days": 0,
                "arms": ["a"],
            }
        )


def test_visit_window_must_contain_its_target() -> None:
    with pytest.raises(ValidationError, match="window must contain the target"):
        Visit.model_validate(
            {
                "id": "v",
                "label": {"en": "V"},
                "anchor": "randomization",
                "offset_days": 9,
                "window_earliest_days": 0,
                "window_latest_days": 7,
                "arms": ["a"],
            }
        )


def test_first_visit_of_an_arm_cannot_be_anchored_on_a_previous_visit() -> None:
    visit = {
        "id": "v",
        "label": {"en": "V"},
        "anchor": "previous_visit",
        "offset_days": 0,
        "window_earliest_days": 0,
        "window_latest_days": 0,
        "arms": ["a"],
    }
    with pytest.raises(ValidationError, match="has no previous visit"):
        VisitSchedule.model_validate({"visits": [visit]})


def test_protocol_sections_are_frozen() -> None:
    dosing = DosingPlan.model_validate(seed()["dosing"])
    with pytest.raises(ValidationError):
        dosing.arm("exosome").steps[0].amount = Decimal(9)  # type: ignore[misc]


def test_unknown_keys_in_a_section_are_refused() -> None:
    with pytest.raises(ValidationError, match="Extra inputs"):
        SafetyPlan.model_validate({"ctcae_version": "5.0", "clock_days": 3})


def test_relatedness_scale_needs_related_and_unrelated_levels() -> None:
    with pytest.raises(ValidationError, match="count as related"):
        SafetyPlan.model_validate(
            {
                "relatedness_scale": [
                    {"id": "a", "label": {"en": "A"}, "counts_as_related": False},
                    {"id": "b", "label": {"en": "B"}, "counts_as_related": False},
                ]
            }
        )


def test_every_treatment_protocol_field_is_documented() -> None:
    from trialdesk.protocol import treatment

    doc = (Path(__file__).parents[2] / "docs" / "treatment-and-safety.md").read_text(encoding="utf-8")
    models = [getattr(treatment, name) for name in treatment.__all__]
    missing = [
        f"{model.__name__}.{field}"
        for model in models
        if isinstance(model, type) and issubclass(model, treatment.ProtocolModel)
        for field in model.model_fields
        if f"`{field}`" not in doc
    ]
    assert missing == []
