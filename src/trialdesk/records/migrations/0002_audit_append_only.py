"""On PostgreSQL the audit log refuses UPDATE and DELETE at the database itself (SQLite relies on the hash chain).

TRUNCATE is left to the table owner (test databases are flushed with it); the hash chain still detects it.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION trialdesk_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % refused on records_auditentry', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER trialdesk_audit_no_update_delete
    BEFORE UPDATE OR DELETE ON records_auditentry
    FOR EACH ROW EXECUTE FUNCTION trialdesk_audit_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS trialdesk_audit_no_update_delete ON records_auditentry;
DROP FUNCTION IF EXISTS trialdesk_audit_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("records", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
