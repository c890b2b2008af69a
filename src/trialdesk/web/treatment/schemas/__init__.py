"""Request and response schemas of the treatment JSON API, one module per area (lots, dosing, visits,
adverse events, expedited reports, safety).

A response that is a copy of a stored row (or a core value) is read from it with `from_orm`; a field the row
names differently is given by a `resolve_<field>` static method. The other responses are built from the
service's result."""

from __future__ import annotations

from typing import Any

from ninja import Schema
from ninja.schema import DjangoGetter
from pydantic import ModelWrapValidatorHandler, ValidationInfo, model_validator


class RowSchema(Schema):
    """A schema read from a row through its resolvers. An instance already built is passed through as it is
    (ninja would read it again through the resolvers, which expect the row)."""

    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(
        cls, values: Any, handler: ModelWrapValidatorHandler[Any], info: ValidationInfo
    ) -> Any:
        if isinstance(values, cls):
            return values
        return handler(DjangoGetter(values, cls, info.context))
