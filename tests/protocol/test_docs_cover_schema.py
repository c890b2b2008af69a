"""docs/protocol.md documents every field of the protocol schema's own models, and the seed's assumptions.

Only models defined in trialdesk.protocol.schema and trialdesk.protocol.base are walked; the sections
owned by other modules (randomization, treatment, forms) are documented and tested with them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import BaseModel

from tests.protocol.schema_walk import documented_models
from trialdesk.protocol.loading import default_study_path, load_protocol
from trialdesk.protocol.schema import Protocol

DOCS = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"


def _model_sections(text: str) -> dict[str, str]:
    """Model name -> the text of its '### `Model`' section."""
    parts = re.split(r"^### `(\w+)`\s*$", text, flags=re.MULTILINE)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts) - 1, 2)}


MODELS = documented_models(Protocol)


def test_the_walk_reaches_the_registration_sub_models() -> None:
    names = {model.__name__ for model in MODELS}
    assert {
        "Registration",
        "EthicsCommittee",
        "FundingSource",
        "Contact",
        "Address",
        "Text",
        "Assumption",
    } <= names


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_every_field_of_the_model_is_documented_in_its_section(model: type[BaseModel]) -> None:
    sections = _model_sections(DOCS.read_text(encoding="utf-8"))
    assert model.__name__ in sections, f"docs/protocol.md has no section ### `{model.__name__}`"
    missing = [name for name in model.model_fields if f"`{name}`" not in sections[model.__name__]]
    assert not missing, f"{model.__name__} fields missing from docs/protocol.md: {missing}"


def test_every_assumption_of_the_default_study_is_listed() -> None:
    text = DOCS.read_text(encoding="utf-8")
    missing = [a.id for a in load_protocol(default_study_path()).assumptions if f"`{a.id}`" not in text]
    assert not missing, f"assumptions missing from docs/protocol.md: {missing}"
