"""Inserting rows on the path of filing a report without the ORM's per-call query building.

`Model.save()` and `QuerySet.bulk_create()` compile their INSERT afresh on every call. Filing a report
writes six tables, and compiling those statements cost the web process more CPU than the database
spent writing the rows (README, Benchmarks). `insert` and `insert_many` build a model's INSERT once
and prepare every value with the model's own fields (`pre_save`, then `get_db_prep_save`), as the ORM
does, so the row written is the row `save()` would write, on SQLite and on PostgreSQL alike.

They are for new objects of plain models (no multi-table inheritance). They send no signals and skip
a model's own `save()`: Plaint connects no receivers to these models, and their `save()` overrides
only refuse updates.
"""

from collections.abc import Sequence
from functools import cache

from django.db import connection, models
from django.db.models import Field, Model


@cache
def _statement(model: type[Model], vendor: str) -> tuple[str, str, tuple[Field, ...], str]:
    """Return (INSERT INTO table (columns) VALUES, one row's placeholders, the fields, RETURNING pk)."""
    meta = model._meta
    if meta.parents:
        raise TypeError(f"{model.__name__} inherits from another model; save it with the ORM")
    fields = tuple(f for f in meta.local_concrete_fields if f is not meta.auto_field and not f.generated)
    quote = connection.ops.quote_name
    head = f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) VALUES "
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    if not connection.features.can_return_columns_from_insert:
        raise RuntimeError("insert needs INSERT ... RETURNING (PostgreSQL, or SQLite 3.35 or later)")
    return head, row, fields, f" RETURNING {quote(meta.pk.column)}"


def _values(obj: Model, fields: tuple[Field, ...]) -> list[object]:
    if obj.pk is not None or not obj._state.adding:
        raise ValueError(f"{obj!r} is already saved; insert only writes new objects")
    values = []
    for field in fields:
        value = field.pre_save(obj, add=True)  # auto_now(_add) times, files not yet committed
        if hasattr(value, "resolve_expression"):
            raise TypeError(f"{type(obj).__name__}.{field.name}: insert takes plain values, not expressions")
        values.append(field.get_db_prep_save(value, connection))
    return values


def insert_many(objs: Sequence[Model]) -> None:
    """Insert new objects of one model in one statement, and give each its primary key.

    Call it inside the transaction of the change; it writes nothing for an empty list.
    """
    if not objs:
        return
    model = type(objs[0])
    if any(type(obj) is not model for obj in objs):
        raise TypeError("insert_many takes objects of one model")
    head, row, fields, returning = _statement(model, connection.vendor)
    params = [value for obj in objs for value in _values(obj, fields)]
    with connection.cursor() as cursor:
        cursor.execute(head + ", ".join([row] * len(objs)) + returning, params)
        pks = [r[0] for r in cursor.fetchall()]  # in the order of the rows, as bulk_create relies on too
    for obj, pk in zip(objs, pks, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = connection.alias


def insert(obj: models.Model) -> Model:
    """Insert one new object, give it its primary key and return it (the same object)."""
    insert_many([obj])
    return obj
