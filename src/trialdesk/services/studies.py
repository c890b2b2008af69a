"""Loading a protocol into storage: a study row plus an immutable protocol version per distinct content."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from trialdesk.core.roles import Action
from trialdesk.errors import NotFound
from trialdesk.protocol.loading import (
    canonical_json,
    content_hash,
    default_study_path,
    load_protocol,
    parse_protocol,
)
from trialdesk.protocol.schema import Protocol
from trialdesk.records.models import ProtocolVersion, Study
from trialdesk.services.actors import Actor
from trialdesk.services.unit_of_work import use_case
from trialdesk.testing import SYSTEM_CLOCK, Clock


@dataclass(frozen=True)
class LoadedProtocol:
    study: Study
    version: ProtocolVersion
    created: bool  # False when this exact content was already stored


def install_protocol(
    actor: Actor, *, path: Path | None = None, make_default: bool = False, clock: Clock = SYSTEM_CLOCK
) -> LoadedProtocol:
    """Validate a protocol file and store it; a changed protocol becomes a new version, old data keep theirs."""
    protocol = load_protocol(path or default_study_path())
    return store_protocol(actor, protocol=protocol, make_default=make_default or path is None, clock=clock)


def store_protocol(
    actor: Actor, *, protocol: Protocol, make_default: bool, clock: Clock = SYSTEM_CLOCK
) -> LoadedProtocol:
    digest = content_hash(protocol)
    with use_case(actor, Action.LOAD_PROTOCOL, clock=clock, study_data=False) as uow:
        study, _ = Study.objects.get_or_create(
            protocol_key=protocol.id, defaults={"title": protocol.registration.scientific_title.en}
        )
        existing = ProtocolVersion.objects.filter(study=study, content_hash=digest).first()
        if make_default and not study.is_default:
            Study.objects.filter(is_default=True).exclude(pk=study.pk).update(is_default=False)
            study.is_default = True
            study.save(update_fields=["is_default"])
        if existing is not None:
            return LoadedProtocol(study, existing, created=False)
        version = ProtocolVersion.objects.create(
            study=study,
            version=protocol.version,
            content_hash=digest,
            content=json.loads(canonical_json(protocol)),
            loaded_by=actor.username,
        )
        uow.record(
            "protocol.load",
            object_type="protocol_version",
            object_id=version.pk,
            after={"study": protocol.id, "version": protocol.version, "content_hash": digest},
        )
        return LoadedProtocol(study, version, created=True)


_PARSED: dict[tuple[int, str], Protocol] = {}


def protocol_of(version: ProtocolVersion) -> Protocol:
    """The validated protocol object of a stored version.

    Parsed once per process and version: validation is a third of an allocation's time, and a stored version
    never changes (it is keyed by its content hash; `Protocol` is immutable)."""
    key = (version.pk, version.content_hash)
    if version.pk is None or key not in _PARSED:
        parsed = parse_protocol(version.content, source=f"stored protocol {version.version}")
        if version.pk is None:
            return parsed
        _PARSED[key] = parsed
    return _PARSED[key]


def default_study() -> Study:
    study = Study.objects.filter(is_default=True).first() or Study.objects.order_by("pk").first()
    if study is None:
        raise NotFound("No study is installed: run `trialdesk serve` or `trialdesk demo` first")
    return study
