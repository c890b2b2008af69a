"""Product lots: expiry, QC release, and the single-source requirement."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from trialdesk.core.lots import ProductLot, check_lot_for_dose, check_lot_usable, check_single_source
from trialdesk.errors import ValidationFailed
from trialdesk.protocol.base import Text
from trialdesk.protocol.treatment import (
    ArmDosing,
    DosingPlan,
    HoldRule,
    ProductDefinition,
    ReactionRule,
    SafetyCheckItem,
)

LOT = ProductLot(
    lot_id="EXO-2026-001",
    source_id="PLACENTA-07",
    amount_per_unit=Decimal("1e10"),
    amount_unit="particles",
    expiry_date=date(2026, 3, 31),
    qc_released=True,
)


def plan(single_source: bool) -> DosingPlan:
    return DosingPlan(
        product=ProductDefinition(
            name=Text(en="Exosomes"),
            unit_definition=Text(en="1e10 particles"),
            single_source_required=single_source,
        ),
        arms={"a": ArmDosing()},
        hold_rule=HoldRule.model_validate(
            {"description": {"en": "h"}, "conditions": [{"id": "any", "description": {"en": "any"}}]}
        ),
        reaction_rule=ReactionRule(action="hold", description=Text(en="hold")),
        pre_dose_safety_check=[SafetyCheckItem(id="vitals", label=Text(en="Vitals"))],
    )


def test_a_released_lot_is_usable_up_to_and_including_its_expiry_date() -> None:
    assert check_lot_usable(LOT, date(2026, 3, 31)) is LOT


def test_an_expired_lot_is_refused() -> None:
    with pytest.raises(ValidationFailed) as info:
        check_lot_usable(LOT, date(2026, 4, 1))
    assert (
        str(info.value.message)
        == "Lot EXO-2026-001 cannot be used on 2026-04-01: it is expired on 2026-03-31."
    )
    assert info.value.problems[0].where == "expiry_date"


def test_a_lot_not_released_by_quality_control_is_refused() -> None:
    with pytest.raises(ValidationFailed, match="not released by quality control"):
        check_lot_usable(replace(LOT, qc_released=False), date(2026, 1, 10))


def test_an_expired_unreleased_lot_names_both_problems() -> None:
    with pytest.raises(ValidationFailed) as info:
        check_lot_usable(replace(LOT, qc_released=False), date(2026, 5, 1))
    assert [p.where for p in info.value.problems] == ["expiry_date", "qc_released"]


def test_the_first_lot_of_a_participant_is_always_single_source() -> None:
    assert check_single_source([], LOT) is LOT


def test_a_lot_from_the_same_source_is_accepted() -> None:
    other = replace(LOT, lot_id="EXO-2026-002")
    assert check_single_source([LOT], other) is other


def test_a_lot_from_another_source_is_refused() -> None:
    with pytest.raises(ValidationFailed, match="requires a single source") as info:
        check_single_source([LOT], replace(LOT, lot_id="EXO-2026-009", source_id="PLACENTA-11"))
    assert "source PLACENTA-11" in info.value.message and "PLACENTA-07" in info.value.message


def test_single_source_is_checked_only_when_the_plan_requires_it() -> None:
    other_source = replace(LOT, lot_id="X", source_id="PLACENTA-11")
    on = date(2026, 1, 10)
    assert check_lot_for_dose(plan(False), lot=other_source, previous_lots=[LOT], on_date=on) is other_source
    with pytest.raises(ValidationFailed, match="single source"):
        check_lot_for_dose(plan(True), lot=other_source, previous_lots=[LOT], on_date=on)
    with pytest.raises(ValidationFailed, match="expired"):
        check_lot_for_dose(plan(False), lot=LOT, previous_lots=[], on_date=date(2027, 1, 1))
