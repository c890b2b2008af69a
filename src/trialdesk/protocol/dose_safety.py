"""Protocol data for the pre-dose safety check: vital-sign limits and what must be done before the first dose.

`dosing.vital_sign_limits` names each vital sign measured before a dose, its unit and the acceptable range
(inclusive at both ends); the dosing gate refuses a dose when a required sign is missing or out of range.
`dosing.first_dose_preconditions` names the forms that must be saved at a visit (e.g. the baseline visit's
vital signs, disease activity and laboratory panel) before the first dose may be given.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field, model_validator

from trialdesk.protocol.base import ProtocolModel, Text

Slug = str


class VitalSignLimit(ProtocolModel):
    """One vital sign measured at the pre-dose safety check and its acceptable range `low`..`high` (inclusive)."""

    id: Slug
    label: Text
    unit: str = Field(min_length=1, description="the unit the value is entered in, e.g. °C, /min, mmHg, %")
    low: Decimal
    high: Decimal
    required: bool = True
    assumption: str | None = Field(
        default=None, description="why this range, when the registration gives none (shown in the docs)"
    )

    @model_validator(mode="after")
    def _range_is_ordered(self) -> VitalSignLimit:
        if not self.low < self.high:
            raise ValueError(f"vital sign '{self.id}': low ({self.low}) must be below high ({self.high})")
        return self

    def contains(self, value: Decimal) -> bool:
        return self.low <= value <= self.high

    def describe_range(self) -> str:
        """'35.5-37.9 °C'."""
        return f"{self.low}-{self.high} {self.unit}"


class FirstDosePreconditions(ProtocolModel):
    """Before the first dose of study product, these forms must be saved at `visit` (occurrence 1)."""

    visit: Slug
    forms: list[Slug] = Field(min_length=1)
    description: Text
    assumption: str | None = None


__all__ = ["FirstDosePreconditions", "VitalSignLimit"]
