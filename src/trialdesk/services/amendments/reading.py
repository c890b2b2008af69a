"""Reading amendments: the trial's state for the rules, the version an amendment replaces, the difference."""

from __future__ import annotations

from dataclasses import dataclass

from trialdesk.core.input_rules import text_problems
from trialdesk.core.roles import Action
from trialdesk.errors import NotFound, Problem, ValidationFailed
from trialdesk.protocol.amendments import Change, Refusal, TrialState, diff_protocols, refused_changes
from trialdesk.protocol.loading import MAX_PROTOCOL_BYTES, parse_protocol, protocol_mapping
from trialdesk.protocol.schema import Protocol
from trialdesk.records.casebook.models import ItemValue
from trialdesk.records.models import Allocation, ProtocolVersion, Study
from trialdesk.services.actors import Actor, authorize
from trialdesk.services.studies import protocol_of

MAX_FILENAME_CHARS = 200


def parse_upload(study: Study, raw: bytes, filename: str) -> Protocol:
    """An uploaded protocol file, validated: one file (no include) of this study, whose name and text hold no
    control characters (other than tab and new line) or bidirectional overrides."""
    problems = text_problems(filename, where="filename", max_length=MAX_FILENAME_CHARS)
    text = raw.decode("utf-8", errors="replace")
    problems += text_problems(text, where="file", max_length=MAX_PROTOCOL_BYTES, multiline=True)
    if problems:
        raise ValidationFailed("The protocol file cannot be read", tuple(problems))
    data = protocol_mapping(raw, filename or "protocol.yaml")
    if "include" in data:
        raise ValidationFailed(
            "An uploaded protocol must be one file",
            (Problem("include", "an uploaded protocol is one file: copy the included sections into it"),),
        )
    protocol = parse_protocol(data, source=filename or "protocol.yaml")
    if protocol.id != study.protocol_key:
        raise ValidationFailed(
            f"This file is the protocol of {protocol.id}, not of {study.protocol_key}",
            (Problem("id", f"must be {study.protocol_key}"),),
        )
    return protocol


def trial_state(study: Study) -> TrialState:
    """What the rules ask of the running trial: arms with participants, allocation begun, items holding data."""
    arms = frozenset(
        Allocation.objects.filter(participant__study=study).values_list("arm", flat=True).distinct()
    )
    items = frozenset(
        ItemValue.objects.filter(form_record__participant__study=study)
        .exclude(value=None)
        .values_list("item_id", flat=True)
        .distinct()
    )
    started = Allocation.objects.filter(participant__study=study).exists()
    return TrialState(arms_with_participants=arms, allocation_started=started, items_with_data=items)


def base_version(study: Study, before: ProtocolVersion | None = None) -> ProtocolVersion | None:
    """The newest active version (loaded before `before`, when given): the one an amendment replaces."""
    query = study.protocol_versions.filter(state="active")
    if before is not None:
        query = query.filter(loaded_at__lte=before.loaded_at).exclude(pk=before.pk)
    return query.order_by("-loaded_at", "-id").first()


@dataclass(frozen=True)
class AmendmentView:
    version: ProtocolVersion
    base: ProtocolVersion | None
    changes: list[Change]
    refusals: list[Refusal]  # against the trial as it stands now (empty for a version already active)


def amendment_view(version: ProtocolVersion) -> AmendmentView:
    """The difference of `version` against the version it replaces, and what the running trial would refuse."""
    base = base_version(version.study, before=version)
    if base is None:
        return AmendmentView(version, None, [], [])
    changes = diff_protocols(protocol_of(base), protocol_of(version))
    refusals = [] if version.state == "active" else refused_changes(changes, trial_state(version.study))
    return AmendmentView(version, base, changes, refusals)


def version_history(actor: Actor, *, study: Study) -> list[ProtocolVersion]:
    """Every version of the study, newest first, with its state, approval and effective date."""
    authorize(actor, Action.VIEW_AMENDMENTS)
    return list(study.protocol_versions.order_by("-loaded_at", "-id"))


def preview_upload(
    actor: Actor, *, study: Study, raw: bytes, filename: str
) -> tuple[list[Change], list[Refusal]]:
    """The difference an uploaded file would make and what the running trial would refuse (nothing stored)."""
    authorize(actor, Action.PROPOSE_AMENDMENT)
    protocol = parse_upload(study, raw, filename)
    base = base_version(study)
    if base is None:
        return [], []
    changes = diff_protocols(protocol_of(base), protocol)
    return changes, refused_changes(changes, trial_state(study))


def stored_version(actor: Actor, *, study: Study, pk: int) -> ProtocolVersion:
    """One version of the study (NotFound for another study's)."""
    authorize(actor, Action.VIEW_AMENDMENTS)
    found = study.protocol_versions.filter(pk=pk).first()
    if found is None:
        raise NotFound(f"Protocol version {pk} is not a version of {study.protocol_key}")
    return found
