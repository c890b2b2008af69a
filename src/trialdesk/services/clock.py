"""The one policy for "now" and "today": the clock's UTC instant, seen in the study's time zone.

Time is stored in UTC. Every rule that needs a calendar day (not in the future, day 3 of the ladder, a visit
window, a deadline) asks `local_today(clock)`; every page that pre-fills a date asks the same function, so a page
and the service it calls never disagree near midnight. The zone is `TRIALDESK_TIME_ZONE` (Django's TIME_ZONE).
No service calls `date.today()`, `datetime.now()` or `.date()` on a UTC instant.
"""

from __future__ import annotations

from datetime import date, datetime, tzinfo

from django.utils import timezone

from trialdesk.testing import SYSTEM_CLOCK, Clock


def study_zone() -> tzinfo:
    """The zone the study's days are counted in (one per installation: `TRIALDESK_TIME_ZONE`)."""
    return timezone.get_default_timezone()


def local_time(moment: datetime) -> datetime:
    """A stored (UTC) instant as the study's local time."""
    return moment.astimezone(study_zone())


def local_date(moment: datetime) -> date:
    """The study-local calendar day of an instant."""
    return local_time(moment).date()


def local_now(clock: Clock = SYSTEM_CLOCK) -> datetime:
    return local_time(clock.now())


def local_today(clock: Clock = SYSTEM_CLOCK) -> date:
    """Today in the study's zone: the day every "not in the future" and every window is measured against."""
    return local_date(clock.now())
