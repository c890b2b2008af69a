"""Importing a randomization list made elsewhere (Sealed Envelope block list, REDCap allocation table).

The file is parsed and checked by the pure importers in `core.randomization` (arms, strata, block balance,
duplicates; every problem named by its row, all raised together in one `ValidationFailed`); the list is then
stored exactly like a generated one (`services.randomization.store_list`): it becomes the active list and its
SHA-256 commitment is published. A second audit entry records the imported file's own SHA-256, so the file the
epidemiologist received can be matched later.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import replace
from typing import Literal, get_args

from trialdesk.core.input_rules import raise_problems, text_problems
from trialdesk.core.randomization import ImportMapping, import_redcap, import_sealed_envelope
from trialdesk.core.roles import Action
from trialdesk.errors import Conflict, Problem, ValidationFailed
from trialdesk.records.models import RandomizationList, Study
from trialdesk.services.actors import Actor, authorize
from trialdesk.services.randomization import design_of, store_list
from trialdesk.services.versions import Purpose, governing_protocol
from trialdesk.testing import SYSTEM_CLOCK, Clock

ListFormat = Literal["sealed_envelope", "redcap"]
FORMATS: tuple[str, ...] = get_args(ListFormat)
MAX_FILE_CHARS = 2_000_000  # a list of tens of thousands of rows; anything larger is not a list


def default_treatments(study: Study) -> dict[str, str]:
    """Arm names (English and Persian, as written in the protocol) -> arm id, so 'Exosome' needs no mapping.

    REDCap's coded values ('1', '2') are never guessed: a wrong guess would swap the arms silently.
    """
    protocol = governing_protocol(study=study, purpose=Purpose.RANDOMIZATION)
    labels: dict[str, str] = {}
    for arm in protocol.arms:
        for label in (arm.name.en, arm.name.fa):
            if label:
                labels[label] = arm.id
    return labels


def import_list(
    actor: Actor,
    *,
    study: Study,
    source: str,
    text: str | bytes,
    mapping: ImportMapping | None = None,
    file_name: str = "",
    clock: Clock = SYSTEM_CLOCK,
) -> RandomizationList:
    """Check the file against the protocol's design and store it as the study's active list."""
    authorize(actor, Action.IMPORT_LIST)
    if source not in FORMATS:
        raise ValidationFailed(
            "The list cannot be imported", (Problem("format", f"must be one of {', '.join(FORMATS)}"),)
        )
    if len(text) > MAX_FILE_CHARS:
        raise ValidationFailed(
            "The list cannot be imported", (Problem("file", f"is larger than {MAX_FILE_CHARS} bytes"),)
        )
    raise_problems(text_problems(file_name, where="file_name", max_length=255), "The list cannot be imported")
    design, _ = design_of(study)
    if design.method != "permuted_blocks":
        raise Conflict(f"The protocol randomizes by {design.method}; only a block list can be imported")
    given = mapping or ImportMapping()
    # Explicit labels win over the arm names taken from the protocol.
    mapping = replace(given, treatments={**default_treatments(study), **dict(given.treatments)})
    site_codes = list(study.sites.order_by("code").values_list("code", flat=True))
    importer = import_sealed_envelope if source == "sealed_envelope" else import_redcap
    core = importer(text, design=design, mapping=mapping, site_codes=site_codes)
    return store_list(
        actor,
        Action.IMPORT_LIST,
        study=study,
        core=core,
        design=design,
        source=source,
        seed="",
        clock=clock,
        imported={
            "format": source,
            "file_name": file_name,
            "file_sha256": hashlib.sha256(
                text if isinstance(text, bytes) else text.encode("utf-8")
            ).hexdigest(),
        },
    )


def parse_pairs(lines: str | list[str], *, where: str) -> dict[str, str]:
    """'label=arm' pairs (one per line or list item; blank lines skipped) for the edges (web form, CLI)."""
    items = lines.splitlines() if isinstance(lines, str) else lines
    pairs: dict[str, str] = {}
    problems: list[Problem] = []
    for number, raw in enumerate(items, start=1):
        if not raw.strip():
            continue
        label, sep, value = raw.partition("=")
        if not sep or not label.strip() or not value.strip():
            problems.append(Problem(f"{where} line {number}", f"'{raw.strip()}' is not of the form label=id"))
            continue
        pairs[label.strip()] = value.strip()
    if problems:
        raise ValidationFailed("The import mapping cannot be read", tuple(problems))
    return pairs


def mapping_from(treatments: Mapping[str, str]) -> ImportMapping:
    return ImportMapping(treatments=dict(treatments))
