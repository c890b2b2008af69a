from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "trialdesk.web"
    label = "web"
