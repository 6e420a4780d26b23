"""Reports about one thing seen as one: the cluster a case joins at intake (issue 15, item 4).

The key is the listing (with its batch when the listing has one) or, for a report that names no
listing, the merchant; and the category's group in the rulebook's [clusters]. An order report is
about the order's listing when the order holds exactly one. A report joins the key's latest cluster
if that cluster's last report came within window_hours, else it starts the next one. The size is
the number of different reporters. At escalate_at the cluster escalates once (actions/clusters.py).
Read with a few indexed statements; the members' priorities move with the size (priority.py).
docs/screening.md, "Clusters".
"""

from datetime import datetime, timedelta

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
    items = OrderItem.objects.filter(order_id=order.pk, listing__isnull=False)
    rows = set(items.values_list("listing_id", "listing__batch"))
    return rows.pop() if len(rows) == 1 else (None, "")


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
    latest = Cluster.objects.select_for_update().filter(key=key).order_by("-generation").first()
    if latest is None or latest.last_report_at <= now - timedelta(hours=spec.window_hours):
        generation = latest.generation + 1 if latest else 1
        # ON CONFLICT DO NOTHING (no savepoint): a report that started it at the same moment wins, and
        # this one joins it below.
        Cluster.objects.bulk_create(
            [
                Cluster(
                    key=key,
                    generation=generation,
                    merchant=merchant,
                    listing_id=listing_id,
                    batch=batch if listing_id else "",
                    category_group=group,
                    rulebook_version=rulebook.version,
                    opened_at=now,
                    last_report_at=now,
                    size=0,
                )
            ],
            ignore_conflicts=True,
        )
        latest = Cluster.objects.select_for_update().get(key=key, generation=generation)
    new_reporter = latest.size == 0 or not Case.objects.filter(cluster=latest, reporter_id=reporter_id).exists()
    # The row is locked from the read above to the filing's commit: its size is current.
    latest.size += int(new_reporter)
    latest.last_report_at = now
    Cluster.objects.filter(pk=latest.pk).update(last_report_at=now, size=latest.size)
    return latest, new_reporter


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
