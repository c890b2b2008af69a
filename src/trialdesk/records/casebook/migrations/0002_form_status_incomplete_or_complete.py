"""A form is saved "incomplete" (half-done, required items not enforced) or "complete" (issue 15, item 3).
Every form stored before was saved complete, so the old value "saved" becomes "complete"."""

from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def saved_is_complete(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    apps.get_model("casebook", "FormRecord").objects.filter(status="saved").update(status="complete")


def complete_is_saved(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    apps.get_model("casebook", "FormRecord").objects.exclude(status="saved").update(status="saved")


class Migration(migrations.Migration):
    dependencies = [
        ("casebook", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="formrecord",
            name="status",
            field=models.CharField(
                choices=[("incomplete", "incomplete"), ("complete", "complete")],
                default="complete",
                max_length=20,
            ),
        ),
        migrations.RunPython(saved_is_complete, complete_is_saved),
    ]
