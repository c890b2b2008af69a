"""The query transition table: which action from which state, and who may take it."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from trialdesk.core.queries import (
    QueryAction,
    QueryState,
    allowed_query_actions,
    next_query_state,
    raised_by_actor,
)
from trialdesk.core.roles import Action, Role, may
from trialdesk.errors import Conflict, PermissionDenied

A, S = QueryAction, QueryState


def as_role(role: Role) -> Callable[[Action], bool]:
    return lambda action: may(frozenset({role}), action)


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (S.OPEN, {A.CLOSE}),
        (S.ANSWERED, {A.CLOSE, A.REOPEN}),
        (S.REOPENED, {A.CLOSE}),
        (S.CLOSED, {A.REOPEN}),
    ],
)
def test_the_raiser_closes_and_reopens(state: QueryState, expected: set[QueryAction]) -> None:
    assert allowed_query_actions(state, actor_may=as_role(Role.MONITOR), raised_by_me=True) == expected


def test_a_monitor_who_did_not_raise_it_may_do_nothing() -> None:
    for state in S:
        assert allowed_query_actions(state, actor_may=as_role(Role.MONITOR), raised_by_me=False) == set()


@pytest.mark.parametrize(
    ("state", "expected"),
    [(S.OPEN, {A.ANSWER}), (S.REOPENED, {A.ANSWER}), (S.ANSWERED, set()), (S.CLOSED, set())],
)
def test_the_site_answers_open_and_reopened_queries(state: QueryState, expected: set[QueryAction]) -> None:
    for role in (Role.RHEUMATOLOGIST, Role.INVESTIGATOR):
        # being the raiser gives the site nothing more: closing needs RAISE_QUERY
        assert allowed_query_actions(state, actor_may=as_role(role), raised_by_me=True) == expected


def test_someone_without_query_permissions_gets_no_action() -> None:
    for state in S:
        assert allowed_query_actions(state, actor_may=lambda _: False, raised_by_me=True) == set()


def test_the_data_manager_counts_as_raiser_of_automatic_queries_only() -> None:
    assert raised_by_actor(raised_by="edit_check", username="dm", automatic=True, data_manager_here=True)
    assert not raised_by_actor(
        raised_by="edit_check", username="mon", automatic=True, data_manager_here=False
    )
    assert not raised_by_actor(raised_by="mon", username="dm", automatic=False, data_manager_here=True)
    assert raised_by_actor(raised_by="mon", username="mon", automatic=False, data_manager_here=False)


def test_refusals_name_the_raiser_or_the_states_allowed() -> None:
    assert (
        next_query_state(7, S.OPEN, A.ANSWER, raised_by_me=False, raiser="mon", automatic=False) is S.ANSWERED
    )
    assert next_query_state(7, S.ANSWERED, A.REOPEN, raised_by_me=True, raiser="mon", automatic=False) is (
        S.REOPENED
    )
    with pytest.raises(PermissionDenied, match="Only mon, who raised query 7, may close it"):
        next_query_state(7, S.OPEN, A.CLOSE, raised_by_me=False, raiser="mon", automatic=False)
    with pytest.raises(PermissionDenied, match="Only the data manager"):
        next_query_state(7, S.OPEN, A.REOPEN, raised_by_me=False, raiser="edit_check", automatic=True)
    with pytest.raises(Conflict, match="Query 7 is closed: it can be answered only when open or reopened"):
        next_query_state(7, S.CLOSED, A.ANSWER, raised_by_me=False, raiser="mon", automatic=False)
    with pytest.raises(Conflict, match="can be reopened only when answered or closed"):
        next_query_state(7, S.OPEN, A.REOPEN, raised_by_me=True, raiser="mon", automatic=False)
