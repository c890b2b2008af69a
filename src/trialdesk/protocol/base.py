"""Shared building blocks of the protocol schema: a frozen, strict base model and bilingual text."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class ProtocolModel(BaseModel):
    """Every protocol object: frozen (a computation returns new values) and strict about unknown keys."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class Text(ProtocolModel):
    """A text in English and (optionally) Persian. The English text is required."""

    en: str
    fa: str | None = None

    def in_language(self, language: str) -> str:
        """The text in `language` ('en' or 'fa'), falling back to English when no translation exists."""
        if language == "fa" and self.fa:
            return self.fa
        return self.en


class Assumption(ProtocolModel):
    """An editable assumption, made where the registration is vague. Listed in the docs and the UI."""

    id: str
    about: str
    text: str
