"""The cluster a report joins at intake: its key (listing and batch, or merchant; the category's group),
its window, its size in different reporters, and a merchant-wide cluster's escalation without a measure."""

from datetime import datetime, timedelta, timezone

import pytest

from plaint.accounts.models import User
from plaint.cases import actions
from plaint.cases.inputs import ReportIn
from plaint.cases.models import Case, Cluster
from plaint.notifications.models import OutboxMessage, WebhookEndpoint
from plaint.rulebook import loader
from tests import factories as f

pytestmark = pytest.mark.django_db

CST = timezone(timedelta(hours=8))
V4 = datetime(2026, 12, 8, 10, 0, tzinfo=CST)


def report(consumer: str, target_type: str, target_id: str, category: str = "expired_goods") -> Case:
    data = ReportIn(
        target_type=target_type,
        target_id=target_id,
        category=category,
        description="有问题的商品，请核查",
        remedy_wanted="refund" if category != "counterfeit" else "compensation",
    )
    user = User.objects.filter(consumer__external_id=consumer).first() or f.consumer_user(consumer)
    return actions.file_report(user, data).case


def test_the_key_is_the_batch_and_the_group_and_a_reporter_counts_once(time_machine):
    time_machine.move_to(V4, tick=False)
    shop = f.merchant("M-1")
    cream = f.listing(shop, "L-CREAM", batch="B1")
    for consumer in ("C1", "C2"):
        f.order(shop, consumer, external_id=f"O-{consumer}", listing_obj=cream)
    first = report("C1", "order", "O-C1")
    # Product quality is in the same group (safety) as expired goods: the same cluster.
    second = report("C2", "order", "O-C2", "product_quality")
    # C1 reports the listing itself too (another matter): the same cluster, still two reporters.
    third = report("C1", "listing", "L-CREAM")
    # Not as described is another group: another cluster.
    apart = report("C2", "order", "O-C2", "not_as_described")
    cluster = Cluster.objects.get(pk=first.cluster_id)
    assert second.cluster_id == third.cluster_id == cluster.pk != apart.cluster_id
    assert cluster.size == 2 and cluster.key == f"listing/{cream.pk}/B1/safety"
    assert Case.objects.get(pk=first.pk).priority_terms["cluster"] == loader.in_force(V4).priority.cluster_per_report


def test_a_report_after_the_window_starts_the_next_cluster(time_machine):
    time_machine.move_to(V4, tick=False)
    shop = f.merchant("M-1")
    cream = f.listing(shop, "L-CREAM", batch="B1")
    for consumer in ("C1", "C2", "C3"):
        f.order(shop, consumer, external_id=f"O-{consumer}", listing_obj=cream)
    first = report("C1", "order", "O-C1")
    window = timedelta(hours=loader.in_force(V4).clusters.window_hours)
    time_machine.shift(window - timedelta(minutes=1))
    second = report("C2", "order", "O-C2")
    assert second.cluster_id == first.cluster_id  # within the window of the last report
    time_machine.shift(window)
    third = report("C3", "order", "O-C3")
    assert third.cluster_id != first.cluster_id
    assert Cluster.objects.get(pk=third.cluster_id).generation == 2


def test_an_inadmissible_report_joins_nothing_and_a_merchant_cluster_escalates_without_a_measure(time_machine):
    time_machine.move_to(V4, tick=False)
    WebhookEndpoint.objects.create(name="marketplace", url="http://127.0.0.1:9/hook", secret="s")
    shop = f.merchant("M-1")
    late = f.order(shop, "C0", external_id="O-LATE", delivered_at=V4 - timedelta(days=200))
    assert report("C0", "order", late.external_id).cluster_id is None  # out of its window: inadmissible
    escalate_at = loader.in_force(V4).clusters.escalate_at
    cases = []
    for n in range(escalate_at):
        f.order(shop, f"C{n + 1}", external_id=f"O-{n + 1}")  # each consumer knows the shop from an order
        cases.append(report(f"C{n + 1}", "merchant", "M-1", "counterfeit"))
    cluster = Cluster.objects.get(pk=cases[0].cluster_id)
    assert cluster.key == f"merchant/{shop.pk}/authenticity" and cluster.listing_id is None
    assert cluster.size == escalate_at and cluster.escalated_at == V4 and cluster.measure == ""
    [message] = OutboxMessage.objects.filter(topic="cluster.escalated")
    assert '"measure": null' in message.body
    assert not Case.objects.filter(cluster=cluster, escalated_at__isnull=True).exists()


def test_a_joining_report_moves_every_member_in_one_statement_and_keeps_a_raise(time_machine):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    time_machine.move_to(V4, tick=False)
    shop = f.merchant("M-1")
    cream = f.listing(shop, "L-CREAM", batch="B1")
    consumers = [f"C{n}" for n in range(6)]
    for consumer in consumers:
        f.order(shop, consumer, external_id=f"O-{consumer}", listing_obj=cream)
    cases = [report(consumer, "order", f"O-{consumer}") for consumer in consumers[:5]]
    # A clock's raise on the first member stays on top of its terms.
    Case.objects.filter(pk=cases[0].pk).update(priority=Case.objects.get(pk=cases[0].pk).priority + 7)
    with CaptureQueriesContext(connection) as queries:
        last = report(consumers[5], "order", f"O-{consumers[5]}")
    table = Case._meta.db_table
    members = [q["sql"] for q in queries if q["sql"].startswith(f'UPDATE "{table}"') and "cluster" in q["sql"]]
    assert len(members) == 1  # one write for the five members, not one each
    weights = loader.in_force(V4).priority
    term = 5 * weights.cluster_per_report
    for case in Case.objects.filter(pk__in=[c.pk for c in cases]):
        assert case.priority_terms["cluster"] == term
        assert case.priority == sum(case.priority_terms.values()) + (7 if case.pk == cases[0].pk else 0)
    assert Cluster.objects.get(pk=last.cluster_id).size == 6
