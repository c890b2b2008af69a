"""Which protocol version governs: the one policy, used by every area.

Policy (docs/architecture.md, "Which protocol version governs"):
- A participant is governed, for every purpose, by the study's version **in force** on the day in question.
  Today every stored version takes effect the moment it is loaded, so the version in force is the newest one;
  protocol amendments (effective dates, approvals) refine `in_force_on` and nothing else.
- A stored record (a screening, a consent, a form) keeps the version it was made under and is always read with
  its own version; only new records follow the version in force.
- A participant's arm label, schedule, ladder, forms to fill and consent document all come from the same
  governing version, so no two pages can disagree.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from trialdesk.errors import NotFound
from trialdesk.protocol.schema import Protocol
from trialdesk.records.models import Participant, ProtocolVersion, Study
from trialdesk.services.studies import protocol_of


class Purpose(StrEnum):
    """Why the version is asked for; amendments may treat purposes differently (e.g. re-consent)."""

    REGISTRATION = "registration"
    SCREENING = "screening"
    CONSENT = "consent"
    RANDOMIZATION = "randomization"
    TREATMENT = "treatment"
    DATA_ENTRY = "data_entry"
    DISPLAY = "display"


def in_force_on(study: Study, day: date | None = None) -> ProtocolVersion:
    """The study's version in force on `day` (None: today). Every loaded version is in force from its loading."""
    # The content (a large JSON document) is not read here: `protocol_of` parses it once per version and
    # process from its own query, so a caller that only needs the version decodes no JSON.
    version = study.protocol_versions.defer("content").order_by("-loaded_at", "-id").first()
    if version is None:
        raise NotFound(f"Study {study.protocol_key} has no protocol")
    return version


def governing_version(
    *, study: Study, participant: Participant | None = None, purpose: Purpose, on: date | None = None
) -> ProtocolVersion:
    """The version that governs `participant` (or a new participant of `study`) for `purpose` on `on`."""
    del participant, purpose  # same answer for every participant and purpose until amendments say otherwise
    return in_force_on(study, on)


def governing_protocol(
    *, study: Study, participant: Participant | None = None, purpose: Purpose, on: date | None = None
) -> Protocol:
    """The parsed protocol of `governing_version` (parsed once per process and version)."""
    return protocol_of(governing_version(study=study, participant=participant, purpose=purpose, on=on))
