from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from trialdesk.web import people_views, views
from trialdesk.web.api import api

admin.site.site_header = "trialdesk administration (superusers only)"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("signin/", views.SignInView.as_view(), name="login"),
    path("signout/", auth_views.LogoutView.as_view(), name="logout"),
    path("participants/", views.participants, name="participants"),
    path("preferences/", views.set_preferences, name="preferences"),
    path("people/", people_views.people, name="people"),
    path("", include("trialdesk.web.enrolment.urls")),
    path("", include("trialdesk.web.treatment.urls")),
    path("", include("trialdesk.web.casebook.urls")),
    path("", include("trialdesk.web.exports.urls")),
    path("", include("trialdesk.web.results.urls")),
    path("", include("trialdesk.web.jobs.urls")),
    path("", include("trialdesk.web.home.urls")),
    path("", include("trialdesk.web.amendments.urls")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
]
