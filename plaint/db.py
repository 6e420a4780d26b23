"""Reading and writing rows on the path of filing a report without the ORM's per-call query building.

`Model.save()` and `QuerySet.bulk_create()` compile their INSERT afresh on every call. Filing a report
writes six tables, and compiling those statements cost the web process more CPU than the database
spent writing the rows (README, Benchmarks). `insert` and `insert_many` build a model's INSERT once
and prepare every value with the model's own fields (`pre_save`, then `get_db_prep_save`), as the ORM
does, so the row written is the row `save()` would write, on SQLite and on PostgreSQL alike.
`get_with` reads one object and the object a foreign key of it points to, as
`select_related(...).get(...)` would, with the database's converters applied to every value.

They are for new objects of plain models (no multi-table inheritance). They send no signals and skip
a model's own `save()`: Plaint connects no receivers to these models, and their `save()` overrides
only refuse updates.
"""

from collections.abc import Sequence
from functools import cache

from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model


def current() -> BaseDatabaseWrapper:
    """Return this thread's default connection itself.

    `django.db.connection` is a proxy that looks the connection up again on every attribute (about
    2 µs each); preparing one report's rows reads it over a hundred times, so take it once per call.
    """
    return connections[DEFAULT_DB_ALIAS]


@cache
def _statement(model: type[Model], vendor: str) -> tuple[str, str, tuple[tuple[Field, bool], ...], str]:
    """Return (INSERT INTO table (columns) VALUES, one row's placeholders, the fields, RETURNING pk).

    Each field comes with whether its value is the attribute as it stands: its class keeps `Field.pre_save`
    (most fields; not the auto_now times or files), so `_values` need not call it.
    """
    connection = current()
    meta = model._meta
    if meta.parents:
        raise TypeError(f"{model.__name__} inherits from another model; save it with the ORM")
    fields = tuple(f for f in meta.local_concrete_fields if f is not meta.auto_field and not f.generated)
    quote = connection.ops.quote_name
    head = f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) VALUES "
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    if not connection.features.can_return_columns_from_insert:
        raise RuntimeError("insert needs INSERT ... RETURNING (PostgreSQL, or SQLite 3.35 or later)")
    plain = tuple((f, type(f).pre_save is Field.pre_save) for f in fields)
    return head, row, plain, f" RETURNING {quote(meta.pk.column)}"


def _values(obj: Model, fields: tuple[tuple[Field, bool], ...], connection: BaseDatabaseWrapper) -> list[object]:
    if obj.pk is not None or not obj._state.adding:
        raise ValueError(f"{obj!r} is already saved; insert only writes new objects")
    # As save() does: refuse a related object that was never saved, take the id of one saved since.
    obj._prepare_related_fields_for_save(operation_name="insert")
    values = []
    for field, plain in fields:
        # pre_save: auto_now(_add) times, files not yet committed; Field.pre_save itself reads the attribute.
        value = getattr(obj, field.attname) if plain else field.pre_save(obj, add=True)
        if hasattr(value, "resolve_expression"):
            raise TypeError(f"{type(obj).__name__}.{field.name}: insert takes plain values, not expressions")
        values.append(field.get_db_prep_save(value, connection))
    return values


def select_rows(sql: str, params: Sequence[object]) -> list[tuple]:
    """Run one read statement written as SQL and return its rows.

    For the few lookups on the path of filing that almost always find nothing: composing them with the
    ORM cost more CPU than the database spent answering them. Write the table and column names from the
    models' `_meta` and adapt datetimes with `connection.ops`, as `insert` does.
    """
    with current().cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def insert_many(objs: Sequence[Model]) -> None:
    """Insert new objects of one model in one statement, and give each its primary key.

    Call it inside the transaction of the change; it writes nothing for an empty list. Meant for the
    few rows of one step (one statement, no batching: thousands of rows would pass the database's
    limit on parameters).
    """
    if not objs:
        return
    model = type(objs[0])
    if any(type(obj) is not model for obj in objs):
        raise TypeError("insert_many takes objects of one model")
    connection = current()
    head, row, fields, returning = _statement(model, connection.vendor)
    params = [value for obj in objs for value in _values(obj, fields, connection)]
    # As save() does: a failed insert inside atomic() marks the transaction for rollback (on SQLite too).
    with transaction.mark_for_rollback_on_error(connection.alias), connection.cursor() as cursor:
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


