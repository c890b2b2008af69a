"""Data queries: their states, the transitions between them, and who may take each one.

    action   from                          to         who
    answer   open, reopened                answered   the site (ANSWER_QUERY)
    close    open, answered, reopened      closed     the raiser (RAISE_QUERY)
    reopen   answered, closed              reopened   the raiser (RAISE_QUERY)

- the site answers (ANSWER_QUERY) an open or re-opened query;
- whoever raised it (the data manager for a query an edit check opened) closes it when open, answered or
  re-opened, and re-opens it when answered or closed (both need RAISE_QUERY).

The service asks `allowed_query_actions` what an actor may do next (pages only render that answer), and
`next_query_state` for the state after an action, which refuses the rest.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from trialdesk.core.roles import Action
from trialdesk.errors import Conflict, PermissionDenied


class QueryState(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    CLOSED = "closed"
    REOPENED = "reopened"


class QueryAction(StrEnum):
    ANSWER = "answer"
    CLOSE = "close"
    REOPEN = "reopen"


UNRESOLVED = frozenset({QueryState.OPEN, QueryState.ANSWERED, QueryState.REOPENED})


@dataclass(frozen=True)
class QueryTransition:
    permission: Action  # the permission the actor needs at the participant's site
    allowed_from: tuple[QueryState, ...]  # in the order the refusal names them
    to: QueryState
    raiser_only: bool  # only whoever raised the query (the data manager for automatic ones)
    past: str  # "answered", for messages


TRANSITIONS: dict[QueryAction, QueryTransition] = {
    QueryAction.ANSWER: QueryTransition(
        Action.ANSWER_QUERY, (QueryState.OPEN, QueryState.REOPENED), QueryState.ANSWERED, False, "answered"
    ),
    QueryAction.CLOSE: QueryTransition(
        Action.RAISE_QUERY,
        (QueryState.OPEN, QueryState.ANSWERED, QueryState.REOPENED),
        QueryState.CLOSED,
        True,
        "closed",
    ),
    QueryAction.REOPEN: QueryTransition(
        Action.RAISE_QUERY, (QueryState.ANSWERED, QueryState.CLOSED), QueryState.REOPENED, True, "reopened"
    ),
}


def raised_by_actor(*, raised_by: str, username: str, automatic: bool, data_manager_here: bool) -> bool:
    """Whether the actor counts as the query's raiser: they raised it, or it is automatic (an edit check
    raised it) and they are a data manager at the participant's site."""
    return raised_by == username or (automatic and data_manager_here)


def _may(
    transition: QueryTransition, state: QueryState, actor_may: Callable[[Action], bool], raised_by_me: bool
) -> bool:
    return (
        state in transition.allowed_from
        and actor_may(transition.permission)
        and (raised_by_me or not transition.raiser_only)
    )


def allowed_query_actions(
    state: QueryState, *, actor_may: Callable[[Action], bool], raised_by_me: bool
) -> frozenset[QueryAction]:
    """The actions this actor may take on a query in `state` (`actor_may`: the permission check at the
    participant's site; `raised_by_me`: see `raised_by_actor`)."""
    return frozenset(action for action, t in TRANSITIONS.items() if _may(t, state, actor_may, raised_by_me))


def next_query_state(
    query_id: int,
    state: QueryState,
    action: QueryAction,
    *,
    raised_by_me: bool,
    raiser: str,
    automatic: bool,
) -> QueryState:
    """The state after `action`, or the refusal: `PermissionDenied` for someone other than the raiser of a
    raiser-only action, `Conflict` naming the states it is allowed from. (The permission itself is checked
    by the use case before this.)"""
    transition = TRANSITIONS[action]
    if transition.raiser_only and not raised_by_me:
        who = "the data manager" if automatic else raiser
        raise PermissionDenied(f"Only {who}, who raised query {query_id}, may {action.value} it")
    if state not in transition.allowed_from:
        raise Conflict(
            f"Query {query_id} is {state.value}: it can be {transition.past} only "
            f"when {' or '.join(s.value for s in transition.allowed_from)}"
        )
    return transition.to


__all__ = [
    "TRANSITIONS",
    "UNRESOLVED",
    "QueryAction",
    "QueryState",
    "QueryTransition",
    "allowed_query_actions",
    "next_query_state",
    "raised_by_actor",
]
