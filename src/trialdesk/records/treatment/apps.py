from django.apps import AppConfig


class TreatmentRecordsConfig(AppConfig):
    name = "trialdesk.records.treatment"
    label = "treatment"
    verbose_name = "trialdesk treatment records"
    default_auto_field = "django.db.models.BigAutoField"
