"""The marketplace's system client gets no reporter contact data: not in the case list, not in a case,
not in its timeline, not in any webhook. An order reference and its own consumer id are enough."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from plaint.accounts.models import Role
from plaint.marketplace.models import Consumer
from plaint.notifications.delivery import deliver_due
from plaint.notifications.models import WebhookEndpoint
from tests import factories as f
from tests.api_client import ApiClient

pytestmark = pytest.mark.django_db

# The consumer as the marketplace pushed them (tests/factories.py): what must never come back to it.
NAME, EMAIL, PHONE = "李娜", "c1@example.cn", "13800000000"


def leaks(text: str) -> list[str]:
    return [value for value in (NAME, EMAIL, PHONE) if value in text]


def readable(body: bytes) -> str:
    """Return a JSON body as text with its escapes undone, so an escaped e-mail or name is found too."""
    return json.dumps(json.loads(body), ensure_ascii=False)


@pytest.fixture
def world(receiver):
    shop = f.merchant("M-P", name="Privacy Test Shop")
    delivered = timezone.now() - timedelta(days=3)
    f.order(shop, "C1", external_id="O-P1", delivered_at=delivered)
    f.order(shop, "C1", external_id="O-P2", delivered_at=delivered)
    WebhookEndpoint.objects.create(name="marketplace", url=receiver.url, secret="s3cret")
    # Consumers who sign in with their phone number have it as their account name.
    consumer = f.user(Role.CONSUMER, username=PHONE, consumer=Consumer.objects.get(external_id="C1"))
    users = {
        "consumer": consumer,
        "merchant": f.user(Role.MERCHANT, merchant=shop),
        "reviewer": f.user(Role.REVIEWER),
        "agent": f.user(Role.AGENT),
        "marketplace": f.user(Role.MARKETPLACE),
    }
    return {name: ApiClient(f.token(user)) for name, user in users.items()}


def test_the_marketplace_reads_cases_and_webhooks_without_the_reporters_contact_data(world, receiver):
    api = world
    # One case filed by the consumer and settled by the merchant's acceptance (a remedy instruction) ...
    accepted = api["consumer"].post_form(
        "/reports",
        {
            "target_type": "order",
            "target_id": "O-P1",
            "category": "product_quality",
            "description": "面霜有异味 the cream smells off",
            "remedy_wanted": "refund",
        },
        files=[("smell.jpg", f.jpeg(), "photo_of_product")],
    )
    assert accepted.status_code == 201, accepted.content
    first = accepted.json()["reference"]
    answer = api["merchant"].post_form(f"/cases/{first}/response", {"kind": "accept", "explanation": "同意退款"})
    assert answer.status_code == 200, answer.content
    # ... and one taken by phone, where the call reference is the number the consumer called from,
    # contested, and decided by a reviewer (decision, points, remedy).
    called = api["agent"].post_form(
        "/reports",
        {
            "target_type": "order",
            "target_id": "O-P2",
            "category": "product_quality",
            "description": "客户来电：商品质量问题 caller reports a quality problem",
            "remedy_wanted": "refund",
            "channel": "hotline",
            "channel_reference": f"CALL-{PHONE}",
            "consumer_id": "C1",
        },
        files=[("photo.jpg", f.jpeg("blue"), "photo_of_product")],
    )
    assert called.status_code == 201, called.content
    second = called.json()["reference"]
    contested = api["merchant"].post_form(f"/cases/{second}/response", {"kind": "contest", "explanation": "不成立"})
    assert contested.status_code == 200, contested.content
    assert api["reviewer"].post_json(f"/review/cases/{second}/claim", {}).status_code == 200
    decided = api["reviewer"].post_json(
        f"/review/cases/{second}/decision",
        {"outcome": "upheld", "reason_codes": ["violation_established"], "statement": "质量问题属实。" * 5},
    )
    assert decided.status_code == 200, decided.content

    # Platform staff do see the reporter, so the data really is there to leak.
    assert {"name": NAME, "email": EMAIL, "phone": PHONE}.items() <= api["reviewer"].get(f"/cases/{second}").json()[
        "reporter"
    ].items()

    bodies = {"GET /api/cases": api["marketplace"].get("/cases")}
    for ref in (first, second):
        bodies[f"GET /api/cases/{ref}"] = api["marketplace"].get(f"/cases/{ref}", lang="en")
        bodies[f"GET /api/cases/{ref}/timeline"] = api["marketplace"].get(f"/cases/{ref}/timeline")
    for what, response in bodies.items():
        assert response.status_code == 200, what
        assert leaks(readable(response.content)) == [], what

    # What the marketplace does need is there: its consumer's id and the order.
    case = bodies[f"GET /api/cases/{second}"].json()
    assert case["reporter"] == {"id": "C1", "name": None, "email": None, "phone": None}
    assert case["target"]["order_id"] == "O-P2"
    assert all(event.get("actor") is None for event in case["timeline"])

    deliver_due()
    topics = [r.headers["X-Plaint-Topic"] for r in receiver.requests]
    assert {"case.opened", "case.resolved", "case.decided", "remedy.instructed", "points.awarded"} <= set(topics)
    for request in receiver.requests:
        assert leaks(readable(request.body)) == [], request.headers["X-Plaint-Topic"]
        assert leaks(json.dumps(request.headers, ensure_ascii=False)) == [], request.headers["X-Plaint-Topic"]
    refunds = [
        json.loads(r.body)["data"] for r in receiver.requests if r.headers["X-Plaint-Topic"] == "remedy.instructed"
    ]
    assert {(r["order_id"], r["consumer_id"]) for r in refunds} == {("O-P1", "C1"), ("O-P2", "C1")}
