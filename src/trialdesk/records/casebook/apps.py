from django.apps import AppConfig


class CasebookRecordsConfig(AppConfig):
    name = "trialdesk.records.casebook"
    label = "casebook"
    verbose_name = "trialdesk casebook records"
    default_auto_field = "django.db.models.BigAutoField"
