"""The GRANT statements of docs/deployment.md: the application role appends and reads the audit log only."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError

from trialdesk.records import audit
from trialdesk.records.models import AuditEntry

DOC = Path(__file__).resolve().parents[2] / "docs" / "deployment.md"


def _grant_statements(database: str, role: str) -> list[str]:
    block = re.search(r"```sql\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert block is not None, "docs/deployment.md has no sql block"
    lines = [line.split("--")[0].strip() for line in block.group(1).splitlines()]
    statements = [line.rstrip(";") for line in lines if line and not line.startswith("CREATE ROLE")]
    return [
        s.replace("DATABASE trialdesk", f'DATABASE "{database}"').replace("trialdesk_app", role)
        for s in statements
    ]


@pytest.mark.postgres_only
@pytest.mark.django_db
def test_the_application_role_cannot_update_or_delete_audit_rows() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("database roles and grants exist on PostgreSQL only")
    role = "trialdesk_app_grants_test"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {role} NOLOGIN")  # rolled back with the test's transaction
        for statement in _grant_statements(connection.settings_dict["NAME"], role):
            cursor.execute(statement)
        cursor.execute(f"SET ROLE {role}")
    try:
        with transaction.atomic():
            entry = audit.append(at=datetime(2026, 1, 10, tzinfo=UTC), actor="a", role="", action="x.y",
                                 object_type="t", object_id="1", before=None, after=None)  # fmt: skip
        assert AuditEntry.objects.filter(pk=entry.pk).exists()
        for change in (lambda: AuditEntry.objects.filter(pk=entry.pk).update(reason="x"),
                       lambda: AuditEntry.objects.filter(pk=entry.pk).delete()):  # fmt: skip
            with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
                change()
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")
