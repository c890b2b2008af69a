"""Pages of the treatment area (dosing, lots, visits, adverse events, safety); full paths from the site root."""

from django.urls import URLPattern, path

from trialdesk.web.treatment import views, views_adverse_events, views_lots, views_safety, views_visits

app_name = "treatment"

urlpatterns: list[URLPattern] = [
    path("participants/<str:code>/dosing/", views.dosing, name="dosing"),
    path("participants/<str:code>/dosing/safety-check/", views.safety_check, name="safety_check"),
    path("participants/<str:code>/dosing/administer/", views.administer, name="administer"),
    path("lots/", views_lots.lots, name="lots"),
    path("lots/<path:lot_id>/release/", views_lots.release, name="release_lot"),
    path("participants/<str:code>/visits/", views_visits.visits, name="visits"),
    path("participants/<str:code>/visits/record/", views_visits.record, name="record_visit"),
    path("participants/<str:code>/deviations/", views_visits.deviation, name="record_deviation"),
    path("visits/overdue/", views_visits.overdue, name="overdue"),
    path(
        "participants/<str:code>/adverse-events/", views_adverse_events.adverse_events, name="adverse_events"
    ),
    path("adverse-events/ctcae-grades/", views_adverse_events.ctcae_grades, name="ctcae_grades"),
    path("adverse-events/lab-suggestion/", views_adverse_events.lab_suggestion, name="lab_suggestion"),
    path("safety/", views_safety.safety, name="safety"),
    path("safety/reports/<int:report_id>/sent/", views_safety.mark_sent, name="mark_sent"),
    path("safety/pauses/<int:pause_id>/decision/", views_safety.decide, name="decide_pause"),
]
