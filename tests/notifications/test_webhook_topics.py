"""Webhook endpoints subscribe to topics: a payments endpoint gets the remedies, not every case event."""

import json

import pytest
from django.utils import timezone

from plaint.accounts.models import Role
from plaint.notifications.delivery import deliver_due
from plaint.notifications.models import OutboxMessage, WebhookEndpoint
from plaint.notifications.outbox import enqueue_webhook
from plaint.notifications.topics import TOPICS, subscribe, topics_of
from tests import factories as f
from tests.api_client import ApiClient
from tests.receiver import Receiver


def topics_received(receiver: Receiver) -> list[str]:
    return sorted(json.loads(request.body)["topic"] for request in receiver.requests)


@pytest.fixture
def payments():
    running = Receiver().start()
    yield running
    running.stop()


@pytest.mark.django_db
def test_a_payments_endpoint_gets_the_remedies_and_an_all_topics_endpoint_everything(receiver, payments):
    everything = WebhookEndpoint.objects.create(name="marketplace", url=receiver.url, secret="s1")
    refunds = WebhookEndpoint.objects.create(name="payments", url=payments.url, secret="s2")
    assert subscribe(refunds, ["remedy.*"]) == ["remedy.*"]
    now = timezone.now()

    assert enqueue_webhook("remedy.instructed", {"amount": "424.79"}, key="remedy-1", now=now) == 2
    assert enqueue_webhook("case.opened", {"case": "PL-AAAA-BBBB"}, key="case-1-opened", now=now) == 1
    assert deliver_due(now).delivered == 3

    assert topics_received(payments) == ["remedy.instructed"]
    assert topics_received(receiver) == ["case.opened", "remedy.instructed"]
    [paid] = payments.requests
    assert paid.headers["Idempotency-Key"] == f"remedy-1:{refunds.pk}"
    assert topics_of(everything) == ["*"]


@pytest.mark.django_db
def test_an_exact_topic_and_a_family_together_and_a_change_of_mind(receiver):
    hook = WebhookEndpoint.objects.create(name="decisions", url=receiver.url, secret="s")
    assert subscribe(hook, ["case.decided", "appeal.*", "case.decided"]) == ["appeal.*", "case.decided"]
    now = timezone.now()
    for n, topic in enumerate(["case.opened", "case.decided", "appeal.filed", "remedy.overdue"]):
        enqueue_webhook(topic, {}, key=f"event-{n}", now=now)
    deliver_due(now)
    assert topics_received(receiver) == ["appeal.filed", "case.decided"]

    # "*" (or nothing) is every topic again, from the next event on.
    assert subscribe(hook, ["*", "case.decided"]) == ["*"]
    assert topics_of(hook) == ["*"]
    enqueue_webhook("remedy.overdue", {}, key="event-9", now=now)
    deliver_due(now)
    assert "remedy.overdue" in topics_received(receiver)


@pytest.mark.django_db
def test_an_inactive_endpoint_gets_nothing_whatever_it_subscribes_to(receiver):
    hook = WebhookEndpoint.objects.create(name="off", url=receiver.url, secret="s", active=False)
    subscribe(hook, ["remedy.*"])
    assert enqueue_webhook("remedy.instructed", {}, key="remedy-2", now=timezone.now()) == 0


@pytest.mark.django_db
def test_the_fan_out_is_one_statement_however_many_endpoints(django_assert_num_queries):
    for n in range(6):
        hook = WebhookEndpoint.objects.create(name=f"e{n}", url=f"http://127.0.0.1:9/{n}", secret="s")
        if n % 2:
            subscribe(hook, ["remedy.*", "case.decided"] if n == 1 else ["points.*"])
    with django_assert_num_queries(1):
        made = enqueue_webhook("remedy.failed", {}, key="remedy-3", now=timezone.now())
    # Three without subscriptions, and the one subscribed to remedy.*.
    assert made == 4
    assert OutboxMessage.objects.filter(endpoint__subscriptions__topic="points.*").count() == 0


# The API: admins read and set an endpoint's topics.


@pytest.fixture
def admin_api():
    return ApiClient(f.token(f.user(Role.ADMIN)))


def put_topics(api: ApiClient, endpoint_id: int, topics: object):
    return api.client.put(
        f"/api/webhooks/endpoints/{endpoint_id}/topics",
        json.dumps({"topics": topics}),
        content_type="application/json",
        headers=api.headers,
    )


