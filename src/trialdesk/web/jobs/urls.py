"""Pages of generated files (reports and exports made by background jobs)."""

from django.urls import URLPattern, path

from trialdesk.web.jobs import views

app_name = "jobs"

urlpatterns: list[URLPattern] = [
    path("generated/", views.request_file, name="request"),
    path("generated/<int:job_id>/", views.generated, name="generated"),
    path("generated/<int:job_id>/progress/", views.progress, name="progress"),
    path("generated/<int:job_id>/download/", views.download, name="download"),
    path("generated/<int:job_id>/files/<str:name>", views.download_part, name="part"),
    path("generated/<int:job_id>/release/", views.release, name="release"),
    path("released-results/", views.released, name="released"),
]
