"""Pages of the exports area."""

from django.urls import URLPattern, path

from trialdesk.web.exports import views

app_name = "exports"

urlpatterns: list[URLPattern] = [
    path("exports/", views.exports, name="exports"),
    path("exports/<slug:format>/download/", views.download, name="download"),
]
