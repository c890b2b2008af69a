"""One question of a case-report form (`forms[].sections[].items[]`): its type, limits, choices, lab test,
expression, show_if and weight, and how it is coded outside the lab (SDTM findings)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from pydantic import Field, model_validator

from trialdesk.core.expressions import Expression, parse
from trialdesk.protocol.base import ProtocolModel, Text
from trialdesk.protocol.form_fields import ExpressionText, Identifier, Range, within

ItemType = Literal[
    "text",
    "integer",
    "decimal",
    "date",
    "datetime",
    "yes_no",
    "single_choice",
    "multiple_choice",
    "ordinal",
    "lab",
    "calculated",
]
CHOICE_TYPES: frozenset[str] = frozenset({"single_choice", "multiple_choice", "ordinal"})
NUMERIC_TYPES: frozenset[str] = frozenset({"integer", "decimal"})


class Choice(ProtocolModel):
    """One answer option: a stable code (stored) and a bilingual label (shown)."""

    code: str = Field(min_length=1)
    label: Text


class FindingsCode(ProtocolModel):
    """How a non-laboratory measurement is coded in an SDTM findings domain (e.g. VS SYSBP)."""

    domain: Literal["VS"]
    test_code: str = Field(min_length=1, max_length=8, pattern=r"^[A-Z][A-Z0-9_]*$")
    test_name: str = Field(min_length=1, max_length=40)
    assumption: str | None = None


class ItemDefinition(ProtocolModel):
    """One question of a form.

    `hard_limits` refuse a value; `soft_limits` warn and need a confirmation with a reason. A `lab` item
    takes its limits, units and reference range from its `lab_test`. An `ordinal` or `single_choice` item
    may name a non-quantitative `lab_test` for its codes (e.g. ANA titre, lupus anticoagulant).
    """

    id: Identifier
    label: Text
    type: ItemType
    required: bool = False
    help: Text | None = None
    unit: str | None = None
    decimals: int | None = Field(default=None, ge=0, le=10)
    max_length: int | None = Field(default=None, gt=0)
    hard_limits: Range | None = None
    soft_limits: Range | None = None
    choices: list[Choice] = Field(default_factory=list)
    lab_test: Identifier | None = None
    fasting_item: Identifier | None = None
    expression: ExpressionText | None = None
    show_if: ExpressionText | None = None
    weight: int | None = Field(default=None, ge=0)
    findings: FindingsCode | None = None
    not_assessed_allowed: bool = False
    assumption: str | None = None
    # Identifying data (e.g. a date of birth): shown only to roles that see identity, never to pseudonymous
    # readers (statistician, data manager, ethics committee), nor written into the audit log.
    identifying: bool = False

    @model_validator(mode="after")
    def _consistent(self) -> ItemDefinition:
        kind = self.type
        if kind in CHOICE_TYPES:
            if len(self.choices) < 2:
                raise ValueError(f"a {kind} item needs at least two choices")
            codes = [c.code for c in self.choices]
            duplicate = next((c for c in codes if codes.count(c) > 1), None)
            if duplicate is not None:
                raise ValueError(f"choice code '{duplicate}' is used twice")
        elif self.choices:
            raise ValueError(f"a {kind} item has no choices")
        if (self.hard_limits or self.soft_limits) and kind not in NUMERIC_TYPES:
            raise ValueError("limits belong to integer and decimal items (a lab item uses its lab test's)")
        if not within(self.soft_limits, self.hard_limits):
            raise ValueError("soft_limits must lie within hard_limits")
        if kind == "lab" and self.lab_test is None:
            raise ValueError("a lab item names its lab_test")
        if self.lab_test is not None and kind not in ("lab", "ordinal", "single_choice"):
            raise ValueError("only lab, ordinal and single_choice items refer to a lab_test")
        if self.fasting_item is not None and kind != "lab":
            raise ValueError("only a lab item has a fasting_item")
        if (kind == "calculated") != (self.expression is not None):
            raise ValueError("a calculated item has an expression, and only a calculated item has one")
        if kind == "calculated" and self.required:
            raise ValueError("a calculated item cannot be required (the system fills it)")
        if self.findings is not None and kind not in NUMERIC_TYPES:
            raise ValueError(
                "findings codes belong to integer and decimal items (lab items use their lab test)"
            )
        if (self.weight is not None or self.not_assessed_allowed) and kind != "yes_no":
            raise ValueError("only yes_no items carry a weight or a 'not assessed' answer")
        if self.decimals is not None and kind != "decimal":
            raise ValueError("decimals applies to decimal items")
        if self.max_length is not None and kind != "text":
            raise ValueError("max_length applies to text items")
        return self

    @property
    def choice_codes(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.choices)

    def expressions(self) -> Iterator[tuple[str, Expression]]:
        """(field name, parsed expression) for `show_if` and `expression`."""
        if self.show_if is not None:
            yield "show_if", parse(self.show_if)
        if self.expression is not None:
            yield "expression", parse(self.expression)


__all__ = ["CHOICE_TYPES", "NUMERIC_TYPES", "Choice", "FindingsCode", "ItemDefinition", "ItemType"]
