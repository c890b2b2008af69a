"""Pages of the casebook area: participant casebook, form pages (+ htmx check), queries, verify/lock/sign.

The data-management pages (lab import, tracking, database lock) are in `urls_data.py` (owned by the data-management pages)."""

from django.urls import URLPattern, URLResolver, path

from trialdesk.web.casebook import views_bubble, views_casebook, views_forms, views_print, views_queries
from trialdesk.web.casebook.urls_data import urlpatterns_data

app_name = "casebook"

FORM = "participants/<str:code>/forms/<slug:visit_id>/<int:occurrence>/<slug:form_id>/"

urlpatterns: list[URLPattern | URLResolver] = [
    path("participants/<str:code>/forms/", views_casebook.casebook, name="casebook"),
    path("participants/<str:code>/sign/", views_casebook.sign, name="sign"),
    path("participants/<str:code>/casebook.pdf", views_print.casebook_pdf, name="casebook_pdf"),
    path("forms/annotated-crf.pdf", views_print.blank_crf_pdf, name="blank_crf_pdf"),
    path(FORM, views_forms.form_page, name="form"),
    path(FORM + "check/", views_forms.form_check, name="form_check"),
    path(FORM + "verify/", views_casebook.form_verify, name="form_verify"),
    path(FORM + "lock/", views_casebook.form_lock, name="form_lock"),
    path(FORM + "unlock/", views_casebook.form_unlock, name="form_unlock"),
    path(FORM + "queries/raise/", views_queries.query_raise, name="query_raise"),
    path(FORM + "queries/bubble/", views_bubble.query_bubble, name="query_bubble"),
    path("queries/", views_queries.inbox, name="queries"),
    path("queries/<int:query_id>/answer/", views_queries.query_answer, name="query_answer"),
    path("queries/<int:query_id>/close/", views_queries.query_close, name="query_close"),
    path("queries/<int:query_id>/reopen/", views_queries.query_reopen, name="query_reopen"),
    *urlpatterns_data,
]
