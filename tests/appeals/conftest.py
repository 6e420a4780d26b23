"""A marketplace under rulebook v2 (which has [appeals]): a merchant, a consumer, staff, a webhook receiver."""

import itertools
import json
from datetime import datetime, timedelta, timezone

import pytest

from plaint.accounts.models import Role
from plaint.cases import actions
from plaint.cases.inputs import DecisionIn, ReportIn, ResponseIn
from plaint.evidence.actions import Upload
from plaint.notifications.delivery import deliver_due
from plaint.notifications.models import WebhookEndpoint
from tests import factories as f

CST = timezone(timedelta(hours=8))
_orders = itertools.count(1)


@pytest.fixture
def world(receiver, time_machine, db):
    time_machine.move_to(datetime(2026, 12, 3, 10, 0, tzinfo=CST))  # v2 is in force from 1 December
    shop = f.merchant("M-A", name="Shop A", contact_email="shop-a@example.jp")
    f.order(shop, "C1", external_id="O-0")
    WebhookEndpoint.objects.create(name="marketplace", url=receiver.url, secret="s")
    return {
        "shop": shop,
        "consumer": f.consumer_user("C1"),
        "agent": f.user(Role.AGENT),
        "reviewer": f.user(Role.REVIEWER),
        "supervisor": f.user(Role.SUPERVISOR, email="boss@plaint.test"),
        "other_supervisor": f.user(Role.SUPERVISOR),
        "staff": f.user(Role.MERCHANT, merchant=shop),
        "stranger": f.user(Role.MERCHANT, merchant=f.merchant("M-B", name="Shop B")),
    }


def decided(world, outcome: str, *, category: str = "counterfeit", **decision) -> object:
    """File an order report, have the merchant contest it and the reviewer decide `outcome`; return the case."""
    from django.utils import timezone as tz

    order = f.order(world["shop"], "C1", external_id=f"O-{next(_orders)}", delivered_at=tz.now() - timedelta(days=1))
    data = ReportIn(target_type="order", target_id=order.external_id, category=category, description="假货 fake")
    case = actions.file_report(world["consumer"], data, [Upload("p.jpg", f.jpeg(), "photo_of_product")]).case
    actions.respond_as_merchant(world["staff"], case, ResponseIn(kind="contest", explanation="正品 genuine"))
    actions.claim_case(world["reviewer"], case)
    codes = {"not_upheld": ["insufficient_evidence"]}.get(outcome, ["violation_established"])
    actions.decide_case(
        world["reviewer"],
        case,
        DecisionIn(
            outcome=outcome, reason_codes=codes, statement="依据证据作出决定。Decided on the evidence.", **decision
        ),
    )
    case.refresh_from_db()
    return case


def sent(receiver, topic: str) -> list[dict]:
    deliver_due(datetime.now(tz=CST) + timedelta(seconds=1))
    return [json.loads(r.body)["data"] for r in receiver.requests if r.headers["X-Plaint-Topic"] == topic]
