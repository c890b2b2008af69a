"""The audit-append benchmark works (before/after figures, the log still verifies), with tiny numbers."""

from __future__ import annotations

import pytest
from bench.audit_append import report
from bench.audit_append_core import HEAD_TABLE, as_json, run_append_benchmark
from django.db import connection

from trialdesk.records.audit.sealing import seal
from trialdesk.records.audit.verify import verify
from trialdesk.records.models import AuditEntry

pytestmark = pytest.mark.django_db(transaction=True)


def test_before_and_after_are_measured_and_the_log_still_verifies() -> None:
    results = run_append_benchmark(clients=(1, 2), appends=6, rounds=2)
    assert [(r.clients, r.appends) for r in results] == [(1, 6), (2, 6)]
    assert all(r.before_per_second > 0 and r.after_per_second > 0 for r in results)
    # Both kinds of entries were written: the chained baseline and the production append.
    assert AuditEntry.objects.filter(sequence__isnull=False).count() == 12
    assert AuditEntry.objects.filter(sequence__isnull=True).count() == 12
    assert HEAD_TABLE not in connection.introspection.table_names()
    seal()
    report_ = verify()
    assert report_.ok and report_.chained == 12, str(report_)
    printed = report(connection.vendor, as_json(results))
    assert "before: chained appends/s" in printed and printed.count("x |") == 2
