"""The demo database gets two usable lots from one source and one expired lot (idempotent)."""

from __future__ import annotations

from trialdesk.bootstrap import ensure_demo_lots
from trialdesk.services.treatment.lots import list_lots


def test_demo_lots_two_usable_from_one_source_and_one_expired(investigator, study, clock) -> None:
    today = clock.now().date()
    ensure_demo_lots(investigator, study, today)
    ensure_demo_lots(investigator, study, today)
    rows = list_lots(investigator, study=study, clock=clock)
    assert len(rows) == 3
    usable = [r.lot for r in rows if r.usable]
    assert len(usable) == 2 and {lot.source_id for lot in usable} == {"PL-DEMO-01"}
    (expired,) = [r for r in rows if not r.usable]
    assert expired.problems == (f"expired on {expired.lot.expiry_date.isoformat()}",)
