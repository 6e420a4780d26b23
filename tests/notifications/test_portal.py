"""Portal notifications (API and page: each person sees only their own), the status of background work
(page and JSON, admins and supervisors only), and the admin's retry of dead letters."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from plaint.accounts.models import Role
from plaint.cases import actions, chain
from plaint.cases.inputs import ReportIn, ResponseIn
from plaint.cases.models import CaseEvent
from plaint.evidence.actions import Upload
from plaint.notifications.delivery import deliver_due
from plaint.notifications.models import MessageStatus, Notification, OutboxMessage, WebhookEndpoint
from plaint.notifications.outbox import enqueue_webhook
from tests import factories as f
from tests.api_client import ApiClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    shop = f.merchant("M-1", contact_email="shop@example.jp")
    f.order(shop, "C1", external_id="O-1", delivered_at=timezone.now() - timedelta(days=2))
    f.order(shop, "C2", external_id="O-2", delivered_at=timezone.now() - timedelta(days=2))
    people = {
        "consumer": f.consumer_user("C1"),
        "other_consumer": f.consumer_user("C2"),
        "staff": f.user(Role.MERCHANT, merchant=shop, language="en"),
        "reviewer": f.user(Role.REVIEWER),
        "supervisor": f.user(Role.SUPERVISOR),
        "admin": f.user(Role.ADMIN, is_staff=True, is_superuser=True),
    }
    data = ReportIn(target_type="order", target_id="O-1", category="expired_goods", description="过期 expired")
    case = actions.file_report(people["consumer"], data, [Upload("p.jpg", f.jpeg(), "photo_of_expiry_date")]).case
    actions.respond_as_merchant(people["staff"], case, ResponseIn(kind="contest", explanation="不同意"))
    return people | {"case": case}


def api(user) -> ApiClient:
    return ApiClient(f.token(user))


def test_the_api_lists_only_your_own_notifications_and_marks_them_read(world):
    ref = world["case"].reference
    mine = api(world["consumer"]).get("/notifications").json()
    assert mine["unread"] == 2
    assert [item["event"] for item in mine["items"]] == ["answered", "received"]  # newest first
    assert all(item["link"] == f"/consumer/cases/{ref}/" and item["case"] == ref for item in mine["items"])
    assert "已收到" in mine["items"][1]["title"]

    staff = api(world["staff"]).get("/notifications").json()
    assert [item["title"] for item in staff["items"]] == [f"New report {ref} to answer"]
    assert api(world["other_consumer"]).get("/notifications").json() == {"unread": 0, "page": 1, "items": []}

    first = mine["items"][1]["id"]
    # Someone else's notification is not found, and stays unread.
    refused = api(world["staff"]).post_json(f"/notifications/{first}/read", {})
    assert refused.status_code == 404 and refused.json()["code"] == "notification_not_found"
    assert Notification.objects.get(pk=first).read_at is None

    read = api(world["consumer"]).post_json(f"/notifications/{first}/read", {})
    assert read.status_code == 200 and read.json()["read_at"]
    again = api(world["consumer"]).post_json(f"/notifications/{first}/read", {})
    assert again.json()["read_at"] == read.json()["read_at"]  # reading twice changes nothing
    unread = api(world["consumer"]).get("/notifications", unread="true").json()
    assert unread["unread"] == 1 and [item["event"] for item in unread["items"]] == ["answered"]
    assert [i["id"] for i in api(world["consumer"]).get("/notifications", unread="false").json()["items"]] == [first]
    assert Client().get("/api/notifications").status_code == 401


def test_the_page_shows_your_own_and_opening_one_marks_it_read_and_goes_to_the_case(world):
    ref = world["case"].reference
    browser = Client()
    assert browser.get("/notifications/").status_code == 302  # sign in first
    browser.force_login(world["consumer"])
    page = browser.get("/notifications/")
    assert page.status_code == 200
    text = page.content.decode()
    assert f"举报 {ref} 已收到" in text and f"商家已答复举报 {ref}" in text
    assert "New report" not in text  # the merchant's notification is not here

    answered = Notification.objects.get(user=world["consumer"], event="answered")
    response = browser.post(f"/notifications/{answered.pk}/read/", {"open": "1"})
    assert response.status_code == 302 and response["Location"] == f"/consumer/cases/{ref}/"
    answered.refresh_from_db()
    assert answered.read_at is not None
    assert f"商家已答复举报 {ref}" not in browser.get("/notifications/?unread=1").content.decode()

    # Another person's notification cannot be marked read through the page either.
    theirs = Notification.objects.get(user=world["staff"])
    assert browser.post(f"/notifications/{theirs.pk}/read/").status_code == 404
    browser.post("/notifications/read-all/")
    assert not Notification.objects.filter(user=world["consumer"], read_at__isnull=True).exists()
    assert Notification.objects.filter(user=world["staff"], read_at__isnull=True).count() == 1

    english = Client()
    english.force_login(world["staff"])
    assert f"New report {ref} to answer" in english.get("/notifications/").content.decode()


def test_status_shows_queues_the_oldest_message_failures_and_breaches_to_admins_and_supervisors(world):
    endpoint = WebhookEndpoint.objects.create(name="marketplace", url="http://127.0.0.1:9/none", secret="s")
    now = timezone.now()
    enqueue_webhook("case.test", {"n": 1}, key="status-1", now=now - timedelta(minutes=10))
    dead = OutboxMessage.objects.create(
        endpoint=endpoint,
        topic="case.decided",
        idempotency_key="dead-1:1",
        body="{}",
        status=MessageStatus.DEAD,
        attempts=12,
        last_error="HTTP 503: maintenance",
        next_attempt_at=now,
        created_at=now - timedelta(days=1),
    )
    chain.append(
        world["case"],
        [
            CaseEvent(
                case=world["case"],
                kind="clock_breached",
                actor_role="system",
                at=now - timedelta(hours=2),
                rulebook_version="1",
                data={"stage": "decision", "due_at": (now - timedelta(hours=2)).isoformat()},
            )
        ],
    )
    chain.append(
        world["case"],
        [
            CaseEvent(
                case=world["case"],
                kind="clock_breached",
                actor_role="system",
                at=now - timedelta(days=2),  # too old for the last day
                rulebook_version="1",
                data={"stage": "merchant_response"},
            )
        ],
    )

    body = api(world["admin"]).get("/staff/status").json()
    assert body["queues"]["email"]["pending"] == 3  # received, to_answer, answered
    assert body["queues"]["webhook"] == {"pending": 1, "due": 1, "in_flight": 0, "dead": 1}
    oldest = body["oldest_pending"]
    assert oldest["idempotency_key"] == f"status-1:{endpoint.pk}" and oldest["age_seconds"] >= 600
    assert [m["idempotency_key"] for m in body["dead"]] == [dead.idempotency_key]
    assert body["dead"][0]["last_error"] == "HTTP 503: maintenance"
    assert body["breaches"]["total"] == 1 and body["breaches"]["by_stage"] == {"decision": 1}
    assert body["breaches"]["latest"][0]["case"] == world["case"].reference
    assert api(world["supervisor"]).get("/staff/status").status_code == 200
    for role in ("reviewer", "consumer", "staff"):
        refused = api(world[role]).get("/staff/status")
        assert refused.status_code == 403 and refused.json()["code"] == "not_staff_admin"

    # A failed attempt shows among the deliveries being retried.
    deliver_due(now)
    failing = api(world["admin"]).get("/staff/status").json()["failing"]
    assert f"status-1:{endpoint.pk}" in [m["idempotency_key"] for m in failing]

    browser = Client()
    browser.force_login(world["supervisor"])
    page = browser.get("/staff/status/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "HTTP 503: maintenance" in text and world["case"].reference in text and "dead-1:1" in text
    for role in ("reviewer", "consumer", "staff"):
        browser.force_login(world[role])
        assert browser.get("/staff/status/").status_code == 403
    assert Client().get("/staff/status/").status_code == 302


def test_an_admin_retries_a_dead_letter_and_it_is_delivered(world, receiver, settings):
    settings.PLAINT_DELIVERY_MAX_ATTEMPTS = 2
    settings.PLAINT_EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    receiver.fail_first = 2
    WebhookEndpoint.objects.create(name="marketplace", url=receiver.url, secret="s")
    now = timezone.now()
    enqueue_webhook("case.decided", {"n": 1}, key="retry-me", now=now)
    message = OutboxMessage.objects.get(channel="webhook")
    deliver_due(now)
    deliver_due(now + timedelta(hours=2))
    message.refresh_from_db()
    assert message.status == MessageStatus.DEAD and message.attempts == 2
    delivered = OutboxMessage.objects.filter(status=MessageStatus.DELIVERED).first()

    admin = Client()
    admin.force_login(world["admin"])
    changelist = "/admin/notifications/outboxmessage/"
    listing = admin.get(changelist, {"status__exact": "dead"})
    assert listing.status_code == 200 and "retry-me" in listing.content.decode()
    response = admin.post(changelist, {"action": "retry", "_selected_action": [message.pk, delivered.pk]}, follow=True)
    assert "1 dead letter(s) queued again" in response.content.decode()
    message.refresh_from_db()
    assert message.status == MessageStatus.PENDING and message.attempts == 0
    assert deliver_due(timezone.now()).delivered >= 1
    message.refresh_from_db()
    assert message.status == MessageStatus.DELIVERED
    assert list(receiver.stored) == [message.idempotency_key]
    # Only the dead letter moved; a delivered message is never sent again by a retry.
    delivered_again = OutboxMessage.objects.get(pk=delivered.pk)
    assert delivered_again.status == MessageStatus.DELIVERED and delivered_again.attempts == 1

    reviewer = Client()
    reviewer.force_login(world["reviewer"])
    assert reviewer.post(changelist, {"action": "retry", "_selected_action": [message.pk]}).status_code == 302
    assert reviewer.get(changelist).status_code == 302  # not staff: the admin sends them to its sign-in
