"""The audit log becomes a Merkle log: entries carry their own content hash, a background job seals them.

Entries of the old hash chain keep `sequence`, `previous_hash` and their chain hash (verify still checks the
chain for them) and are sealed here, in sequence order, as the first leaves of the tree; the first seal after
the upgrade signs a tree head over them. The old head row is checked against the chain before it is dropped:
a log whose newest entries were removed is refused, so the upgrade never blesses a truncated chain.
On PostgreSQL the append-only trigger of migration 0002 is extended to the leaf and tree-head tables.
"""

import hashlib

import django.db.models.deletion
import django.db.models.functions.datetime
from django.db import migrations, models


def seal_legacy_chain(apps, schema_editor):
    AuditEntry = apps.get_model("records", "AuditEntry")
    AuditLeaf = apps.get_model("records", "AuditLeaf")
    AuditHead = apps.get_model("records", "AuditHead")
    chained = AuditEntry.objects.filter(sequence__isnull=False).order_by("sequence")
    newest = chained.last()
    head = AuditHead.objects.filter(singleton=1).first()
    if head is not None and (
        head.length != chained.count() or (newest and head.last_hash != newest.entry_hash)
    ):
        raise RuntimeError(
            f"the audit chain's head records {head.length} entries but the log holds {chained.count()}: "
            "its newest entries were removed; run `trialdesk audit verify` on the previous version first"
        )
    leaves = []
    for index, (entry_id, entry_hash) in enumerate(chained.values_list("id", "entry_hash").iterator()):
        leaf = f"trialdesk-audit-leaf-v1\n{entry_id}\n{entry_hash}".encode()
        leaves.append(
            AuditLeaf(index=index, entry_id=entry_id, leaf_hash=hashlib.sha256(b"\x00" + leaf).hexdigest())
        )
    AuditLeaf.objects.bulk_create(leaves, batch_size=1000)


TABLES = ("records_auditleaf", "records_audittreehead")


FUNCTION = """
CREATE OR REPLACE FUNCTION trialdesk_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % refused on %', TG_OP, TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
"""


def protect_tables(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION, params=None)
        for table in TABLES:
            schema_editor.execute(
                f"CREATE TRIGGER trialdesk_audit_no_update_delete BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION trialdesk_audit_append_only()",
                params=None,
            )


def unprotect_tables(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(
                f"DROP TRIGGER IF EXISTS trialdesk_audit_no_update_delete ON {table}", params=None
            )


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0004_participant_status_machine"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditLeaf",
            fields=[
                ("index", models.PositiveBigIntegerField(primary_key=True, serialize=False)),
                ("leaf_hash", models.CharField(max_length=64)),
            ],
        ),
        migrations.CreateModel(
            name="AuditTreeHead",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("tree_size", models.PositiveBigIntegerField(unique=True)),
                ("root_hash", models.CharField(max_length=64)),
                ("timestamp_ms", models.BigIntegerField()),
                ("key_id", models.CharField(max_length=64)),
                ("signature", models.CharField(max_length=128)),
                ("frontier", models.JSONField(default=list)),
            ],
            options={
                "ordering": ["tree_size"],
            },
        ),
        migrations.AlterModelOptions(
            name="auditentry",
            options={"ordering": ["id"]},
        ),
        migrations.AddField(
            model_name="auditentry",
            name="recorded_at",
            field=models.DateTimeField(db_default=django.db.models.functions.datetime.Now()),
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="previous_hash",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="sequence",
            field=models.PositiveBigIntegerField(blank=True, null=True, unique=True),
        ),
        migrations.AddField(
            model_name="auditleaf",
            name="entry",
            field=models.OneToOneField(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="leaf",
                to="records.auditentry",
            ),
        ),
        migrations.RunPython(seal_legacy_chain, migrations.RunPython.noop),
        migrations.DeleteModel(
            name="AuditHead",
        ),
        migrations.RunPython(protect_tables, unprotect_tables),
    ]
