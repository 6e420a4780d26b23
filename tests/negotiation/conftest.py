"""A merchant, a consumer with a delivered order, staff, a stranger and the marketplace's webhook receiver."""

import json
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

import pytest
from django.utils import timezone

from plaint.accounts.models import Role
from plaint.cases import actions
from plaint.cases.inputs import ReportIn
from plaint.evidence.actions import Upload
from plaint.notifications.delivery import deliver_due
from plaint.notifications.models import WebhookEndpoint
from tests import factories as f
from tests.api_client import ApiClient

CST = dt_timezone(timedelta(hours=8))


@pytest.fixture
def world(receiver, db):
    shop = f.merchant("M-N", name="Shop N", contact_email="shop-n@example.jp")
    order = f.order(shop, "C1", external_id="O-N1", amount="300.00", tariff="27.60")
    WebhookEndpoint.objects.create(name="marketplace", url=receiver.url, secret="s")
    users = {
        "consumer": f.consumer_user("C1"),
        "merchant": f.user(Role.MERCHANT, merchant=shop),
        "agent": f.user(Role.AGENT),
        "reviewer": f.user(Role.REVIEWER),
        "stranger": f.user(Role.MERCHANT, merchant=f.merchant("M-X", name="Shop X")),
    }
    f.order(f.merchant("M-Y", name="Shop Y"), "C2", external_id="O-Y1")
    users["other_consumer"] = f.consumer_user("C2")
    api = {name: ApiClient(f.token(u)) for name, u in users.items()}
    return {"shop": shop, "order": order, "users": users, "api": api}


def file_case(world, order_id: str = "O-N1"):
    """File an admitted report on the order (the merchant's turn); return the case."""
    data = ReportIn(
        target_type="order",
        target_id=order_id,
        category="product_quality",
        description="面霜有异味，我的电话 13912345678，李娜。",
        remedy_wanted="refund",
    )
    case = actions.file_report(world["users"]["consumer"], data, [Upload("p.jpg", f.jpeg(), "photo_of_product")]).case
    assert case.state == "awaiting_merchant", case.admissibility
    return case


def sent(receiver, topic: str) -> list[dict]:
    deliver_due(timezone.now() + timedelta(seconds=1))
    return [json.loads(r.body)["data"] for r in receiver.requests if r.headers["X-Plaint-Topic"] == topic]


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=CST)
