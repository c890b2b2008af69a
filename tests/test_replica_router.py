"""TRIALDESK_REPLICA_DATABASE_URL: reports and exports read from the replica, everything else uses the primary."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings

from trialdesk.records.models import AuditEntry, Participant
from trialdesk.records.replica import ReplicaRouter, replica_reads

ROUTER = ReplicaRouter()


def test_without_a_replica_every_read_stays_on_the_primary() -> None:
    assert "replica" not in settings.DATABASES
    with replica_reads():
        assert ROUTER.db_for_read(Participant) is None  # Django's default: the primary


def test_with_a_replica_only_reads_inside_replica_reads_go_to_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(settings.DATABASES, "replica", dict(settings.DATABASES["default"]))
    assert ROUTER.db_for_read(Participant) is None
    with replica_reads():
        assert ROUTER.db_for_read(Participant) == "replica"
        assert ROUTER.db_for_write(AuditEntry) == "default"  # writes never go to the replica
    assert ROUTER.db_for_read(Participant) is None  # the block is left: back to the primary
    assert ROUTER.allow_migrate("default", "records") and not ROUTER.allow_migrate("replica", "records")


def test_the_setting_adds_the_replica_database_and_the_router() -> None:
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'trialdesk.settings'; django.setup();"
        "from django.conf import settings as s; r = s.DATABASES['replica'];"
        "print(r['ENGINE'], r['HOST'], r['NAME'], s.DATABASE_ROUTERS[0])"
    )
    env = {
        **os.environ,
        "TRIALDESK_REPLICA_DATABASE_URL": "postgresql://reader@replica.internal:5432/trialdesk",
    }
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    engine, host, name, router = out.stdout.split()
    assert (engine, host, name) == ("django.db.backends.postgresql", "replica.internal", "trialdesk")
    assert router == "trialdesk.records.replica.ReplicaRouter"
