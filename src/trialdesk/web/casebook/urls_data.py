"""URL patterns of the data-management pages (lab import, form tracking, database lock); `urls.py` of the
casebook area appends `urlpatterns_data` to its own patterns (app_name "casebook")."""

from __future__ import annotations

from django.urls import URLPattern, path

from trialdesk.web.casebook import views_grid, views_import, views_tracking

app_name = "casebook"

urlpatterns_data: list[URLPattern] = [
    path("labs/import/", views_import.lab_import, name="lab_import"),
    path("forms/tracking/", views_tracking.tracking, name="tracking"),
    path("database-lock/", views_tracking.database_lock_page, name="database_lock"),
    path("forms/status/", views_grid.grid, name="status_grid"),
]