@cache
def _select(
    model: type[Model], relation: str, lookup: str, vendor: str, also: str | None = None
) -> tuple[str, Field, tuple, tuple, tuple]:
    """Return (SELECT ... JOIN ... WHERE lookup = %s, the lookup field, the model's, the related's, also's fields).

    `also` is a nullable foreign key of the related model, read with a LEFT JOIN.
    """
    connection = current()
    meta = model._meta
    foreign_key = meta.get_field(relation)
    if not foreign_key.many_to_one or foreign_key.null:
        raise TypeError(f"{model.__name__}.{relation} is not a required foreign key")
    related = foreign_key.related_model._meta
    field = meta.get_field(lookup)
    if not (field.unique or field.primary_key):
        raise TypeError(f"{model.__name__}.{lookup} is not unique")
    own, theirs = tuple(meta.concrete_fields), tuple(related.concrete_fields)
    quote = connection.ops.quote_name
    columns = [f"a.{quote(f.column)}" for f in own] + [f"b.{quote(f.column)}" for f in theirs]
    on = f"b.{quote(foreign_key.target_field.column)} = a.{quote(foreign_key.column)}"
    joins = f"JOIN {quote(related.db_table)} b ON {on}"
    third: tuple = ()
    if also is not None:
        key = related.get_field(also)
        if not (key.many_to_one or key.one_to_one) or not key.concrete:
            raise TypeError(f"{related.object_name}.{also} is not a foreign key")
        third = tuple(key.related_model._meta.concrete_fields)
        columns += [f"c.{quote(f.column)}" for f in third]
        joins += (
            f" LEFT JOIN {quote(key.related_model._meta.db_table)} c "
            f"ON c.{quote(key.target_field.column)} = b.{quote(key.column)}"
        )
    sql = f"SELECT {', '.join(columns)} FROM {quote(meta.db_table)} a {joins} WHERE a.{quote(field.column)} = %s"
    return sql, field, own, theirs, third


def _loaded(fields: tuple[Field, ...], values: Sequence[object], connection: BaseDatabaseWrapper) -> list[object]:
    # The converters the ORM applies to a column of the model (e.g. SQLite's text to datetime).
    converted = []
    for field, value in zip(fields, values, strict=True):
        column = field.cached_col
        for convert in connection.ops.get_db_converters(column) + field.get_db_converters(connection):
            value = convert(value, column, connection)
        converted.append(value)
    return converted


def get_with(model: type[Model], relation: str, *, also: str | None = None, **lookup: object) -> Model | None:
    """Return the object whose unique field has the value given, with `relation` loaded; None if none.

    `get_with(Order, "merchant", external_id="O-1")` reads what
    `Order.objects.select_related("merchant").get(external_id="O-1")` reads, in one statement.
    `also` names a foreign key of the related object to load too (`select_related("user__consumer")`:
    `get_with(ApiToken, "user", also="consumer", key_hash=...)`), None when it points nowhere.
    """
    ((name, value),) = lookup.items()
    if value is None:  # the ORM's IS NULL; a unique column looked up by nothing finds nothing here
        return None
    connection = current()
    sql, field, own, theirs, third = _select(model, relation, name, connection.vendor, also)
    with connection.cursor() as cursor:
        cursor.execute(sql, [field.get_db_prep_value(value, connection)])
        row = cursor.fetchone()
    if row is None:
        return None
    alias = connection.alias
    obj = model.from_db(alias, [f.attname for f in own], _loaded(own, row[: len(own)], connection))
    parent = model._meta.get_field(relation).related_model
    end = len(own) + len(theirs)
    related = parent.from_db(alias, [f.attname for f in theirs], _loaded(theirs, row[len(own) : end], connection))
    setattr(obj, relation, related)
    if also is not None:
        if getattr(related, parent._meta.get_field(also).attname) is None:
            setattr(related, also, None)
        else:
            grand = parent._meta.get_field(also).related_model
            loaded = _loaded(third, row[end:], connection)
            setattr(related, also, grand.from_db(alias, [f.attname for f in third], loaded))
    return obj
