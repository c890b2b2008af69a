"""SLEDAI-2K totals and the modified SRI-4 (no BILAG) response."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trialdesk.core.sledai import (
    DESCRIPTORS,
    MAX_TOTAL,
    MODIFIED_SRI4_NAME,
    WEIGHTS,
    modified_sri4,
    sledai_2k_total,
)
from trialdesk.errors import ValidationFailed


def test_there_are_24_descriptors_weighted_8x8_6x4_7x2_3x1() -> None:
    assert len(DESCRIPTORS) == 24
    assert len(WEIGHTS) == 24
    assert Counter(d.weight for d in DESCRIPTORS) == {8: 8, 4: 6, 2: 7, 1: 3}


def test_maximum_total_is_105_when_every_descriptor_is_present() -> None:
    assert MAX_TOTAL == 105
    assert sledai_2k_total(WEIGHTS) == 105


def test_total_is_zero_when_nothing_is_present() -> None:
    assert sledai_2k_total(set()) == 0


def test_hand_worked_totals() -> None:
    # nephritis flare: proteinuria 4 + hematuria 4 + low complement 2 + increased DNA binding 2 = 12
    assert sledai_2k_total({"proteinuria", "hematuria", "low_complement", "increased_dna_binding"}) == 12
    # CNS: seizure 8 + lupus headache 8 + fever 1 = 17
    assert sledai_2k_total({"seizure", "lupus_headache", "fever"}) == 17
    # skin/joints: arthritis 4 + rash 2 + alopecia 2 + mucosal ulcers 2 + leukopenia 1 = 11
    assert sledai_2k_total({"arthritis", "rash", "alopecia", "mucosal_ulcers", "leukopenia"}) == 11


def test_unknown_descriptor_is_refused_by_name() -> None:
    with pytest.raises(ValidationFailed, match="bilag_a"):
        sledai_2k_total({"rash", "bilag_a"})


@given(st.sets(st.sampled_from(sorted(WEIGHTS))))
def test_total_is_the_sum_of_weights_and_within_0_to_105(present: set[str]) -> None:
    total = sledai_2k_total(present)
    assert total == sum(WEIGHTS[d] for d in present)
    assert 0 <= total <= 105


def test_modified_sri4_responder_at_exactly_four_point_reduction() -> None:
    assert modified_sri4(
        baseline_sledai=12, baseline_pga=Decimal("1.5"), followup_sledai=8, followup_pga=Decimal("1.5")
    )


def test_modified_sri4_non_responder_at_three_point_reduction() -> None:
    assert not modified_sri4(baseline_sledai=12, baseline_pga=1, followup_sledai=9, followup_pga=1)


def test_modified_sri4_pga_worsening_just_below_0_3_still_responds() -> None:
    assert modified_sri4(
        baseline_sledai=10, baseline_pga=Decimal("1.0"), followup_sledai=2, followup_pga=Decimal("1.29")
    )


def test_modified_sri4_pga_worsening_of_exactly_0_3_is_not_a_response() -> None:
    assert not modified_sri4(
        baseline_sledai=10, baseline_pga=Decimal("1.0"), followup_sledai=2, followup_pga=Decimal("1.3")
    )


def test_modified_sri4_pga_boundary_is_exact_with_floats_too() -> None:
    # 0.1 + 0.2 style float error must not move the 0.3 boundary
    assert not modified_sri4(baseline_sledai=10, baseline_pga=0.1, followup_sledai=2, followup_pga=0.4)


def test_modified_sri4_pga_improvement_with_reduction_responds() -> None:
    assert modified_sri4(baseline_sledai=20, baseline_pga=2, followup_sledai=4, followup_pga=Decimal("0.5"))


def test_modified_sri4_refuses_out_of_range_inputs() -> None:
    with pytest.raises(ValidationFailed, match="between 0 and 3"):
        modified_sri4(baseline_sledai=10, baseline_pga=4, followup_sledai=2, followup_pga=1)
    with pytest.raises(ValidationFailed, match="0 to 105"):
        modified_sri4(baseline_sledai=106, baseline_pga=1, followup_sledai=2, followup_pga=1)


def test_the_response_is_named_modified_sri4_not_sri4() -> None:
    assert MODIFIED_SRI4_NAME.startswith("modified SRI-4")
    assert "BILAG" in MODIFIED_SRI4_NAME
