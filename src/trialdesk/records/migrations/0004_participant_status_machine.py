"""Participant status becomes the core state machine: "screening" is now "registered", an eligible participant
with a recorded consent is "consented", and "lost to follow-up" exists."""

from django.db import migrations, models


def forward(apps, schema_editor):
    Participant = apps.get_model("records", "Participant")
    ConsentRecord = apps.get_model("records", "ConsentRecord")
    Participant.objects.filter(status="screening").update(status="registered")
    consented = ConsentRecord.objects.values_list("participant_id", flat=True)
    Participant.objects.filter(status="eligible", pk__in=consented).update(status="consented")


def backward(apps, schema_editor):
    Participant = apps.get_model("records", "Participant")
    Participant.objects.filter(status="registered").update(status="screening")
    Participant.objects.filter(status="consented").update(status="eligible")
    Participant.objects.filter(status="lost_to_follow_up").update(status="randomized")


class Migration(migrations.Migration):
    dependencies = [("records", "0003_enrolment_and_randomization")]

    operations = [
        migrations.AlterField(
            model_name="participant",
            name="status",
            field=models.CharField(
                choices=[
                    ("registered", "registered"),
                    ("screen_failed", "screen failed"),
                    ("eligible", "eligible"),
                    ("consented", "consented"),
                    ("randomized", "randomized"),
                    ("withdrawn", "withdrawn"),
                    ("completed", "completed"),
                    ("lost_to_follow_up", "lost to follow up"),
                ],
                default="registered",
                max_length=20,
            ),
        ),
        migrations.RunPython(forward, backward),
    ]
