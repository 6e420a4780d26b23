"""Migrations that change data: run against rows made at the migration before them."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("cases", "0007_drop_case_warned_at")]
AFTER = [("cases", "0008_one_open_case_per_matter")]


def _migrate(targets: list[tuple[str, str]]):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_open_duplicates_already_there_keep_their_cases_and_the_oldest_takes_the_matter():
    apps = _migrate(BEFORE)
    try:
        Merchant = apps.get_model("marketplace", "Merchant")
        Consumer = apps.get_model("marketplace", "Consumer")
        Order = apps.get_model("marketplace", "Order")
        User = apps.get_model("accounts", "User")
        Report = apps.get_model("cases", "Report")
        Case = apps.get_model("cases", "Case")
        now = timezone.now()
        shop = Merchant.objects.create(external_id="M-1", name="s", country="JP")
        consumer = Consumer.objects.create(external_id="C-1", name="c")
        order = Order.objects.create(external_id="O-1", consumer=consumer, merchant=shop, amount_paid=1, paid_at=now)
        user = User.objects.create(username="u")

        def case(reference, state, minutes, category="expired_goods"):
            report = Report.objects.create(
                reporter=consumer, filed_by=user, channel="web", target_type="order", order=order, merchant=shop,
                category=category, description="d", remedy_wanted="refund", submitted_at=now,
            )  # fmt: skip
            opened = now - timezone.timedelta(minutes=minutes)
            return Case.objects.create(
                reference=reference, report=report, merchant=shop, reporter=consumer, category=category,
                channel="web", state=state, rulebook_version="1", opened_at=opened, updated_at=opened,
            )  # fmt: skip

        case("PL-OLD1-0000", "awaiting_merchant", 30)
        case("PL-NEW1-0000", "awaiting_review", 10)  # the same matter, opened before the constraint existed
        case("PL-DONE-0000", "decided", 60)
        case("PL-OTHR-0000", "needs_evidence", 5, category="not_as_described")

        apps = _migrate(AFTER)
        Case = apps.get_model("cases", "Case")
        matters = dict(Case.objects.values_list("reference", "matter"))
        key = f"{consumer.pk}/order/{order.pk}"
        assert matters == {
            "PL-OLD1-0000": f"{key}/expired_goods",
            "PL-NEW1-0000": None,  # kept, open, but the matter is the older case's
            "PL-DONE-0000": None,  # closed cases need none
            "PL-OTHR-0000": f"{key}/not_as_described",
        }
    finally:
        _migrate(_latest())


def _latest() -> list[tuple[str, str]]:
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()
