from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "trialdesk.records"
    label = "records"
    verbose_name = "trialdesk records"
    default_auto_field = "django.db.models.BigAutoField"
