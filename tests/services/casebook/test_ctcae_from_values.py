"""Issue 11: a stored triglyceride result gets its CTCAE grade from the absolute thresholds, not from the flag."""

from __future__ import annotations

import pytest

from tests.services.casebook.helpers import labs
from trialdesk.core.roles import Role
from trialdesk.records.casebook.models import ItemValue
from trialdesk.services.casebook.entry import save_form

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("lab_high", [None, "150", "200"])
def test_triglycerides_150_mg_dl_stored_with_grade_1_whatever_the_laboratory_range(
    actors, enrol, clock, lab_high
) -> None:
    participant = enrol(arm="control")
    triglycerides = {"value": "150", "unit": "mg/dL"} | ({"high": lab_high} if lab_high else {})
    save_form(
        actors[Role.INVESTIGATOR],
        participant,
        visit_id="baseline",
        form_id="lab_panel",
        values=labs(sample_date=clock.now().date().isoformat(), triglycerides=triglycerides),
        clock=clock,
    )
    row = ItemValue.objects.get(item_id="triglycerides")
    assert row.flag == "" and (row.ctcae_term, row.ctcae_grade) == ("Hypertriglyceridemia", 1)
