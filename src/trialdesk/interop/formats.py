"""The export formats by name (what `trialdesk export`, the API and the page offer); no Django, no I/O."""

from __future__ import annotations

SDTM_FORMATS = ("sdtm-xpt", "sdtm-json")
FORMATS: tuple[str, ...] = (
    "csv", "csv-wide", "codebook", "spss", "stata", "sas", "odm", "odm2", "sdtm-xpt", "sdtm-json", "define",
    "fhir", "redcap-dictionary",
)  # fmt: skip
