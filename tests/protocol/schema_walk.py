"""Walk the pydantic models reachable from a model, keeping those of the schema's own modules."""

from __future__ import annotations

import typing

from pydantic import BaseModel

OWN_MODULES = (
    "trialdesk.protocol.schema",
    "trialdesk.protocol.registration",
    "trialdesk.protocol.base",
    "trialdesk.protocol.analysis",
)


def _models_in(annotation: object) -> list[type[BaseModel]]:
    """The model classes named by a field annotation (through list[...], X | None, Annotated[...])."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    for argument in typing.get_args(annotation):
        found.extend(_models_in(argument))
    return found


def documented_models(root: type[BaseModel]) -> list[type[BaseModel]]:
    """`root` and every model reachable from it that is defined in OWN_MODULES, each once, in walk order."""
    seen: list[type[BaseModel]] = []
    pending = [root]
    while pending:
        model = pending.pop(0)
        if model in seen or model.__module__ not in OWN_MODULES:
            continue
        seen.append(model)
        for info in model.model_fields.values():
            pending.extend(_models_in(info.annotation))
    return seen
