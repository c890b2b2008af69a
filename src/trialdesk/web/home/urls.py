"""The participant home's own tabs: the timeline and the participant's queries."""

from django.urls import URLPattern, path

from trialdesk.web.home import views

app_name = "home"

urlpatterns: list[URLPattern] = [
    path("participants/<str:code>/timeline/", views.participant_timeline, name="timeline"),
    path("participants/<str:code>/queries/", views.participant_queries, name="queries"),
]
