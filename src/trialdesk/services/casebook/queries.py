"""Data queries: raised on a form item by the monitor or data manager (or by an edit check), answered by the
site, closed or re-opened by whoever raised them (the data manager for automatic ones).

    raise_query(actor, participant, *, visit_id, occurrence, form_id, item_path, text, clock) -> QueryView
    answer_query(actor, query_id, *, text, clock) -> QueryView          site: open / re-opened -> answered
    close_query(actor, query_id, *, text="", clock) -> QueryView        raiser: open / answered / re-opened -> closed
    reopen_query(actor, query_id, *, text, clock) -> QueryView          raiser: answered / closed -> re-opened
    query_inbox(actor, *, study, site_id=None) -> list[QueryView]       what awaits this actor
    list_queries(actor, *, study, participant=None, status=None) -> list[QueryView]

Every write is refused with `Locked` after the database lock. Which transition may happen, and who may take
it, is `core/queries.py`; each `QueryView` carries the actions the actor it was read for may take.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet

from trialdesk.core.input_rules import LONG_TEXT, raise_problems, text_problems
from trialdesk.core.queries import (
    TRANSITIONS,
    QueryAction,
    QueryState,
    allowed_query_actions,
    next_query_state,
    raised_by_actor,
)
from trialdesk.core.roles import Action, Role
from trialdesk.errors import NotFound, PermissionDenied, Problem, ValidationFailed
from trialdesk.records.casebook.models import UNRESOLVED_QUERY_STATUSES, FormRecord, Query, QueryMessage
from trialdesk.records.models import Participant, Study
from trialdesk.services.actors import Actor
from trialdesk.services.casebook import common
from trialdesk.services.unit_of_work import UnitOfWork, use_case
from trialdesk.testing import SYSTEM_CLOCK, Clock

EDIT_CHECK = "edit_check"  # raised_by of automatic queries


@dataclass(frozen=True)
class QueryMessageView:
    kind: str  # raise / answer / close / reopen / auto_close
    text: str
    by: str
    role: str
    at: datetime


@dataclass(frozen=True)
class QueryView:
    id: int
    participant_code: str
    site_code: str
    visit_id: str
    occurrence: int
    form_id: str
    item_path: str
    text: str
    status: str  # open / answered / closed / reopened
    automatic: bool
    check_id: str
    raised_by: str
    raised_at: datetime
    updated_at: datetime
    messages: tuple[QueryMessageView, ...]
    actions: frozenset[QueryAction] = frozenset()  # what the actor it was read for may do next

    @property
    def unresolved(self) -> bool:
        return self.status in UNRESOLVED_QUERY_STATUSES


def _raised_by(actor: Actor, query: Query, site_id: int) -> bool:
    return raised_by_actor(
        raised_by=query.raised_by,
        username=actor.username,
        automatic=query.automatic,
        data_manager_here=Role.DATA_MANAGER in actor.roles_at(site_id),
    )


def _actions(actor: Actor | None, query: Query, site_id: int) -> frozenset[QueryAction]:
    if actor is None:
        return frozenset()
    return allowed_query_actions(
        QueryState(query.status),
        actor_may=lambda action: actor.may(action, site_id),
        raised_by_me=_raised_by(actor, query, site_id),
    )


def query_view(query: Query, actor: Actor | None = None) -> QueryView:
    """The query as shown; with `actor`, the actions that actor may take on it now."""
    record = query.form_record
    participant = record.participant
    return QueryView(
        id=query.pk,
        participant_code=participant.study_code,
        site_code=participant.site.code,
        visit_id=record.visit_id,
        occurrence=record.occurrence,
        form_id=record.form_id,
        item_path=query.item_path,
        text=query.text,
        status=query.status,
        automatic=query.automatic,
        check_id=query.check_id,
        raised_by=query.raised_by,
        raised_at=query.raised_at,
        updated_at=query.updated_at,
        messages=tuple(QueryMessageView(m.kind, m.text, m.by, m.role, m.at) for m in query.messages.all()),
        actions=_actions(actor, query, participant.site_id),
    )


def _record(uow: UnitOfWork, query: Query, action: str, before: str | None, text: str, **who: str) -> None:
    record = query.form_record
    uow.record(
        action,
        object_type="query",
        object_id=query.pk,
        before=None if before is None else {"status": before},
        after={
            "status": query.status,
            "participant": record.participant.study_code,
            "form": f"{record.visit_id}#{record.occurrence}/{record.form_id}",
            "item": query.item_path,
            "check": query.check_id,
        },
        reason=text,
        **who,
    )


def open_query(
    uow: UnitOfWork, *, record: FormRecord, item_path: str, text: str, by: str, role: str, check_id: str
) -> Query:
    """Create a query and its first message, inside the caller's use case (`by`: the raiser, or the edit
    check for an automatic query)."""
    query = Query.objects.create(
        form_record=record,
        item_path=item_path,
        text=text,
        check_id=check_id,
        raised_by=by,
        raised_role=role,
        raised_at=uow.now,
        updated_at=uow.now,
        status="open",
    )
    QueryMessage.objects.create(query=query, kind="raise", text=text, by=by, role=role, at=uow.now)
    _record(uow, query, "query.raise", None, text, actor=by, role=role)
    return query


def raise_query(
    actor: Actor,
    participant: Participant,
    *,
    visit_id: str,
    occurrence: int = 1,
    form_id: str,
    item_path: str,
    text: str,
    clock: Clock = SYSTEM_CLOCK,
) -> QueryView:
    """Raise a query on an item of a saved form (RAISE_QUERY: monitor, data manager). `item_path` may be a
    top-level item, a repeating-group cell (`medications[2].dose`) or empty for the whole form."""
    with use_case(
        actor, Action.RAISE_QUERY, participant=participant, clock=clock, allow_withdrawn=True
    ) as uow:
        raise_problems(
            [
                *_text_problems(text, required=True),
                *text_problems(item_path, where="item_path", max_length=120),
            ],
            "A query needs a text: plain, of bounded length, on an item of the form",
        )
        locked = uow.locked_participant
        record = common.find_record(locked, visit_id, occurrence, form_id)
        if record is None:
            raise NotFound(
                f"Form {form_id} at {visit_id} #{occurrence} of {locked.study_code} is not saved yet"
            )
        if item_path:
            _ensure_item(record, item_path)
        query = open_query(
            uow, record=record, item_path=item_path, text=text.strip(), by=actor.username, role=uow.role,
            check_id="",
        )  # fmt: skip
    return query_view(query, actor)


def _ensure_item(record: FormRecord, item_path: str) -> None:
    form, _ = common.definition_of(record)
    item_id = item_path.rsplit(".", 1)[-1].split("[", 1)[0]
    if item_id not in {i.id for i in form.all_items()} | form.top_level_ids:
        raise ValidationFailed(
            f"No item '{item_path}' in form {record.form_id}",
            (Problem("item_path", "is not an item of the form"),),
        )


def _locked_query(query_id: int) -> Query:
    query = (
        Query.objects.select_for_update()
        .select_related("form_record__participant__site")
        .filter(pk=query_id)
        .first()
    )
    if query is None:
        raise NotFound(f"No query {query_id}")
    return query


def _transition(actor: Actor, query_id: int, action: QueryAction, text: str, clock: Clock) -> QueryView:
    """Take `action` on a query: the permission (`core/queries.py` names it), the database lock, then the
    raiser and state rules of the core. Someone who may not see the query's form data is told it does not
    exist."""
    found = Query.objects.select_related("form_record__participant").filter(pk=query_id).first()
    if found is None or not actor.may(Action.VIEW_FORM_DATA, found.form_record.participant.site_id):
        raise NotFound(f"No query {query_id}")
    permission = TRANSITIONS[action].permission
    participant = found.form_record.participant
    with use_case(actor, permission, participant=participant, clock=clock, allow_withdrawn=True) as uow:
        query = _locked_query(query_id)
        before = query.status
        query.status = next_query_state(
            query_id,
            QueryState(before),
            action,
            raised_by_me=_raised_by(actor, query, participant.site_id),
            raiser=query.raised_by,
            automatic=query.automatic,
        ).value
        query.updated_at = uow.now
        query.save(update_fields=["status", "updated_at"])
        QueryMessage.objects.create(
            query=query, kind=action.value, text=text, by=actor.username, role=uow.role, at=uow.now
        )
        _record(uow, query, f"query.{action.value}", before, text)
    return query_view(query, actor)


def _text_problems(text: str, *, required: bool) -> list[Problem]:
    return text_problems(text, where="text", max_length=LONG_TEXT, multiline=True, required=required)


def answer_query(actor: Actor, query_id: int, *, text: str, clock: Clock = SYSTEM_CLOCK) -> QueryView:
    """The site answers (ANSWER_QUERY: rheumatologist, investigator): open or re-opened -> answered."""
    raise_problems(_text_problems(text, required=True), "An answer needs a plain text")
    return _transition(actor, query_id, QueryAction.ANSWER, text.strip(), clock)


def close_query(actor: Actor, query_id: int, *, text: str = "", clock: Clock = SYSTEM_CLOCK) -> QueryView:
    """Whoever raised it (the data manager for automatic queries) closes it."""
    raise_problems(_text_problems(text, required=False), "The closing note must be plain text")
    return _transition(actor, query_id, QueryAction.CLOSE, text.strip(), clock)


def reopen_query(actor: Actor, query_id: int, *, text: str, clock: Clock = SYSTEM_CLOCK) -> QueryView:
    """Whoever raised it re-opens an answered or closed query, saying why."""
    raise_problems(_text_problems(text, required=True), "Say in plain text why the query is re-opened")
    return _transition(actor, query_id, QueryAction.REOPEN, text.strip(), clock)


def _base(study: Study) -> QuerySet[Query]:
    return (
        Query.objects.filter(form_record__participant__study=study)
        .select_related("form_record__participant__site")
        .prefetch_related("messages")
    )


def _inbox(actor: Actor, study: Study, site_id: int | None) -> QuerySet[Query]:
    if actor.site_ids(Action.VIEW_FORM_DATA) == set():
        raise PermissionDenied(f"{actor.username} may not view form data")
    condition = Q(pk__in=[])
    answer_sites = actor.site_ids(Action.ANSWER_QUERY)
    if answer_sites is None or answer_sites:
        site_q = Q() if answer_sites is None else Q(form_record__participant__site_id__in=answer_sites)
        condition |= Q(status__in=("open", "reopened")) & site_q
    raise_sites = actor.site_ids(Action.RAISE_QUERY)
    if raise_sites is None or raise_sites:
        mine = Q(raised_by=actor.username)
        if any(role is Role.DATA_MANAGER for _, role in actor.assignments):
            mine |= ~Q(check_id="")
        site_q = Q() if raise_sites is None else Q(form_record__participant__site_id__in=raise_sites)
        condition |= Q(status="answered") & mine & site_q
    query = _base(study).filter(condition)
    if site_id is not None:
        query = query.filter(form_record__participant__site_id=site_id)
    return query


def query_inbox(actor: Actor, *, study: Study, site_id: int | None = None) -> list[QueryView]:
    """What awaits the actor: site roles (who answer) see open and re-opened queries at their sites; the
    monitor and data manager see answered queries they raised (the data manager also automatic ones)."""
    return [query_view(q, actor) for q in _inbox(actor, study, site_id).order_by("updated_at", "id")]


def query_inbox_count(actor: Actor, *, study: Study) -> int:
    """How many queries await the actor (the inbox of `query_inbox`); 0 for a reader without form data."""
    if actor.site_ids(Action.VIEW_FORM_DATA) == set():
        return 0
    return _inbox(actor, study, None).count()


def list_queries(
    actor: Actor, *, study: Study, participant: Participant | None = None, status: str | None = None
) -> list[QueryView]:
    """Every query the actor may see (VIEW_FORM_DATA sites), optionally of one participant or status."""
    sites = actor.site_ids(Action.VIEW_FORM_DATA)
    if sites is not None and not sites:
        raise PermissionDenied(f"{actor.username} may not view form data")
    query = _base(study)
    if sites is not None:
        query = query.filter(form_record__participant__site_id__in=sites)
    if participant is not None:
        query = query.filter(form_record__participant=participant)
    if status is not None:
        query = query.filter(status=status)
    return [query_view(q, actor) for q in query.order_by("raised_at", "id")]


__all__ = [
    "EDIT_CHECK",
    "QueryMessageView",
    "QueryView",
    "answer_query",
    "close_query",
    "list_queries",
    "query_inbox",
    "query_inbox_count",
    "raise_query",
    "reopen_query",
]
