"""Each follow-up records when the site learned it, and expedited clocks count from that date; no clinical
judgement is taken by default."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.services.treatment.conftest import ae
from trialdesk.errors import ValidationFailed
from trialdesk.records.treatment.models import AdverseEvent, AdverseEventVersion
from trialdesk.services.treatment.adverse_events import (
    JUDGEMENT_FIELDS,
    report_adverse_event,
    update_adverse_event,
)

SERIOUS = {
    "term": "Pneumonitis",
    "grade": 3,
    "expectedness": "unexpected",
    "relationship_to_product": "probable",
}


def _report(investigator, participant, clock, **values):  # type: ignore[no-untyped-def]
    return report_adverse_event(
        investigator, participant=participant, details=ae(clock, **values), clock=clock
    )


def test_follow_up_that_makes_a_susar_counts_from_its_awareness_date_not_the_save(
    exosome, investigator, clock
) -> None:
    onset = clock.now() - timedelta(days=2)  # 2026-01-08
    first = _report(
        investigator,
        exosome,
        clock,
        onset_at=onset,
        seriousness=(),
        **{**SERIOUS, "expectedness": "expected"},
    )
    assert first.expedited is None
    clock.advance(timedelta(days=10))  # typed in on 2026-01-20, learned on 2026-01-12
    updated = update_adverse_event(
        investigator,
        event=AdverseEvent.objects.get(pk=first.event.pk),
        details=ae(clock, onset_at=onset, seriousness={"hospitalization"}, **SERIOUS),
        reason="admitted; not in the IB",
        aware_on=date(2026, 1, 12),
        clock=clock,
    )
    assert updated.expedited is not None
    assert updated.expedited.first_knowledge_on == date(2026, 1, 12)
    assert updated.expedited.initial_due_on == date(2026, 1, 27)  # 15 days from learning, not from the save
    assert AdverseEventVersion.objects.get(event=first.event, version=2).aware_on == date(2026, 1, 12)
    assert AdverseEventVersion.objects.get(event=first.event, version=1).aware_on == date(2026, 1, 10)


def test_upgrade_to_seven_days_counts_from_the_follow_ups_awareness_date(
    exosome, investigator, clock
) -> None:
    onset = clock.now() - timedelta(days=1)
    first = _report(investigator, exosome, clock, onset_at=onset, seriousness={"hospitalization"}, **SERIOUS)
    assert first.expedited is not None and first.expedited.initial_due_on == date(2026, 1, 25)
    clock.advance(timedelta(days=5))  # saved 2026-01-15, learned 2026-01-11
    updated = update_adverse_event(
        investigator,
        event=AdverseEvent.objects.get(pk=first.event.pk),
        details=ae(clock, onset_at=onset, seriousness={"hospitalization", "life_threatening"}, **SERIOUS),
        reason="intubated",
        aware_on=date(2026, 1, 11),
        clock=clock,
    )
    assert updated.expedited is not None and updated.expedited.initial_due_on == date(2026, 1, 18)


def test_awareness_date_defaults_to_today_and_is_refused_in_the_future_or_before_onset(
    exosome, investigator, clock
) -> None:
    onset = clock.now() - timedelta(days=1)
    first = _report(investigator, exosome, clock, onset_at=onset)
    event = AdverseEvent.objects.get(pk=first.event.pk)
    for day, rule in ((date(2026, 1, 11), "in the future"), (date(2026, 1, 8), "before the onset")):
        with pytest.raises(ValidationFailed) as refused:
            update_adverse_event(
                investigator,
                event=event,
                details=ae(clock, onset_at=onset),
                reason="more detail",
                aware_on=day,
                clock=clock,
            )
        assert [(p.where, p.rule) for p in refused.value.problems] == [("aware_on", rule)]
    result = update_adverse_event(
        investigator, event=event, details=ae(clock, onset_at=onset), reason="more detail", clock=clock
    )
    assert result.version.aware_on == date(2026, 1, 10)


@pytest.mark.parametrize("missing", [*JUDGEMENT_FIELDS, "seriousness"])
def test_a_missing_clinical_judgement_is_refused_naming_the_field(
    exosome, investigator, clock, missing
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        _report(investigator, exosome, clock, **{missing: None})
    assert [p.where for p in refused.value.problems] == [missing]
    assert not AdverseEvent.objects.exists()


def test_not_serious_is_an_explicit_answer(exosome, investigator, clock) -> None:
    event = _report(investigator, exosome, clock, seriousness=["not_serious"]).event
    assert event.seriousness == []
    with pytest.raises(ValidationFailed):
        _report(investigator, exosome, clock, seriousness=["not_serious", "hospitalization"])


def test_allergic_reaction_for_the_same_event_as_an_infusion_reaction_is_refused(
    exosome, investigator, clock
) -> None:
    _report(investigator, exosome, clock, term="infusion_related_reaction")
    with pytest.raises(ValidationFailed) as refused:
        _report(investigator, exosome, clock, term="allergic_reaction")
    assert (
        refused.value.problems[0].where == "term" and "Do not report both" in refused.value.problems[0].rule
    )
    assert AdverseEvent.objects.count() == 1
