"""A marketplace under rulebook v3 (remedies followed to the money): parties, staff, its client, a receiver."""

import itertools
import json
from datetime import datetime, timedelta, timezone

import pytest

from plaint.accounts.models import Role
from plaint.notifications.delivery import deliver_due
from plaint.notifications.models import WebhookEndpoint
from tests import factories as f
from tests.api_client import ApiClient

CST = timezone(timedelta(hours=8))
V3 = datetime(2026, 12, 8, 10, 0, tzinfo=CST)  # v3 is in force from 7 December
V2 = datetime(2026, 12, 3, 10, 0, tzinfo=CST)
_orders = itertools.count(1)


@pytest.fixture
def world(receiver, time_machine, db):
    time_machine.move_to(V3)
    return _world(receiver)


@pytest.fixture
def world_v2(receiver, time_machine, db):
    time_machine.move_to(V2)
    return _world(receiver)


def _world(receiver) -> dict:
    shop = f.merchant("M-A", name="Shop A", contact_email="shop-a@example.jp")
    f.order(shop, "C1", external_id="O-0")
    f.order(shop, "C2", external_id="O-C2")
    WebhookEndpoint.objects.create(name="marketplace", url=receiver.url, secret="s")
    users = {
        "consumer": f.consumer_user("C1"),
        "other_consumer": f.consumer_user("C2"),
        "merchant": f.user(Role.MERCHANT, merchant=shop),
        "agent": f.user(Role.AGENT),
        "reviewer": f.user(Role.REVIEWER),
        "supervisor": f.user(Role.SUPERVISOR, email="boss@plaint.test"),
        "marketplace": f.user(Role.MARKETPLACE),
        "admin": f.user(Role.ADMIN),
    }
    return {"shop": shop, "users": users} | {name: ApiClient(f.token(u)) for name, u in users.items()}


def accepted(world, category: str = "product_quality", remedy: str = "refund") -> dict:
    """File an order report, have the merchant accept the remedy; return the merchant's view of the case."""
    from django.utils import timezone as tz

    order = f.order(world["shop"], "C1", external_id=f"O-{next(_orders)}", delivered_at=tz.now() - timedelta(days=1))
    evidence = {"expired_goods": "photo_of_expiry_date", "damaged_on_arrival": "photo_of_damage"}.get(
        category, "photo_of_product"
    )
    filed = world["consumer"].post_form(
        "/reports",
        {
            "target_type": "order",
            "target_id": order.external_id,
            "category": category,
            "description": "收到的商品有问题 The goods are faulty",
            "remedy_wanted": remedy,
        },
        files=[("p.jpg", f.jpeg(), evidence)],
    )
    assert filed.status_code == 201, filed.content
    ref = filed.json()["reference"]
    answered = world["merchant"].post_form(f"/cases/{ref}/response", {"kind": "accept", "explanation": "同意退款"})
    assert answered.status_code == 200, answered.content
    assert answered.json()["state"] == "resolved"
    return answered.json()


def sent(receiver, topic: str) -> list[dict]:
    deliver_due(datetime.now(tz=CST) + timedelta(seconds=1))
    return [json.loads(r.body)["data"] for r in receiver.requests if r.headers["X-Plaint-Topic"] == topic]


def paid(world, remedy_id: int, reference: str = "PAY-1", amount: str = "424.79", **extra):
    """The marketplace confirms the remedy paid a moment ago."""
    from django.utils import timezone as tz

    at = (tz.now() - timedelta(minutes=1)).isoformat()
    body = {"amount": amount, "currency": "CNY", "executed_at": at, "reference": reference}
    return world["marketplace"].post_json(f"/remedies/{remedy_id}/executed", body | extra)
