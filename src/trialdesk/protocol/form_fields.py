"""Field types shared by the protocol's form and lab-test models: identifiers, expressions, ranges."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, model_validator

from trialdesk.core.expressions import KEYWORDS, ExpressionError, parse
from trialdesk.protocol.base import ProtocolModel

_IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")


def _identifier(value: str) -> str:
    if not _IDENTIFIER.match(value) or "__" in value or value in KEYWORDS:
        raise ValueError(
            f"'{value}' is not a valid identifier (lower-case letters, digits and single '_', "
            "starting with a letter; not and/or/not/in/true/false/null)"
        )
    return value


def _expression(value: str) -> str:
    try:
        parse(value)
    except ExpressionError as exc:
        raise ValueError(exc.message) from None
    return value


Identifier = Annotated[str, AfterValidator(_identifier)]
ExpressionText = Annotated[str, AfterValidator(_expression)]


class Range(ProtocolModel):
    """Inclusive bounds; either may be open."""

    min: Decimal | None = None
    max: Decimal | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if self.min is None and self.max is None:
            raise ValueError("give at least one of min and max")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min}) is greater than max ({self.max})")
        return self

    def contains(self, value: Decimal) -> bool:
        return (self.min is None or value >= self.min) and (self.max is None or value <= self.max)


def within(inner: Range | None, outer: Range | None) -> bool:
    """Every bound `inner` gives lies within `outer` (an open soft bound is simply not checked)."""
    if inner is None or outer is None:
        return True
    return all(outer.contains(bound) for bound in (inner.min, inner.max) if bound is not None)


__all__ = ["ExpressionText", "Identifier", "Range", "within"]
