"""Reading amendments: the trial's state for the rules, the version an amendment replaces, the difference."""

from __future__ import annotations

from dataclasses import dataclass

from trialdesk.core.roles import Action
from trialdesk.protocol.amendments import Change, Refusal, TrialState, diff_protocols, refused_changes
from trialdesk.records.casebook.models import ItemValue
from trialdesk.records.models import Allocation, ProtocolVersion, Study
from trialdesk.services.actors import Actor, authorize
from trialdesk.services.studies import protocol_of


def trial_state(study: Study) -> TrialState:
    """What the rules ask of the running trial: arms with participants, allocation begun, items holding data."""
    arms = frozenset(Allocation.objects.filter(participant__study=study).values_list("arm", flat=True).distinct())
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
