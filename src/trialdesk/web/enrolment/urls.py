"""Pages of screening, consent, randomization and the epidemiologist's list."""

from django.urls import URLPattern, path

from trialdesk.web.enrolment import participant_views, randomization_views, screening_views

app_name = "enrolment"

urlpatterns: list[URLPattern] = [
    # "new" is never a study code (codes are SITE-NNN), so it can sit beside participants/<code>/.
    path("participants/new/", participant_views.register, name="register"),
    path("participants/<str:code>/", participant_views.participant, name="participant"),
    path("participants/<str:code>/screening/", screening_views.screening, name="screening"),
    path("participants/<str:code>/consent/", screening_views.consent, name="consent"),
    path("participants/<str:code>/consent/withdraw/", screening_views.withdraw, name="withdraw"),
    path("participants/<str:code>/randomize/", randomization_views.randomize_participant, name="randomize"),
    path("randomization/", randomization_views.overview, name="randomization"),
    path("randomization/generate/", randomization_views.generate_list, name="generate"),
    path("randomization/list/", randomization_views.view, name="list"),
    path("randomization/list.csv", randomization_views.export, name="export"),
    path("randomization/import/", randomization_views.import_page, name="import"),
    path("randomization/concealment/", randomization_views.report, name="concealment"),
]
