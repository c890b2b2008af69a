"""One "today": the study's local day, the same for a page's pre-filled date and the service that checks it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD
from tests.factories import all_met
from trialdesk.core.roles import Role
from trialdesk.errors import ValidationFailed
from trialdesk.records.models import ScreeningRecord
from trialdesk.services.clock import local_today
from trialdesk.services.consent import record_consent
from trialdesk.services.participants import IdentityDetails, register_for_screening
from trialdesk.services.screening import screen
from trialdesk.testing import FixedClock, frozen_system_clock

# (zone, UTC instant, the local date there): 00:30 and 23:30 local time east and west of UTC.
MOMENTS = [
    ("Asia/Tehran", datetime(2026, 3, 9, 21, 0, tzinfo=UTC), date(2026, 3, 10)),  # 00:30 +03:30
    ("Asia/Tehran", datetime(2026, 3, 10, 20, 0, tzinfo=UTC), date(2026, 3, 10)),  # 23:30 +03:30
    ("America/Bogota", datetime(2026, 3, 10, 5, 30, tzinfo=UTC), date(2026, 3, 10)),  # 00:30 -05:00
    ("America/Bogota", datetime(2026, 3, 11, 4, 30, tzinfo=UTC), date(2026, 3, 10)),  # 23:30 -05:00
]


@pytest.mark.parametrize(("zone", "instant", "local_day"), MOMENTS)
def test_local_today_is_the_study_zones_day(settings, zone, instant, local_day) -> None:
    settings.TIME_ZONE = zone
    assert local_today(FixedClock(instant)) == local_day


@pytest.mark.parametrize(("zone", "instant", "local_day"), MOMENTS)
def test_screening_and_consent_accept_the_local_today_and_refuse_the_local_tomorrow(
    settings, actors, site, zone, instant, local_day
) -> None:
    settings.TIME_ZONE = zone
    clock = FixedClock(instant)
    doctor = actors[Role.RHEUMATOLOGIST]
    p = register_for_screening(
        doctor,
        site=site,
        identity=IdentityDetails(full_name="Z"),
        sex="female",
        year_of_birth=1990,
        clock=clock,
    )
    with pytest.raises(ValidationFailed) as refused:
        screen(
            doctor, participant=p, answers=all_met(p), screened_on=local_day + timedelta(days=1), clock=clock
        )
    assert refused.value.problems[0].where == "screened_on"
    screen(doctor, participant=p, answers=all_met(p), screened_on=local_day, clock=clock)
    record_consent(doctor, participant=p, document_version="1.0", consented_on=local_day, clock=clock)
    p.refresh_from_db()
    assert p.status == "consented"


@pytest.mark.parametrize(("zone", "instant", "local_day"), MOMENTS)
def test_the_screening_page_prefills_the_day_its_service_accepts(
    settings, actors, site, zone, instant, local_day
) -> None:
    settings.TIME_ZONE = zone
    doctor = actors[Role.RHEUMATOLOGIST]
    with frozen_system_clock(instant):
        p = register_for_screening(
            doctor, site=site, identity=IdentityDetails(full_name="Z"), sex="female", year_of_birth=1990
        )
        client = Client()
        assert client.login(username=Role.RHEUMATOLOGIST.value, password=PASSWORD)
        url = reverse("enrolment:screening", args=[p.study_code])
        page = client.get(url).content.decode()
        assert f'value="{local_day.isoformat()}"' in page
        answers = {f"answer_{cid}": v for cid, (v, _) in all_met(p).items()}
        response = client.post(url, {"screened_on": local_day.isoformat(), **answers})
    assert response.status_code in (200, 302), response.content.decode()[:2000]
    assert ScreeningRecord.objects.filter(participant=p, screened_on=local_day).exists()
