"""One shape for every write: `with use_case(actor, Action.X, participant=...) as uow:`.

The unit of work, in this order:
1. checks the actor's permission for the action (at the participant's site when there is one);
2. opens the one transaction of the use case;
3. takes the locks in the one documented order: participant, then study, then (in the service) the stratum
   or anything else — always this order, so two use cases never wait for each other in a cycle;
4. runs the shared guards: the database lock (study data only), the participant's withdrawal, and a re-consent
   that an amendment made due (treatment and data entry only);
5. gives the service `uow.now` (UTC), `uow.today` (the study's local day), the locked rows, and
   `uow.record(...)`, which collects audit entries;
6. writes the collected audit entries just before commit; an exception anywhere rolls everything back,
   entries included.

No service opens `transaction.atomic()` or appends to the audit log by hand.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import transaction

from trialdesk.core.participant_status import ParticipantStatus, StatusEvent, is_withdrawn, next_status
from trialdesk.core.roles import Action
from trialdesk.errors import Locked
from trialdesk.records import audit
from trialdesk.records.models import ConsentWithdrawal, Participant, Study
from trialdesk.services.actors import Actor, authorize
from trialdesk.services.clock import local_date
from trialdesk.services.database_lock import ensure_database_open
from trialdesk.testing import SYSTEM_CLOCK, Clock


@dataclass(frozen=True)
class PendingEntry:
    action: str
    object_type: str
    object_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str
    actor: str | None = None  # None: the use case's actor
    role: str | None = None


@dataclass
class UnitOfWork:
    """What a service sees inside `use_case`: who, when, the locked rows, and the audit entries to write."""

    actor: Actor
    role: str
    now: datetime
    today: date
    study: Study | None
    participant: Participant | None
    entries: list[PendingEntry] = field(default_factory=list)
    guards_withdrawal: bool = True

    def lock_participant(self, participant: Participant) -> Participant:
        """Another participant's row, locked and guarded like the use case's own — for the few study-wide use
        cases that write for several participants (a lab import). The use case's own participant is returned
        as it is."""
        if self.participant is not None and self.participant.pk == participant.pk:
            return self.participant
        locked = (
            Participant.objects.select_for_update(of=("self",))
            .select_related("study", "site")
            .get(pk=participant.pk)
        )
        if self.guards_withdrawal:
            ensure_not_withdrawn(locked)
        return locked

    @property
    def locked_participant(self) -> Participant:
        """The participant row, locked for this transaction (the use case was opened with one)."""
        if self.participant is None:
            raise RuntimeError("this use case was opened without a participant")
        return self.participant

    @property
    def locked_study(self) -> Study:
        if self.study is None:
            raise RuntimeError("this use case was opened without a study")
        return self.study

    def record(
        self,
        action: str,
        *,
        object_type: str,
        object_id: object,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
        reason: str = "",
        actor: str | None = None,
        role: str | None = None,
    ) -> None:
        """Collect one audit entry (written before commit, in the order recorded). `actor`/`role` only for an
        entry the system makes within this use case (an edit check opening a query), not the signed-in actor."""
        self.entries.append(
            PendingEntry(action, object_type, str(object_id), before, after, reason, actor, role)
        )

    def change_status(self, event: StatusEvent, *, has_consent: bool = False) -> tuple[str, str]:
        """Move the locked participant through the status state machine; returns (before, after)."""
        participant = self.locked_participant
        before = ParticipantStatus(participant.status)
        after = next_status(before, event, has_consent=has_consent)
        if after is not before:
            participant.status = after.value
            participant.save(update_fields=["status"])
        return before.value, after.value

    def write_audit(self) -> None:
        for entry in self.entries:
            audit.append(
                at=self.now,
                actor=entry.actor or self.actor.username,
                role=entry.role or self.role,
                action=entry.action,
                object_type=entry.object_type,
                object_id=entry.object_id,
                before=entry.before,
                after=entry.after,
                reason=entry.reason,
            )
        self.entries.clear()


def ensure_not_withdrawn(participant: Participant) -> None:
    """The one withdrawal guard: a withdrawn participant takes no further data (what was recorded is kept)."""
    if is_withdrawn(ParticipantStatus(participant.status)):
        withdrawal = ConsentWithdrawal.objects.filter(participant=participant).first()
        on = f" on {withdrawal.withdrawn_on.isoformat()}" if withdrawal else ""
        raise Locked(
            f"{participant.study_code} withdrew consent{on}: "
            "no further data can be entered (data recorded before are kept)"
        )


def _ensure_current_consent(participant: Participant, action: Action, on: date) -> None:
    """The re-consent guard (services/reconsent.py; imported here as it reads the governing version)."""
    from trialdesk.services.reconsent import ensure_current_consent

    ensure_current_consent(participant, action, on)


@contextmanager
def use_case(
    actor: Actor,
    action: Action,
    *,
    participant: Participant | None = None,
    study: Study | None = None,
    site_id: int | None = None,
    clock: Clock = SYSTEM_CLOCK,
    lock_study: bool = False,
    study_data: bool = True,
    allow_withdrawn: bool = False,
) -> Iterator[UnitOfWork]:
    """Permission, transaction, locks (participant, then study), guards, then audit entries before commit.

    `study_data=False` is for set-up writes (sites, people, protocols) and audited reads (viewing the
    randomization list): the database lock, which freezes study data, does not apply to them.
    `allow_withdrawn=True` is for the few writes that still apply after a withdrawal (e.g. a safety follow-up).
    """
    site = participant.site_id if participant is not None else site_id
    role = authorize(actor, action, site)
    now = clock.now()
    with transaction.atomic():
        locked = None
        if participant is not None:
            locked = (
                Participant.objects.select_for_update(of=("self",))
                .select_related("site", "study")
                .get(pk=participant.pk)
            )
            study = locked.study
        if study is not None and lock_study:
            study = Study.objects.select_for_update().get(pk=study.pk)
        if study_data and study is not None:
            ensure_database_open(study.pk)
        if locked is not None and study_data and not allow_withdrawn:
            ensure_not_withdrawn(locked)
            _ensure_current_consent(locked, action, local_date(now))
        uow = UnitOfWork(
            actor=actor,
            role=role,
            now=now,
            today=local_date(now),
            study=study,
            participant=locked,
            guards_withdrawal=study_data and not allow_withdrawn,
        )
        yield uow
        uow.write_audit()
