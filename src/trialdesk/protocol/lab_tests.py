"""Protocol section `lab_tests:` - a laboratory test: CDISC domain + test code (+ binding agent for IS),
LOINC, units with one conversion factor each, reference range, hard/soft limits."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, model_validator

from trialdesk.protocol.base import ProtocolModel, Text
from trialdesk.protocol.form_fields import Identifier, Range, within


class LoincCode(ProtocolModel):
    """A LOINC code for a test in one unit (mass vs molar) and, where it matters, fasting state."""

    code: Annotated[str, Field(pattern=r"^\d{1,7}-\d$")]
    unit: str | None = None
    fasting: bool | None = None
    name: str | None = None


class LabUnit(ProtocolModel):
    """An allowed unit: `factor` canonical units make one of this unit (value_canonical = value x factor)."""

    unit: str = Field(min_length=1)
    factor: Decimal = Field(default=Decimal(1), gt=0)
    reference_range: Range | None = None


class CtcaeLink(ProtocolModel):
    """The CTCAE term a value outside the reference range suggests (grading is `trialdesk.core.ctcae`'s)."""

    term: str
    direction: Literal["low", "high"]
    note: str | None = None


class LabTestDefinition(ProtocolModel):
    """A laboratory test: how it is coded (CDISC LB or IS, LOINC), measured and checked.

    `hard_limits` (physiologically impossible: refused) and `soft_limits` (implausible: need confirmation)
    are in the canonical unit; reference ranges are per unit (a laboratory's own range may be entered with
    the value and then wins).
    """

    code: Identifier
    label: Text
    domain: Literal["LB", "IS"]
    test_code: str = Field(min_length=1, max_length=8)
    test_name: str | None = None
    binding_agent: str | None = None
    method: str | None = None
    specimen: str | None = None
    result_type: Literal["quantitative", "ordinal", "categorical"]
    canonical_unit: str | None = None
    units: list[LabUnit] = Field(default_factory=list)
    loinc: list[LoincCode] = Field(default_factory=list)
    loinc_note: str | None = None
    hard_limits: Range | None = None
    soft_limits: Range | None = None
    ctcae: list[CtcaeLink] = Field(default_factory=list)
    assumption: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> LabTestDefinition:
        if self.domain == "IS" and not self.binding_agent:
            raise ValueError("an IS test names its binding_agent (ISBDAGNT)")
        if self.domain == "LB" and self.binding_agent:
            raise ValueError("binding_agent (ISBDAGNT) belongs to IS tests")
        names = [u.unit.casefold() for u in self.units]
        if len(names) != len(set(names)):
            raise ValueError("a unit is listed twice")
        if self.result_type == "quantitative":
            if self.canonical_unit is None:
                raise ValueError("a quantitative test names its canonical_unit")
            canonical = next((u for u in self.units if u.unit == self.canonical_unit), None)
            if canonical is None or canonical.factor != 1:
                raise ValueError("the canonical_unit must be one of the units, with factor 1")
        elif self.hard_limits or self.soft_limits:
            raise ValueError("limits belong to quantitative tests")
        if not within(self.soft_limits, self.hard_limits):
            raise ValueError("soft_limits must lie within hard_limits")
        return self

    @property
    def unit_names(self) -> tuple[str, ...]:
        return tuple(u.unit for u in self.units)


__all__ = ["CtcaeLink", "LabTestDefinition", "LabUnit", "LoincCode"]
