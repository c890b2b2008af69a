"""The hostile-value matrix (issue 12): every write field of every API operation, generated from the OpenAPI
schema, receives NUL, 1 MB and over-the-column strings, C0 controls, an RTL override, NaN/Infinity/-0/1e308
for numbers and "-5" / -5 / "1403-01-01" / "9999-12-31" for dates. Each answer must be a 4xx naming the field
(or, for the operations that only check, a 200 naming it) and no row of any model may change.

Signed in as the role allowed to call the operation; a fixture enrols participants through the services so
every operation has a real target (a lot, a saved and a locked form, open and answered queries).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.test import Client

from tests.amended_seed import amend, seed_data, upload_bytes
from tests.conftest import PASSWORD
from tests.factories import consented
from tests.services.casebook.helpers import labs, sledai
from trialdesk.core.roles import Role
from trialdesk.records.treatment.models import ExpeditedReport, StudyPause
from trialdesk.services.amendments import approve_amendment, propose_amendment
from trialdesk.services.casebook.entry import save_form
from trialdesk.services.casebook.queries import answer_query, raise_query
from trialdesk.services.casebook.verification import lock_form
from trialdesk.services.clock import local_today
from trialdesk.services.participants import IdentityDetails, register_for_screening
from trialdesk.services.treatment.adverse_events import AdverseEventInput, report_adverse_event
from trialdesk.services.treatment.lots import register_lot, release_lot
from trialdesk.web.api import api

pytestmark = pytest.mark.django_db

R = Role
TEXT = [
    ("nul", "a\x00b"),
    ("1 MB", "x" * 1_000_000),
    ("over the column", "y" * 5_000),
    ("C0 control", "a\x07b\x1bc"),
    ("RTL override", "abc\u202etxt.exe"),
]
NUMBER = [
    ("NaN", "NaN"),
    ("Infinity", "Infinity"),
    ("-Infinity", "-Infinity"),
    ("-0", "-0"),
    ("1e308", 1e308),
]
INTEGER = [("-5", -5), ("1e308", 1e308), ("10**30", 10**30), ("NaN", "NaN")]
DATE = [("'-5'", "-5"), ("-5", -5), ("'-0'", "-0"), ("Jalali-looking", "1403-01-01"), ("9999", "9999-12-31")]
DATETIME = [
    ("'-5'", "-5"),
    ("-5", -5),
    ("Jalali-looking", "1403-01-01T10:00:00+03:30"),
    ("9999", "9999-12-31T10:00:00+00:00"),
]
KINDS = {"text": TEXT, "number": NUMBER, "integer": INTEGER, "date": DATE, "datetime": DATETIME}

# Operations that write nothing (they answer 200 with the problems) and whose "-0" is a legitimate number.
CHECK_ONLY = frozenset(
    {
        "trialdesk_web_casebook_api_form_check",
        "trialdesk_web_casebook_api_lab_import_preview",
        "trialdesk_web_treatment_api_grade_suggestion",
    }
)
# A refused password is recorded on purpose (audit entry + failed attempt), so those rows may grow.
RECORDED_ON_FAILURE = {"trialdesk_web_casebook_api_sign": {"records.auditentry", "records.failedsignin"}}

DEMOGRAPHICS = {"sex": "female", "birth_date_known": "yes", "birth_date": "1990-05-01", "height": "165.0"}
DEMOGRAPHICS["screening_weight"] = "60.0"
SAFETY_ITEMS = ("vital_signs", "no_new_symptoms", "previous_dose_tolerated", "no_active_infection")
AMENDMENT = upload_bytes(amend(seed_data())).decode()
LAB_CSV = "participant,date,test,value,unit\n{code},2026-01-11,c3,90,mg/dL\n"


def _schema() -> dict[str, Any]:
    return dict(api.get_openapi_schema(path_prefix="/api"))


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in node:
        return _resolve(schema, schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]])
    return node


def _kind(schema: dict[str, Any], node: dict[str, Any]) -> str | None:
    node = _resolve(schema, node)
    options = [_resolve(schema, o) for o in node.get("anyOf", [node])]
    for option in options:
        kind, fmt = option.get("type"), option.get("format")
        if kind == "string" and fmt == "date":
            return "date"
        if kind == "string" and fmt == "date-time":
            return "datetime"
    types = {o.get("type") for o in options} - {"null"}
    if types == {"number", "string"}:
        return "number"
    if types == {"integer"}:
        return "integer"
    if types == {"string"}:
        return "text"
    return None  # booleans, arrays, objects: objects get their nested cases below


# Object fields: the nested paths that receive hostile values (key -> kind), the rest of the object valid.
NESTED: dict[tuple[str, str], list[tuple[str, str]]] = {
    ("form_save", "values"): [("birth_date", "date"), ("height", "number"), ("sex", "text")],
    ("form_check", "values"): [("birth_date", "date"), ("height", "number")],
    ("form_save", "confirmations"): [("height", "text")],
    ("lab_import_commit", "mapping"): [("participant", "text"), ("value", "text")],
    ("lab_import_preview", "mapping"): [("participant", "text")],
    ("record_screening", "answers"): [("note", "text")],
    ("safety_check", "vital_signs"): [("temperature_c", "number")],
}


def _short(operation_id: str) -> str:
    return operation_id.rsplit("_api_", 1)[-1]


def _cases() -> Iterator[tuple[str, str, str, str, str, str, Any]]:
    schema = _schema()
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            body = operation.get("requestBody")
            if method == "get" or body is None:
                continue
            properties = _resolve(schema, body["content"]["application/json"]["schema"])["properties"]
            op = operation["operationId"]
            for field, node in properties.items():
                nested = NESTED.get((_short(op), field))
                targets = [(f"{field}.{key}", kind) for key, kind in nested] if nested else []
                kind = _kind(schema, node)
                if kind is not None:
                    targets.append((field, kind))
                for where, target_kind in targets:
                    for label, value in KINDS[target_kind]:
                        yield op, method, path, where, target_kind, label, value


CASES = list(_cases())
FIELDS = sorted({(c[0], c[3]) for c in CASES})


OPERATIONS = sorted({c[0] for c in CASES})


def _param(op: str) -> Any:
    return pytest.param(op, id=_short(op))


def _counts() -> dict[str, int]:
    return {m._meta.label_lower: m.objects.count() for m in apps.get_models()}


@pytest.fixture
def world(actors: dict[Role, Any], site: Any, clock: Any, enrol: Callable[..., Any]) -> dict[str, Any]:
    """Real targets for every operation: randomized, registered and consented participants, a released lot,
    a saved form with an open and an answered query, a locked form."""
    treated = enrol(arm="exosome")
    doctor, investigator = actors[R.RHEUMATOLOGIST], actors[R.INVESTIGATOR]
    registered = register_for_screening(
        doctor,
        site=site,
        identity=IdentityDetails(full_name="R"),
        sex="female",
        year_of_birth=1990,
        clock=clock,
    )
    eligible = consented(actors, site, clock, name="C")
    lot = register_lot(
        investigator, study=site.study, lot_id="EXO-1", source_id="PL-01", amount_per_unit=Decimal(10**10),
        amount_unit="particles", expiry_date=clock.now().date().replace(year=2030), clock=clock,
    )  # fmt: skip
    release_lot(investigator, lot=lot, released_on=clock.now().date(), clock=clock)
    code = treated.study_code
    where = {"visit_id": "baseline", "occurrence": 1}
    save_form(doctor, treated, form_id="sledai_2k", values=sledai("arthritis"), clock=clock, **where)
    save_form(doctor, treated, form_id="lab_panel", values=labs(), clock=clock, **where)
    lock_form(actors[R.DATA_MANAGER], treated, form_id="lab_panel", reason="done", clock=clock, **where)
    monitor = actors[R.MONITOR]
    open_q = raise_query(
        monitor, treated, form_id="sledai_2k", item_path="arthritis", text="?", clock=clock, **where
    )
    answered = raise_query(
        monitor, treated, form_id="sledai_2k", item_path="", text="?", clock=clock, **where
    )
    answer_query(doctor, answered.id, text="checked", clock=clock)
    serious = AdverseEventInput(
        term="fever", onset_at=clock.now() - timedelta(hours=1), grade=2, relationship_to_product="probable",
        relationship_to_conventional_therapy="not_related", expectedness="unexpected", action_taken="none",
        outcome="recovering", seriousness=frozenset({"hospitalization"}),
    )  # fmt: skip
    report_adverse_event(investigator, participant=treated, details=serious, clock=clock)
    return {"treated": code, "registered": registered.study_code, "eligible": eligible.study_code,
            "open_query": open_q.id, "answered_query": answered.id, "pause": StudyPause.objects.get().pk,
            "report": ExpeditedReport.objects.get().pk, "study": site.study}  # fmt: skip


def _target(op: str, path: str, world: dict[str, Any]) -> tuple[Role, str, dict[str, Any]]:
    """The role, the concrete URL and a valid body for `op`; the hostile value then replaces one field."""
    code = world["treated"]
    name = _short(op)
    form = {"visit_id": "baseline", "occurrence": "1", "form_id": "sledai_2k"}
    table: dict[str, tuple[Role, dict[str, Any], dict[str, Any]]] = {
        "register": (R.RHEUMATOLOGIST, {}, {"site": "KUMS", "full_name": "Z K", "sex": "female"}),
        "record_screening": (R.RHEUMATOLOGIST, {"code": world["registered"]},
                             {"screened_on": "2026-01-10", "answers": {}}),
        "consent": (R.RHEUMATOLOGIST, {"code": world["eligible"]},
                    {"document_version": "1.0", "consented_on": "2026-01-10"}),
        "withdrawal": (R.RHEUMATOLOGIST, {"code": world["registered"]}, {"withdrawn_on": "2026-01-10", "reason": "x"}),
        "randomize_participant": (R.INVESTIGATOR, {"code": world["eligible"]}, {"confirm": True}),
        "import_": (R.EPIDEMIOLOGIST, {}, {"format": "sealed_envelope", "text": "x"}),
        "lot_register": (R.INVESTIGATOR, {}, {"lot_id": "EXO-2", "source_id": "PL-01", "amount_per_unit": "1e10",
                                              "amount_unit": "particles", "expiry_date": "2030-01-01"}),
        "lot_release": (R.INVESTIGATOR, {"lot_id": "EXO-1"}, {"released_on": "2026-01-10"}),
        "safety_check": (R.INVESTIGATOR, {"code": code}, {"step_id": "step_1", "vital_signs": {},
                          "answers": dict.fromkeys(SAFETY_ITEMS, "normal")}),
        "dose": (R.INVESTIGATOR, {"code": code}, {"step_id": "step_1", "lot_id": "EXO-1", "amount_given": "0.1"}),
        "visit": (R.INVESTIGATOR, {"code": code}, {"visit_id": "baseline", "occurrence": 1, "done_on": "2026-01-10"}),
        "missed_visit": (R.INVESTIGATOR, {"code": code}, {"visit_id": "baseline", "occurrence": 1, "reason": "x"}),
        "deviation": (R.MONITOR, {"code": code}, {"category": "other", "reason": "x", "occurred_on": "2026-01-10"}),
        "event_report": (R.INVESTIGATOR, {"code": code},
                         {"term": "headache", "onset_at": "2026-01-10T08:00:00+00:00", "grade": 1,
                          "relationship_to_product": "not_related", "relationship_to_conventional_therapy": "not_related",
                          "expectedness": "expected", "action_taken": "none", "outcome": "recovering",
                          "seriousness": ["not_serious"]}),
        "event_update": (R.INVESTIGATOR, {"code": code, "number": "1"}, {"reason": "x"}),
        "grade_suggestion": (R.INVESTIGATOR, {}, {"test": "c3", "value": "90", "unit": "mg/dL"}),
        "expedited_sent": (R.INVESTIGATOR, {"report_id": world["report"]}, {"sent_on": "2026-01-10"}),
        "pause_decision": (R.ETHICS_COMMITTEE, {"pause_id": world["pause"]}, {"decision": "x", "lift": True}),
        "form_save": (R.RHEUMATOLOGIST, {"code": code, **form, "form_id": "demographics"},
                      {"values": dict(DEMOGRAPHICS)}),
        "form_check": (R.RHEUMATOLOGIST, {"code": code, **form, "form_id": "demographics"},
                       {"values": dict(DEMOGRAPHICS)}),
        "query_raise": (R.MONITOR, {"code": code, **form}, {"item_path": "arthritis", "text": "?"}),
        "query_answer": (R.RHEUMATOLOGIST, {"query_id": str(world["open_query"])}, {"text": "x"}),
        "query_close": (R.MONITOR, {"query_id": str(world["open_query"])}, {"text": "x"}),
        "query_reopen": (R.MONITOR, {"query_id": str(world["answered_query"])}, {"text": "x"}),
        "form_lock": (R.DATA_MANAGER, {"code": code, **form}, {"reason": "x"}),
        "form_unlock": (R.DATA_MANAGER, {"code": code, **form, "form_id": "lab_panel"}, {"reason": "x"}),
        "sign": (R.INVESTIGATOR, {"code": code}, {"password": "wrong password"}),
        "database_lock": (R.DATA_MANAGER, {}, {"reason": "x"}),
        "lab_import_preview": (R.DATA_MANAGER, {}, {"csv_text": LAB_CSV.format(code=code), "mapping": _mapping()}),
        "lab_import_commit": (R.DATA_MANAGER, {}, {"csv_text": LAB_CSV.format(code=code), "mapping": _mapping()}),
        "propose": (R.ADMINISTRATOR, {}, {"protocol_yaml": AMENDMENT, "filename": "v1.2.yaml"}),
        "approve": (R.ETHICS_COMMITTEE, {"version_id": world.get("pending", 0)},
                    {"reference": "IR.1", "approved_on": local_today().isoformat()}),
        "activate": (R.ADMINISTRATOR, {"version_id": world.get("pending", 0)},
                     {"effective_from": local_today().isoformat()}),
    }  # fmt: skip
    role, params, body = table[name]
    url = path
    for key, value in params.items():
        url = url.replace("{" + key + "}", str(value))
    return role, url, json.loads(json.dumps(body))


def _pending_amendment(op: str, world: dict[str, Any], actors: dict[Role, Any], clock: Any) -> None:
    """Approval needs a proposed amendment, activation an approved one: made through the services."""
    if _short(op) not in ("approve", "activate"):
        return
    version = propose_amendment(
        actors[R.ADMINISTRATOR],
        study=world["study"],
        raw=AMENDMENT.encode(),
        filename="v1.2.yaml",
        clock=clock,
    )
    if _short(op) == "activate":
        approve_amendment(
            actors[R.ETHICS_COMMITTEE],
            version=version,
            reference="IR.1",
            approved_on=clock.now().date(),
            clock=clock,
        )
    world["pending"] = version.pk


def _mapping() -> dict[str, str]:
    return {"participant": "participant", "date": "date", "test": "test", "value": "value", "unit": "unit"}


def _put(body: dict[str, Any], where: str, value: Any) -> None:
    if "." not in where:
        body[where] = value
        return
    field, key = where.split(".", 1)
    inner = body.setdefault(field, {})
    if field == "answers":
        inner.setdefault("informed_consent", {"answer": "yes"})[key] = value
    else:
        inner[key] = value


def _client(role: Role, cache: dict[Role, Client]) -> Client:
    if role not in cache:
        client = Client()
        assert client.login(username=role.value, password=PASSWORD)
        cache[role] = client
    return cache[role]


# A file's text is named by where in the file the problem is: the file, a row or the column mapping.
IN_THE_FILE = ('"file"', '"row ', '"mapping.')
ALIASES = {
    ("lab_import_commit", "csv_text"): IN_THE_FILE,
    ("lab_import_preview", "csv_text"): IN_THE_FILE,
    ("import_", "text"): IN_THE_FILE,
    ("consent", "signature_png"): ('"signature"',),  # the page's field name
    ("record_screening", "answers.note"): ('.note"',),  # "<criterion>.note"
}


def _names_field(op: str, content: str, where: str) -> bool:
    leaf = where.rsplit(".", 1)[-1]
    named = (f'"{where}"', f'"{leaf}"', f'"{where}.', f'"{leaf}.', *ALIASES.get((_short(op), where), ()))
    return any(n in content for n in named)


def _refusal(op: str, client: Client, case: tuple[str, str, str, str, str, str, Any], world: Any) -> str:
    """Why the answer to one hostile value is wrong ("" when it is right)."""
    _op, method, path, where, _kind, label, value = case
    _role, url, body = _target(op, path, world)
    _put(body, where, value)
    before = _counts()
    response = getattr(client, method)(url, json.dumps(body), content_type="application/json")
    content = response.content.decode()[:20000]
    what = f"{where}={label}: {response.status_code} {content[:300]!r}"
    if response.status_code >= 500:
        return what
    changed = {k for k, v in _counts().items() if before[k] != v} - RECORDED_ON_FAILURE.get(op, set())
    if changed:
        return f"{what} stored {sorted(changed)}"
    if op in CHECK_ONLY:
        return ""  # writes nothing by design; the value may be legitimate for a check (a lab value of -0)
    if not 400 <= response.status_code < 500 or response.status_code in (401, 403):
        return what
    return "" if _names_field(op, content, where) else f"{what} (field not named)"


@pytest.mark.parametrize("op", [_param(op) for op in OPERATIONS])
def test_hostile_values_are_refused_naming_the_field_and_nothing_is_stored(world, op, actors, clock) -> None:
    _pending_amendment(op, world, actors, clock)
    role, _url, _body = _target(op, next(c[2] for c in CASES if c[0] == op), world)
    client = _client(role, {})
    wrong = [why for case in CASES if case[0] == op if (why := _refusal(op, client, case, world))]
    assert not wrong, "\n".join(wrong)


def test_the_matrix_covers_every_write_operation() -> None:
    operations = {c[0] for c in CASES}
    assert len(operations) >= 31 and len(FIELDS) >= 75, (len(operations), len(FIELDS))
    assert {"propose", "approve", "activate"} <= {_short(op) for op in operations}
