"""Reports about one thing seen as one: the cluster a case joins at intake (issue 15, item 4).

The key is the listing (with its batch when the listing has one) or, for a report that names no
listing, the merchant; and the category's group in the rulebook's [clusters]. An order report is
about the order's listing when the order holds exactly one. A report joins the key's latest cluster
if that cluster's last report came within window_hours, else it starts the next one. The size is
the number of different reporters. At escalate_at the cluster escalates once (actions/clusters.py).
Joined with one statement (two when a cluster starts) after the order's listing is read; the members'
priorities move with the size (priority.py).
docs/screening.md, "Clusters".
"""

from datetime import datetime, timedelta

from django.db import connection

from plaint.db import select_rows
from plaint.marketplace.models import Listing, Merchant, Order, OrderItem
from plaint.rulebook.schema import Rulebook

from .models import Case, Cluster
from .transitions import OPEN_STATES


def listing_of(order: Order | None, listing: Listing | None) -> tuple[int | None, str]:
    """Return (listing id, batch) a report is about: its listing, or its order's only listing; else (None, "")."""
    if listing is not None:
        return listing.pk, listing.batch
    if order is None:
        return None, ""
    # Read at every filing about an order: written as SQL (the ORM's composing cost more than the lookup).
    sql = (
        f"SELECT DISTINCT l.id, l.batch FROM {OrderItem._meta.db_table} i "
        f"JOIN {Listing._meta.db_table} l ON l.id = i.listing_id WHERE i.order_id = %s LIMIT 2"
    )
    rows = select_rows(sql, [order.pk])
    return tuple(rows[0]) if len(rows) == 1 else (None, "")


def key_of(merchant_id: int, listing_id: int | None, batch: str, group: str) -> str:
    """Return the cluster key: "listing/<id>/<batch>/<group>" or "merchant/<id>/<group>"."""
    if listing_id is not None:
        return f"listing/{listing_id}/{batch}/{group}"[:200]
    return f"merchant/{merchant_id}/{group}"[:200]


def join(
    rulebook: Rulebook,
    category: str,
    reporter_id: int,
    merchant: Merchant,
    order: Order | None,
    listing: Listing | None,
    now: datetime,
) -> tuple[Cluster | None, bool]:
    """Return the cluster a new report joins (created if need be) and whether it grew by a reporter.

    None under a rulebook without [clusters]. Call inside the filing's transaction, before the case is
    inserted: the cluster's row is locked until it commits, so reports joining at once count one by
    one. A reporter already in the cluster (another case about the same thing) does not grow it.
    """
    spec = rulebook.clusters
    if spec is None:
        return None, False
    group = spec.group_of(category)
    listing_id, batch = listing_of(order, listing)
    key = key_of(merchant.pk, listing_id, batch, group)
    since = now - timedelta(hours=spec.window_hours)
    for _ in range(3):
        # One statement joins the key's latest cluster while its last report is inside the window: the
        # update locks its row to the filing's commit, so reports joining at once count one by one.
        joined = _joined(key, reporter_id, now, since)
        if joined is not None:
            return joined
        # None to join: the next generation starts with this reporter. ON CONFLICT DO NOTHING (no
        # savepoint): a report that started it at the same moment wins, and this one joins it above.
        started = _started(key, merchant.pk, listing_id, batch, group, rulebook.version, now)
        if started is not None:
            return started, True
    raise RuntimeError(f"cluster {key}: neither joined nor started")  # pragma: no cover


# The cluster's columns, as the statements below return them.
def _columns() -> list[str]:
    return [field.column for field in Cluster._meta.concrete_fields]


def _row(cursor: object) -> tuple[Cluster, tuple] | None:
    """Return the cluster the cursor's one returned row holds (converted as the ORM would) and the rest of the row."""
    row = cursor.fetchone()
    if row is None:
        return None
    fields = Cluster._meta.concrete_fields
    values = list(row[: len(fields)])
    for n, field in enumerate(fields):
        column = field.get_col(Cluster._meta.db_table)
        for converter in connection.ops.get_db_converters(column) + field.get_db_converters(connection):
            values[n] = converter(values[n], column, connection)
    return Cluster.from_db(connection.alias, [f.attname for f in fields], values), tuple(row[len(fields) :])


def _joined(key: str, reporter_id: int, now: datetime, since: datetime) -> tuple[Cluster, bool] | None:
    """Join the key's latest cluster if its last report came after `since`: one UPDATE ... RETURNING.

    A reporter already in the cluster (another case about the same thing) does not grow it.
    """
    quote = connection.ops.quote_name
    table, cases = quote(Cluster._meta.db_table), quote(Case._meta.db_table)
    new = (
        f"CASE WHEN EXISTS (SELECT 1 FROM {cases} WHERE {cases}.cluster_id = {table}.id "
        f"AND {cases}.reporter_id = %s) THEN 0 ELSE 1 END"
    )
    sql = (
        f"UPDATE {table} SET last_report_at = %s, size = size + {new} "
        f"WHERE id = (SELECT id FROM {table} WHERE {quote('key')} = %s ORDER BY generation DESC LIMIT 1) "
        f"AND last_report_at > %s RETURNING {', '.join(quote(c) for c in _columns())}, {new}"
    )
    at = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(sql, [at(now), reporter_id, key, at(since), reporter_id])
        found = _row(cursor)
    if found is None:
        return None
    cluster, (grew,) = found
    return cluster, bool(grew)


def _started(
    key: str, merchant_id: int, listing_id: int | None, batch: str, group: str, version: str, now: datetime
) -> Cluster | None:
    """Insert the key's next generation with this report (size 1); None if another report inserted it first."""
    quote = connection.ops.quote_name
    table = quote(Cluster._meta.db_table)
    values = {
        "key": key,
        "merchant_id": merchant_id,
        "listing_id": listing_id,
        "batch": batch if listing_id else "",
        "category_group": group,
        "rulebook_version": version,
        "opened_at": connection.ops.adapt_datetimefield_value(now),
        "last_report_at": connection.ops.adapt_datetimefield_value(now),
        "size": 1,
        "escalated_at": None,
        "measure": "",
    }
    columns = ["generation", *values]
    sql = (
        f"INSERT INTO {table} ({', '.join(quote(c) for c in columns)}) "
        f"SELECT COALESCE(MAX(generation), 0) + 1, {', '.join(['%s'] * len(values))} FROM {table} "
        f"WHERE {quote('key')} = %s ON CONFLICT ({quote('key')}, generation) DO NOTHING "
        f"RETURNING {', '.join(quote(c) for c in _columns())}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values.values(), key])
        found = _row(cursor)
    return found[0] if found is not None else None


def members(cluster: Cluster) -> list[Case]:
    """Return the cluster's cases, first filed first (the case_cluster index)."""
    return list(
        Case.objects.filter(cluster=cluster)
        .select_related("report", "report__order", "reporter")
        .order_by("opened_at", "id")
    )


def open_members(cluster: Cluster) -> list[Case]:
    """Return the cluster's open cases, first filed first."""
    return [case for case in members(cluster) if case.state in OPEN_STATES]
