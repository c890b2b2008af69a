"""Vital signs and first-dose preconditions at the dosing gate: every missing or out-of-range value is a reason."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from trialdesk.core.dosing.ladder import GateReason
from trialdesk.protocol.dose_safety import FirstDosePreconditions, VitalSignLimit


def out_of_range(limits: Sequence[VitalSignLimit], values: Mapping[str, Decimal]) -> list[str]:
    """'Temperature 39.5 °C is outside the acceptable range 35.5-37.9 °C', one per value outside its range."""
    return [
        f"{limit.label.en} {values[limit.id]} {limit.unit} is outside the acceptable range "
        f"{limit.describe_range()}"
        for limit in limits
        if limit.id in values and not limit.contains(values[limit.id])
    ]


def missing_vital_signs(limits: Sequence[VitalSignLimit], values: Mapping[str, Decimal]) -> list[str]:
    """The labels (with units) of the required vital signs not recorded."""
    return [
        f"{limit.label.en} ({limit.unit})" for limit in limits if limit.required and limit.id not in values
    ]


def vital_sign_reasons(limits: Sequence[VitalSignLimit], values: Mapping[str, Decimal]) -> list[GateReason]:
    reasons: list[GateReason] = []
    missing = missing_vital_signs(limits, values)
    if missing:
        reasons.append(
            GateReason(
                "vital_signs_missing",
                "The safety check does not record these vital signs: " + "; ".join(missing) + ".",
                params={
                    "items": tuple(
                        limit.label for limit in limits if limit.required and limit.id not in values
                    )
                },
            )
        )
    reasons += [
        GateReason(
            "vital_sign_out_of_range",
            f"{limit.label.en} {values[limit.id]} {limit.unit} is outside the acceptable range "
            f"{limit.describe_range()}: the dose may not be given.",
            params={
                "item": limit.label,
                "value": values[limit.id],
                "unit": limit.unit,
                "range": limit.describe_range(),
            },
        )
        for limit in limits
        if limit.id in values and not limit.contains(values[limit.id])
    ]
    return reasons


def precondition_reasons(
    preconditions: FirstDosePreconditions | None,
    forms_done: frozenset[str],
    form_titles: Mapping[str, str],
) -> list[GateReason]:
    """Before the first dose: the forms the protocol requires at its named visit, listing those not saved."""
    if preconditions is None:
        return []
    missing = [form_titles.get(f, f) for f in preconditions.forms if f not in forms_done]
    if not missing:
        return []
    return [
        GateReason(
            "first_dose_preconditions",
            f"Before the first dose these forms of the '{preconditions.visit}' visit must be saved: "
            + "; ".join(missing)
            + ".",
            params={"visit": preconditions.visit, "items": tuple(missing)},
        )
    ]


__all__ = ["missing_vital_signs", "out_of_range", "precondition_reasons", "vital_sign_reasons"]
