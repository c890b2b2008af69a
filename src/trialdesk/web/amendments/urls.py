"""Pages of the amendments area."""

from django.urls import URLPattern, path

from trialdesk.web.amendments import views

app_name = "amendments"

urlpatterns: list[URLPattern] = [
    path("protocol/versions/", views.history, name="history"),
    path("protocol/versions/upload/", views.upload, name="upload"),
    path("protocol/versions/<int:pk>/", views.version, name="version"),
    path("protocol/versions/<int:pk>/approve/", views.approve, name="approve"),
    path("protocol/versions/<int:pk>/activate/", views.activate, name="activate"),
    path("protocol/reconsent/", views.reconsent, name="reconsent"),
]