@pytest.mark.django_db
def test_an_admin_sets_and_reads_an_endpoints_topics_by_the_api(admin_api, receiver, payments):
    WebhookEndpoint.objects.create(name="marketplace", url=receiver.url, secret="s1")
    refunds = WebhookEndpoint.objects.create(name="payments", url=payments.url, secret="s2")

    response = put_topics(admin_api, refunds.pk, ["remedy.*"])
    assert response.status_code == 200, response.content
    assert response.json()["topics"] == ["remedy.*"]
    assert "secret" not in response.json()
    listed = admin_api.get("/webhooks/endpoints").json()
    assert [(e["name"], e["topics"]) for e in listed] == [("marketplace", ["*"]), ("payments", ["remedy.*"])]
    assert admin_api.get(f"/webhooks/endpoints/{refunds.pk}").json()["topics"] == ["remedy.*"]
    assert admin_api.get("/webhooks/topics").json()["topics"] == list(TOPICS)

    now = timezone.now()
    enqueue_webhook("remedy.instructed", {}, key="remedy-4", now=now)
    enqueue_webhook("case.opened", {}, key="case-4-opened", now=now)
    deliver_due(now)
    assert topics_received(payments) == ["remedy.instructed"]
    assert topics_received(receiver) == ["case.opened", "remedy.instructed"]


@pytest.mark.django_db
def test_an_unknown_topic_is_422_naming_it_and_listing_the_known_ones(admin_api):
    hook = WebhookEndpoint.objects.create(name="payments", url="http://127.0.0.1:9/", secret="s")
    subscribe(hook, ["remedy.*"])
    response = put_topics(admin_api, hook.pk, ["remedy.*", "refund.done", "case.filed"])
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "unknown_topic" and body["field"] == "topics"
    assert "case.filed" in body["message"] and "refund.done" in body["message"]
    assert body["details"]["unknown"] == ["case.filed", "refund.done"]
    assert "remedy.instructed" in body["details"]["known"]
    assert topics_of(hook) == ["remedy.*"]  # nothing changed
    assert put_topics(admin_api, hook.pk, "remedy.*").status_code == 422  # not a list
    assert put_topics(admin_api, hook.pk, ["case.opened"] * 100).json()["code"] == "too_many_topics"


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.MARKETPLACE, Role.SUPERVISOR, Role.MERCHANT, Role.CONSUMER])
def test_only_admins_manage_topics(role):
    hook = WebhookEndpoint.objects.create(name="payments", url="http://127.0.0.1:9/", secret="s")
    other = ApiClient(f.token(f.user(role)))
    assert other.get("/webhooks/endpoints").status_code == 403
    assert other.get(f"/webhooks/endpoints/{hook.pk}").status_code == 403
    assert put_topics(other, hook.pk, ["remedy.*"]).status_code == 403
    assert topics_of(hook) == ["*"]


@pytest.mark.django_db
def test_an_endpoint_that_does_not_exist_is_404(admin_api):
    assert admin_api.get("/webhooks/endpoints/999999").status_code == 404
    assert put_topics(admin_api, 999999, ["*"]).json()["code"] == "endpoint_not_found"


# The Django admin.


@pytest.mark.django_db
def test_the_django_admin_sets_topics_and_refuses_an_unknown_one(client):
    client.force_login(f.user(Role.ADMIN, is_staff=True, is_superuser=True))
    form = {"name": "payments", "url": "http://127.0.0.1:9/", "secret": "s", "active": "on"}
    refused = client.post("/admin/notifications/webhookendpoint/add/", form | {"topics": "remedy.*, case.filed"})
    assert refused.status_code == 200
    assert "case.filed" in refused.content.decode() and not WebhookEndpoint.objects.exists()

    saved = client.post("/admin/notifications/webhookendpoint/add/", form | {"topics": "remedy.*, case.decided"})
    assert saved.status_code == 302
    hook = WebhookEndpoint.objects.get()
    assert topics_of(hook) == ["case.decided", "remedy.*"]
    page = client.get(f"/admin/notifications/webhookendpoint/{hook.pk}/change/").content.decode()
    assert "case.decided, remedy.*" in page
    client.post(f"/admin/notifications/webhookendpoint/{hook.pk}/change/", form | {"topics": ""})
    assert topics_of(hook) == ["*"]


def test_every_topic_the_code_sends_can_be_subscribed_to():
    # A topic written in the code that the list lacks could never be chosen alone: the topics passed
    # as literals to the outbox, and any "family.event" literal of a family the list knows.
    import re
    from pathlib import Path

    from plaint.notifications import topics

    root = Path(topics.__file__).resolve().parents[1]
    families = "|".join(sorted({t.split(".")[0] for t in topics.TOPICS}))
    literal = re.compile(rf'"((?:{families})\.[a-z_]+)"')
    sent = re.compile(r'(?:enqueue_webhook\(|_notify\(\s*\w+,)\s*"([a-z_]+\.[a-z_]+)"')
    fields = {"rectification.kind", "rectification.instructions"}  # payload fields, not topics
    written: set[str] = set()
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        written |= set(literal.findall(text)) | set(sent.findall(text))
    assert written - fields <= set(topics.TOPICS), sorted(written - fields - set(topics.TOPICS))
