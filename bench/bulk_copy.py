"""The server side of the bulk path: many copies of the template's rows in one `INSERT ... SELECT` per model.

Every template row gets an ordinal `idx` within its model (a temporary table `td_grow_keys`); copy `c` of it
gets the id `base + c * n + idx + 1`, where `base` is the model's largest id before the grow and `n` its
number of template rows. A foreign key to a copied model is remapped by the same arithmetic (through a join
on `td_grow_keys`), so the copies of every model are written by the database from the template rows and
`td_grow_copies` (the copy numbers), without a row passing through Python. Participants take their site and
study code from `td_grow_people` (computed in Python: 10,000 rows at most). Audit entries are copied from
`td_grow_audit`: each template entry's canonical JSON split around its object id, so the database computes
the copy's content hash (`records.audit.content_hash`) as SHA-256 of prefix + new object id + suffix.

Runs on PostgreSQL (`sha256()`) and SQLite (a Python function registered on the connection). Foreign keys
are checked by the database at commit (Django's constraints are deferred).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models

SENTINEL = "td-grow-object-id-sentinel"
TABLES = {
    "td_grow_keys": "model varchar(100), old_id bigint, idx bigint",
    "td_grow_copies": "copy bigint",
    "td_grow_people": "copy bigint, idx bigint, site_id bigint, code varchar(30)",
    "td_grow_audit": "entry_id bigint, idx bigint, tail varchar(60), prefix text, suffix text",
}


def q(name: str) -> str:
    return connection.ops.quote_name(name)


def create_tables() -> None:
    with connection.cursor() as cursor:
        for name, columns in TABLES.items():
            cursor.execute(f"DROP TABLE IF EXISTS {name}")
            cursor.execute(f"CREATE TEMPORARY TABLE {name} ({columns})")
        cursor.execute("CREATE INDEX td_grow_keys_old ON td_grow_keys (model, old_id)")
        cursor.execute("CREATE INDEX td_grow_people_copy ON td_grow_people (copy, idx)")
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            "td_sha256", 1, lambda text: hashlib.sha256(text.encode("utf-8")).hexdigest(), deterministic=True
        )


def drop_tables() -> None:
    with connection.cursor() as cursor:
        for name in TABLES:
            cursor.execute(f"DROP TABLE IF EXISTS {name}")


def load(table: str, rows: Iterable[Sequence[Any]], width: int) -> None:
    marks = ", ".join(["%s"] * width)
    batch: list[Sequence[Any]] = []
    with connection.cursor() as cursor:
        for row in rows:
            batch.append(row)
            if len(batch) == 5000:
                cursor.executemany(f"INSERT INTO {table} VALUES ({marks})", batch)
                batch = []
        if batch:
            cursor.executemany(f"INSERT INTO {table} VALUES ({marks})", batch)
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {table}")


def largest_ids(chosen: Sequence[type[models.Model]]) -> dict[type[models.Model], int]:
    with connection.cursor() as cursor:
        found = {}
        for model in chosen:
            cursor.execute(f"SELECT MAX({q(model._meta.pk.column)}) FROM {q(model._meta.db_table)}")
            found[model] = int(cursor.fetchone()[0] or 0)
    return found


def copy_model(
    model: type[models.Model],
    relations: Sequence[models.Field[Any, Any]],
    sizes: dict[type[models.Model], int],
    bases: dict[type[models.Model], int],
    copies: tuple[int, int],
) -> int:
    """Insert copies `copies[0]..copies[1]` (inclusive) of the model's template rows; returns rows written."""
    if not sizes[model]:
        return 0
    if not isinstance(model._meta.pk, models.AutoField | models.BigAutoField):
        raise TypeError(f"{model.__name__}: the bulk path copies models with an integer id only")
    name = model.__name__
    joins = [f"JOIN td_grow_keys k ON k.model = '{name}' AND k.old_id = t.{q(model._meta.pk.column)}"]
    if name == "Participant":
        joins.append("JOIN td_grow_people c ON c.idx = k.idx")
    else:
        joins.append("CROSS JOIN td_grow_copies c")
    columns, values = [q(model._meta.pk.column)], [_new_id(model, "k", sizes, bases)]
    by_name = {field.attname: field for field in relations}
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(q(field.column))
        values.append(_value(model, field, by_name, sizes, bases, joins))
    sql = (
        f"INSERT INTO {q(model._meta.db_table)} ({', '.join(columns)}) "
        f"SELECT {', '.join(values)} FROM {q(model._meta.db_table)} t {' '.join(joins)} "
        f"WHERE c.copy BETWEEN %s AND %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, list(copies))
        return int(cursor.rowcount)


def _new_id(model: type[models.Model], alias: str, sizes: dict[Any, int], bases: dict[Any, int]) -> str:
    return f"({bases[model]} + c.copy * {sizes[model]} + {alias}.idx + 1)"


def _value(model: type[models.Model], field: Any, relations: dict[str, Any], sizes: dict[Any, int],
           bases: dict[Any, int], joins: list[str]) -> str:  # fmt: skip
    """The SELECT expression of one column of a copy (`joins` gets the join a remapped key needs)."""
    column = f"t.{q(field.column)}"
    if model.__name__ == "Participant" and field.attname == "site_id":
        return "c.site_id"
    if model.__name__ == "Participant" and field.attname == "study_code":
        return "c.code"
    if model.__name__ == "Allocation" and field.attname == "slot_id":
        return "NULL"  # a copy's allocation has no list slot (the list's commitment covers the template's)
    if model.__name__ == "ParticipantIdentity" and field.attname == "full_name":
        return "'Copy ' || c.copy || ' of a simulated person (synthetic)'"
    target = field.related_model if field.attname in relations else None
    if target is None or target not in sizes:
        return column
    alias = f"r{len(joins)}"
    joins.append(
        f"LEFT JOIN td_grow_keys {alias} ON {alias}.model = '{target.__name__}' AND {alias}.old_id = {column}"
    )
    # A key to a row outside the template (none in a simulated trial) is kept as it is.
    return f"CASE WHEN {alias}.idx IS NULL THEN {column} ELSE {_new_id(target, alias, sizes, bases)} END"


def audit_template(entry: Any, code: str) -> tuple[str, str, str]:
    """(tail, prefix, suffix): the entry's object id is `code + tail`, its content hash is
    SHA-256(prefix + new object id + suffix) for any object id that JSON writes as it is."""
    from trialdesk.records.audit import _CONTENT_TAG, _body, _dumps

    tail = entry.object_id[len(code) :]
    body = _body(entry) | {"object_id": SENTINEL}
    prefix, suffix = (_CONTENT_TAG + _dumps(body)).split(json.dumps(SENTINEL))
    if json.dumps(tail) != f'"{tail}"':
        raise ValueError(f"object id {entry.object_id!r}: JSON escapes it, the database cannot hash its copy")
    return tail, prefix + '"', '"' + suffix


def copy_audit(copies: tuple[int, int]) -> int:
    """Insert the audit entries of copies `copies[0]..copies[1]`, content hashes computed by the database."""
    from trialdesk.records.models import AuditEntry

    text = "a.prefix || c.code || a.tail || a.suffix"
    digest = (
        f"encode(sha256(convert_to({text}, 'UTF8')), 'hex')"
        if connection.vendor == "postgresql"
        else f"td_sha256({text})"
    )
    table = q(AuditEntry._meta.db_table)
    sql = (
        f"INSERT INTO {table} (at, actor, role, action, object_type, object_id, before, after, reason, "
        f"previous_hash, entry_hash) SELECT e.at, e.actor, e.role, e.action, e.object_type, c.code || a.tail, "
        f"e.before, e.after, e.reason, '', {digest} FROM td_grow_audit a JOIN {table} e ON e.id = a.entry_id "
        f"JOIN td_grow_people c ON c.idx = a.idx WHERE c.copy BETWEEN %s AND %s ORDER BY c.copy, e.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, list(copies))
        return int(cursor.rowcount)


def reset_sequences(chosen: Sequence[type[models.Model]]) -> None:
    """Move each id sequence past the ids given explicitly (PostgreSQL; SQLite keeps up by itself)."""
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), list(chosen)):
            cursor.execute(statement)
