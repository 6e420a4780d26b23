"""Keyset pagination: a page continues from the last row's sort key, never from an offset.

A list offers one order, a tuple of `Key`s ending in a unique column (the id), with an index whose
columns follow it. The next page is read as a few index range scans, one per column of the key
(the rows equal to the cursor on its first k columns and after it on the next one), longest prefix
first, each limited to what the page still needs. So a page costs the same at row 50 and at row
5,000,000, and rows inserted or removed between two pages neither repeat nor go missing (a row
inserted before the cursor is simply not shown on the following pages; it was not there to show).

The cursor is opaque to clients: URL-safe base64 of the list's name and the key's values.
"""

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import DateTimeField, F, Model, Q, QuerySet, Value
from django.db.models.expressions import OrderBy

from plaint.errors import InvalidInput


@dataclass(frozen=True)
class Key:
    """One column of a list's order: descending or not; nullable columns sort their NULLs last."""

    field: str
    descending: bool = False
    nullable: bool = False

    def order_by(self) -> OrderBy:
        column = F(self.field)
        return column.desc() if self.descending else column.asc(nulls_last=self.nullable or None)


@dataclass(frozen=True)
class Order:
    """A list's order: its name (so a cursor of one list is refused by another) and its keys."""

    name: str
    keys: tuple[Key, ...]

    def order_by(self) -> list[OrderBy]:
        return [key.order_by() for key in self.keys]


def _value(row: Any, key: Key) -> Any:
    value = getattr(row, "pk" if key.field == "id" else key.field)
    if isinstance(value, bool):  # a flag such as Case.trusted_flagger travels as 0 or 1, as integers do
        return int(value)
    return value.isoformat() if isinstance(value, datetime) else value


def cursor_after(order: Order, row: Any) -> str:
    """Return the cursor of the page that follows `row`."""
    text = json.dumps([order.name, [_value(row, key) for key in order.keys]], separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _refused(order: Order) -> InvalidInput:
    return InvalidInput(
        "invalid_cursor",
        "This cursor does not belong to this list.",
        field="cursor",
        hint="Send back the `next` value of the previous page of the same list, unchanged.",
    )


def _decode(order: Order, cursor: str, model: type[Model]) -> list[Any]:
    """Return the key values a cursor carries; raise InvalidInput if it is not one of this list's."""
    try:
        name, values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, TypeError, binascii.Error):
        raise _refused(order) from None
    if name != order.name or not isinstance(values, list) or len(values) != len(order.keys):
        raise _refused(order)
    decoded: list[Any] = []
    for key, value in zip(order.keys, values, strict=True):
        is_time = isinstance(model._meta.get_field(key.field), DateTimeField)
        if value is None and key.nullable:
            decoded.append(None)
        elif is_time and isinstance(value, str):
            try:
                moment = datetime.fromisoformat(value)
            except ValueError:
                raise _refused(order) from None
            if moment.tzinfo is None:
                raise _refused(order)
            decoded.append(moment)
        elif not is_time and type(value) is int and abs(value) < 2**63:
            decoded.append(value)
        else:
            raise _refused(order)
    return decoded


def _ranges(order: Order, values: list[Any]) -> list[Q]:
    """Return, in the list's order, the conditions whose rows together are exactly those after the cursor."""
    ranges: list[Q] = []
    for depth in range(len(order.keys) - 1, -1, -1):
        prefix = Q()
        for key, value in zip(order.keys[:depth], values[:depth], strict=True):
            prefix &= Q(**{f"{key.field}__isnull": True}) if value is None else Q(**{key.field: value})
        key, value = order.keys[depth], values[depth]
        if value is None:
            continue  # NULLs sort last: nothing is after a NULL in this column
        ranges.append(prefix & Q(**{f"{key.field}__{'lt' if key.descending else 'gt'}": value}))
        if key.nullable:
            ranges.append(prefix & Q(**{f"{key.field}__isnull": True}))
    return ranges


@dataclass
class KeysetPage:
    rows: list[Any]
    next: str | None


def keyset_page(cases: QuerySet, order: Order, cursor: str | None, size: int) -> KeysetPage:
    """Return `size` rows of `cases` in `order` after `cursor` (from the start without one), and the next cursor.

    `next` is None on the last page. Raises InvalidInput for a cursor this list did not give out.
    """
    ordered = cases.order_by(*order.order_by())
    if not cursor:
        rows = list(ordered[: size + 1])
    else:
        rows = []
        for condition in _ranges(order, _decode(order, cursor, cases.model)):
            rows += ordered.filter(condition)[: size + 1 - len(rows)]
            if len(rows) > size:
                break
    if len(rows) > size:
        return KeysetPage(rows[:size], cursor_after(order, rows[size - 1]))
    return KeysetPage(rows, None)


def capped_counts(querysets: list[QuerySet], cap: int) -> list[int]:
    """Return how many rows each queryset has, counting no further than `cap` + 1, in one statement.

    A count above `cap` means "more than cap": each count reads at most cap + 1 index entries (a
    constant is selected, so an index holding the filtered columns answers alone), so the cost does
    not grow with the table. Returns [] for no querysets.
    """
    if not querysets:
        return []
    parts, params = [], []
    for i, queryset in enumerate(querysets):
        try:
            sql, part_params = queryset.order_by().values(one=Value(1))[: cap + 1].query.sql_with_params()
        except EmptyResultSet:  # queryset.none(), or a filter that can match nothing
            parts.append("0")
            continue
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS c{i})")
        params += part_params
    with connections[querysets[0].db].cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        return list(cursor.fetchone())
