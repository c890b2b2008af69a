"""The web layer words the core's codes: units, numbers, gate reasons, times with their zone."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from django.test import override_settings
from django.utils import translation

from trialdesk.core.dosing.ladder import GateReason
from trialdesk.protocol.base import Text
from trialdesk.web.dates import format_instant
from trialdesk.web.wording import amount_with_unit, readable_number, reason_sentence, sex_label, status_label


def test_numbers_lose_trailing_zeros_and_large_ones_become_powers_of_ten() -> None:
    assert readable_number(Decimal("10000000000.000000")) == "1 × 10¹⁰"
    assert readable_number(Decimal("0.50")) == "0.5"
    assert readable_number(Decimal("2.5E-7")) == "2.5 × 10⁻⁷"


def test_units_are_pluralised_in_english_and_named_in_persian() -> None:
    with translation.override("en"):
        assert amount_with_unit(Decimal("4.0"), "unit") == "4 units"
        assert amount_with_unit(Decimal("1"), "unit") == "1 unit"
        assert amount_with_unit(Decimal("0.1"), "unit") == "0.1 units"
        assert amount_with_unit(Decimal("1E10"), "particles") == "1 × 10¹⁰ particles"
        assert amount_with_unit(Decimal("2"), "mg/dL") == "2 mg/dL"
    with translation.override("fa"):
        assert amount_with_unit(Decimal("4"), "unit") == "4 واحد"


def test_statuses_and_sex_are_words_of_the_page_language() -> None:
    with translation.override("fa"):
        assert status_label("screen_failed") != "screen failed" and sex_label("female") != "Female"
    with translation.override("en"):
        assert status_label("lost_to_follow_up") == "lost to follow-up"


@override_settings(TIME_ZONE="Asia/Tehran")
def test_times_are_local_with_the_zone_named_never_utc() -> None:
    moment = datetime(2026, 1, 10, 9, 44, tzinfo=UTC)
    assert format_instant(moment, calendar="gregorian", language="en") == "2026-01-10 13:14 (Asia/Tehran)"


@override_settings(TIME_ZONE="Asia/Tehran")
def test_a_gate_reason_is_worded_in_persian_with_its_latin_parts_isolated() -> None:
    given = datetime(2026, 1, 10, 9, 44, tzinfo=UTC)
    reason = GateReason(
        "observation_period",
        "The 48-hour observation after Step 1 ...",
        params={"hours": 48, "step": Text(en="Step 1: 0.1 unit", fa="مرحله ۱"), "given_at": given},
    )
    with translation.override("fa"):
        html = reason_sentence(reason.code, reason.message, reason.params, calendar="gregorian")
    assert "پایش" in html and "<bdi>مرحله ۱</bdi>" in html
    assert "(Asia/Tehran)" in html and "UTC" not in html and "observation" not in html


def test_a_reason_without_a_sentence_falls_back_to_the_core_message_isolated() -> None:
    with translation.override("fa"):
        assert reason_sentence("unknown_code", "Some rule", {}) == "<bdi>Some rule</bdi>"


def test_where_the_participant_stands_is_worded_from_the_position_not_the_core_note() -> None:
    from trialdesk.core.dosing.ladder import DoseStep, LadderPosition
    from trialdesk.web.wording import position_sentence

    step = DoseStep(
        "step_1", Text(en="Step 1", fa="مرحله ۱"), Decimal("0.1"), "unit", "iv", "escalation", 0, 0, 48
    )
    position = LadderPosition(
        next_step=step,
        next_cycle=None,
        last_dose=None,
        last_step=None,
        last_dose_partial=False,
        first_dose_at=None,
        completed_step_ids=frozenset(),
        maintenance_cycles_done=0,
        reaction=None,
        stopped_by_reaction=False,
        finished=False,
        repeats_last_dose=False,
        note="first dose: Step 1",
    )
    with translation.override("fa"):
        html = position_sentence(position)
    assert "<bdi>مرحله ۱</bdi>" in html and "step_1" not in html and "first dose" not in html
    with translation.override("en"):
        assert position_sentence(position) == "First dose: <bdi>Step 1</bdi>."
