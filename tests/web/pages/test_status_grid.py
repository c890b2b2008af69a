"""The record status grid: one site, participants x visits, coloured states, filters, counts, roles, pages."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.web.pages.bulk import clone
from trialdesk.core.roles import Role
from trialdesk.records.casebook.models import UNRESOLVED_QUERY_STATUSES
from trialdesk.records.models import Participant
from trialdesk.services.casebook.status_grid import status_grid

pytestmark = pytest.mark.django_db


def randomized_count() -> int:
    return Participant.objects.filter(allocation__isnull=False).count()


def test_grid_shows_each_participant_by_visit_with_states_and_links_to_forms(trial, client_for):
    exosome, control = trial.participants
    body = client_for(Role.MONITOR).get("/forms/status/").content.decode()
    assert body.count('data-testid="grid-row"') == randomized_count() == 3
    assert f'data-participant="{exosome.study_code}"' in body
    # the exosome participant's baseline vital signs have an unresolved query: the cell says so
    row = body.split(f'data-participant="{exosome.study_code}"')[1].split("</tr>")[0]
    assert re.search(r'<li class="state-open_query"><a href="[^"]*/baseline/1/vital_signs/"', row)
    assert f"/participants/{exosome.study_code}/forms/baseline/1/vital_signs/" in row
    # the system date is long after the fixed clock: later visits are overdue
    assert 'data-state="overdue"' in body
    assert 'data-testid="grid-count"' in body


def test_grid_filters_by_state_and_by_arm_for_roles_that_see_arms(trial, client_for):
    exosome, _control = trial.participants
    monitor = client_for(Role.MONITOR)
    only_queries = monitor.get("/forms/status/?status=open_query").content.decode()
    assert only_queries.count('data-testid="grid-row"') == 1 and exosome.study_code in only_queries
    by_arm = monitor.get("/forms/status/?arm=control").content.decode()
    controls = Participant.objects.filter(allocation__arm="control").count()
    assert (
        by_arm.count('data-testid="grid-row"') == controls
        and f'data-participant="{exosome.study_code}"' not in by_arm
    )
    assert 'data-testid="grid-arm"' in by_arm


def test_data_manager_sees_the_grid_without_arms_and_may_not_filter_by_arm(trial, client_for):
    manager = client_for(Role.DATA_MANAGER)
    body = manager.get("/forms/status/").content.decode()
    assert body.count('data-testid="grid-row"') == randomized_count()
    assert 'data-testid="grid-arm"' not in body and 'data-testid="grid-arm-cell"' not in body
    assert "exosome" not in body.lower().split('data-testid="status-grid"')[1]
    assert manager.get("/forms/status/?arm=control").status_code == 403


def test_grid_is_refused_to_roles_without_form_data_and_unknown_filters_are_named(trial, client_for):
    assert client_for(Role.ETHICS_COMMITTEE).get("/forms/status/").status_code == 403
    refused = client_for(Role.MONITOR).get("/forms/status/?status=purple")
    assert refused.status_code == 400 and "status" in refused.content.decode()


def test_monitor_and_data_manager_reach_the_grid_and_tracking_from_their_menu(trial, client_for):
    for role in (Role.MONITOR, Role.DATA_MANAGER):
        body = client_for(role).get("/").content.decode()
        assert 'data-testid="nav-status-grid"' in body and 'data-testid="nav-tracking"' in body


def test_grid_pages_fifty_rows_reading_only_the_participants_of_the_page(trial, client_for):
    clone(trial.participants, 60 - randomized_count())
    monitor = client_for(Role.MONITOR)
    first = monitor.get("/forms/status/").content.decode()
    assert first.count('data-testid="grid-row"') == 50 and "1–50 of 60" in first
    assert "Counts on this page" in first
    with CaptureQueriesContext(connection) as captured:
        second = monitor.get("/forms/status/?page=2").content.decode()
    assert second.count('data-testid="grid-row"') == 10 and 'data-testid="pager-previous"' in second
    participants = [
        q["sql"] for q in captured if 'FROM "records_participant"' in q["sql"] and "COUNT" not in q["sql"]
    ]
    # the page's ten participants, not the site's sixty: LIMIT 10 OFFSET 50
    assert [sql.rsplit("ORDER BY", 1)[1] for sql in participants if "allocation" in sql] == [
        ' "records_participant"."study_code" ASC LIMIT 10 OFFSET 50'
    ]
    assert "91–100 of 60" not in monitor.get("/forms/status/?page=99").content.decode()


def test_grid_counts_the_states_of_the_rows_of_the_page(trial, actors, site, clock):
    clone(trial.participants, 60 - randomized_count())
    monitor = actors[Role.MONITOR]
    first = status_grid(monitor, site.study, site_id=site.pk, per_page=50, clock=clock)
    last = status_grid(monitor, site.study, site_id=site.pk, page="9", per_page=50, clock=clock)
    assert (first.total, len(first.rows), first.page_number) == (60, 50, 1)
    assert (last.total, len(last.rows), last.page_number) == (60, 10, 2)
    for grid, shown in ((first, 50), (last, 10)):
        baseline = [c for c in grid.columns if c.visit_id == "baseline"][0]
        assert sum(n for _, n in baseline.counts) == shown


def test_a_filter_by_state_pages_the_matching_rows(trial, actors, site, clock):
    clone(trial.participants, 60 - randomized_count())
    grid = status_grid(
        actors[Role.MONITOR], site.study, site_id=site.pk, status="open_query", per_page=50, clock=clock
    )
    unresolved = Participant.objects.filter(form_records__queries__status__in=UNRESOLVED_QUERY_STATUSES)
    assert grid.total == len(grid.rows) == unresolved.distinct().count() > 1


def test_grid_in_persian_uses_persian_labels(trial, client_for):
    body = client_for(Role.MONITOR, "fa").get("/forms/status/").content.decode()
    assert 'dir="rtl"' in body and "وضعیت" in body


def test_cell_takes_the_most_pressing_state_of_its_forms(trial, actors, site, clock):
    grid = status_grid(actors[Role.MONITOR], site.study, site_id=site.pk, clock=clock)
    baseline = [c for c in grid.columns if c.visit_id == "baseline"][0]
    states = dict(baseline.counts)
    assert states.get("open_query") == 1 and sum(states.values()) == randomized_count()
    assert grid.arms_visible and {r.arm for r in grid.rows} == {"exosome", "control"}
