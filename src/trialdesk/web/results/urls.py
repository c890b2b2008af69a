"""Pages of the results area: the results report, its dataset downloads, the committee's safety report."""

from django.urls import URLPattern, path

from trialdesk.web.results import views

app_name = "results"

urlpatterns: list[URLPattern] = [
    path("results/", views.results, name="results"),
    path("results/datasets/<str:name>.<str:fmt>", views.dataset, name="dataset"),
    path("safety-report/", views.safety, name="safety_report"),
]
