""" "Save and go to next form": where the form page sends the user after a save with `then=next`."""

from __future__ import annotations

from django.urls import reverse

from trialdesk.records.models import Participant
from trialdesk.services.actors import Actor
from trialdesk.services.casebook.tracking import expected_forms

_DONE = ("saved", "verified", "locked", "visit_missed", "withdrawn")


def next_form_url(
    actor: Actor, participant: Participant, visit_id: str, occurrence: int, form_id: str
) -> str:
    """The next form still to fill after this one: first in the same visit occurrence, then the next one due
    or overdue in calendar order; the casebook when nothing is left."""
    forms = expected_forms(actor, participant)
    here = next(
        (
            i
            for i, f in enumerate(forms)
            if (f.visit_id, f.occurrence, f.form_id) == (visit_id, occurrence, form_id)
        ),
        -1,
    )
    later = forms[here + 1 :] + forms[: max(here, 0)]
    same_visit = [
        f for f in later if (f.visit_id, f.occurrence) == (visit_id, occurrence) and f.state not in _DONE
    ]
    missing = [f for f in later if f.missing]
    for form in (*same_visit, *missing):
        return reverse(
            "casebook:form", args=[participant.study_code, form.visit_id, form.occurrence, form.form_id]
        )
    return reverse("casebook:casebook", args=[participant.study_code])
