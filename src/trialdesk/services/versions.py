"""Which protocol version governs: the one policy, used by every area.

Policy (docs/architecture.md, "Which protocol version governs"):
- A participant is governed, for every purpose, by the study's version **in force** on the day in question:
  the newest *active* version whose effective date has come. A protocol loaded from a file is active at once
  (no effective date: in force since loading); an amendment (services/amendments.py) is proposed, approved by
  the ethics committee and activated from an effective date that is never in the past. Proposed and approved
  versions govern nothing.
- A stored record (a screening, a consent, a form) keeps the version it was made under and is always read with
  its own version; only new records follow the version in force.
- A participant's arm label, schedule, ladder, forms to fill and consent document all come from the same
  governing version, so no two pages can disagree.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from django.db.models import Q

from trialdesk.errors import NotFound
from trialdesk.protocol.schema import Protocol
from trialdesk.records.models import Participant, ProtocolVersion, Study
from trialdesk.services.clock import local_today
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
    """The study's version in force on `day` (None: today): the newest active version already effective."""
    on = day if day is not None else local_today()
    version = (
        # The content (a large JSON document) is not read here: `protocol_of` parses it once per version and
        # process from its own query, so a caller that only needs the version decodes no JSON.
        study.protocol_versions.defer("content")
        .filter(state="active")
        .filter(Q(effective_from__isnull=True) | Q(effective_from__lte=on))
        .order_by("-loaded_at", "-id")
        .first()
    )
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
