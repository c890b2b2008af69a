"""An amendment with a new consent document: the dose and data entry wait for the re-consent, which is listed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from tests.amended_seed import NEW_CONSENT, run_amendment
from tests.services.casebook.helpers import vitals
from trialdesk.core.roles import Role
from trialdesk.errors import Locked
from trialdesk.records.models import AuditEntry, Participant, Study
from trialdesk.records.treatment.models import Administration
from trialdesk.services.actors import Actor
from trialdesk.services.casebook.entry import save_form
from trialdesk.services.consent import record_consent
from trialdesk.services.reconsent import participants_needing_reconsent
from trialdesk.testing import FixedClock


def test_a_new_consent_version_blocks_the_next_dose_until_the_participant_re_consents(
    actors: dict[Role, Actor],
    study: Study,
    exosome: Participant,
    give: Callable[..., Administration],
    clock: FixedClock,
) -> None:
    give(exosome)
    run_amendment(actors, study, clock)
    flagged = AuditEntry.objects.get(action="amendment.reconsent_flagged")
    assert exosome.study_code in flagged.after["participants"]
    today = clock.now().date()
    listed = participants_needing_reconsent(actors[Role.RHEUMATOLOGIST], study=study, on=today)
    assert [(r.participant.pk, r.version_due, r.last_version) for r in listed] == [
        (exosome.pk, NEW_CONSENT, "1.0")
    ]

    clock.advance(timedelta(days=3))
    with pytest.raises(Locked, match=f"must re-consent on consent document version {NEW_CONSENT}"):
        give(exosome)
    with pytest.raises(Locked, match="re-consent"):
        save_form(
            actors[Role.RHEUMATOLOGIST],
            exosome,
            visit_id="baseline",
            form_id="vital_signs",
            values=vitals(),
            clock=clock,
        )

    record_consent(
        actors[Role.INVESTIGATOR],
        participant=exosome,
        document_version=NEW_CONSENT,
        consented_on=clock.now().date(),
        clock=clock,
    )
    exosome.refresh_from_db()
    assert exosome.status == "randomized"
    assert AuditEntry.objects.filter(action="consent.reconsent", object_id=exosome.study_code).exists()
    assert (
        participants_needing_reconsent(actors[Role.RHEUMATOLOGIST], study=study, on=clock.now().date()) == []
    )
    assert give(exosome).step_id == "step_2"
