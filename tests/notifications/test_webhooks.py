"""Webhooks leave through the outbox to a real local HTTP receiver: signed, retried, never twice at once."""

import json
import socket
import threading
from datetime import timedelta

import pytest
from django.utils import timezone

from plaint.notifications.delivery import deliver_due, retry_dead
from plaint.notifications.models import MessageStatus, OutboxMessage, WebhookEndpoint
from plaint.notifications.outbox import enqueue_webhook
from plaint.notifications.signing import sign_v1, signature_header, verify_signature, verify_v1
from tests.receiver import Receiver


def endpoint(url: str, secret: str = "s3cret") -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(name="marketplace", url=url, secret=secret)


@pytest.mark.django_db
def test_a_message_is_delivered_once_signed_with_its_key(receiver):
    endpoint(receiver.url)
    now = timezone.now()
    assert enqueue_webhook("case.decided", {"case": "PL-AAAA-BBBB", "note": "退款"}, key="decision-1", now=now) == 1
    message = OutboxMessage.objects.get()
    report = deliver_due(now)
    assert report.delivered == 1
    [request] = receiver.requests
    assert request.body == message.body.encode()
    assert json.loads(request.body)["data"]["note"] == "退款"
    assert request.headers["Idempotency-Key"] == f"decision-1:{message.endpoint_id}"
    assert request.headers["X-Plaint-Topic"] == "case.decided"
    key = request.headers["Idempotency-Key"]
    assert verify_signature("s3cret", request.headers["Plaint-Signature"], key, request.body, now=timezone.now())
    assert not verify_signature("wrong", request.headers["Plaint-Signature"], key, request.body, now=timezone.now())
    assert "X-Plaint-Signature" not in request.headers  # a new endpoint gets v2 only
    message.refresh_from_db()
    assert message.status == MessageStatus.DELIVERED and message.attempts == 1
    assert deliver_due(now + timedelta(hours=1)).delivered == 0  # nothing sent again
    assert len(receiver.requests) == 1


@pytest.mark.django_db
def test_the_same_event_enqueued_twice_is_one_message(receiver):
    endpoint(receiver.url)
    now = timezone.now()
    assert enqueue_webhook("points.awarded", {"points": 6}, key="points-9", now=now) == 1
    assert enqueue_webhook("points.awarded", {"points": 6}, key="points-9", now=now) == 0
    assert OutboxMessage.objects.count() == 1


@pytest.mark.django_db
def test_each_endpoint_gets_its_own_message(receiver):
    other = Receiver().start()
    try:
        endpoint(receiver.url)
        endpoint(other.url, secret="other")
        WebhookEndpoint.objects.create(name="old", url=other.url, secret="x", active=False)
        now = timezone.now()
        enqueue_webhook("case.opened", {"case": "X"}, key="case-X-opened", now=now)
        assert deliver_due(now).delivered == 2
        assert len(receiver.requests) == len(other.requests) == 1
        assert receiver.requests[0].headers["Idempotency-Key"] != other.requests[0].headers["Idempotency-Key"]
    finally:
        other.stop()


@pytest.mark.django_db
def test_a_failing_receiver_gets_it_later_with_backoff(receiver, settings):
    settings.PLAINT_DELIVERY_BACKOFF_SECONDS = 10
    receiver.fail_first = 2
    endpoint(receiver.url)
    now = timezone.now()
    enqueue_webhook("remedy.instructed", {"amount": "424.79"}, key="remedy-1", now=now)
    message = OutboxMessage.objects.get()

    assert deliver_due(now).failed == 1
    message.refresh_from_db()
    first_wait = message.next_attempt_at - now
    assert timedelta(seconds=10) <= first_wait <= timedelta(seconds=11)
    assert "HTTP 500" in message.last_error
    assert deliver_due(now + timedelta(seconds=5)).failed == 0  # not due yet: nothing sent

    later = message.next_attempt_at
    assert deliver_due(later).failed == 1
    message.refresh_from_db()
    assert timedelta(seconds=20) <= message.next_attempt_at - later <= timedelta(seconds=22)

    assert deliver_due(message.next_attempt_at).delivered == 1
    message.refresh_from_db()
    assert message.status == MessageStatus.DELIVERED and message.attempts == 3
    assert len(receiver.requests) == 3
    assert len(receiver.stored) == 1  # the receiver stored it once


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/hooks"


@pytest.mark.django_db
def test_a_receiver_that_stays_down_ends_in_dead_letters_that_can_be_retried(receiver, settings):
    settings.PLAINT_DELIVERY_MAX_ATTEMPTS = 3
    hook = endpoint(closed_port_url())
    now = timezone.now()
    enqueue_webhook("case.decided", {"case": "Y"}, key="decision-2", now=now)
    message = OutboxMessage.objects.get()
    moment = now
    for _ in range(3):
        deliver_due(moment)
        message.refresh_from_db()
        moment = message.next_attempt_at
    assert message.status == MessageStatus.DEAD
    assert message.attempts == 3
    assert "ConnectError" in message.last_error

    # The receiver comes back (at a new address); an admin retries the dead letter.
    hook.url = receiver.url
    hook.save()
    assert retry_dead(message.pk, now=moment)
    assert deliver_due(moment).delivered == 1
    assert len(receiver.stored) == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_never_send_one_message_twice(receiver):
    endpoint(receiver.url)
    now = timezone.now()
    for number in range(30):
        enqueue_webhook("case.opened", {"n": number}, key=f"case-{number}", now=now)
    barrier = threading.Barrier(2)
    results = []

    def work():
        from django.db import connection

        barrier.wait()
        try:
            results.append(deliver_due(now))
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r.delivered for r in results) == 30
    assert len(receiver.requests) == 30
    assert receiver.duplicates == 0


def test_a_stale_or_malformed_timestamp_fails_verification():
    body = b'{"x": 1}'
    now = timezone.now()
    old = str(int((now - timedelta(minutes=10)).timestamp()))
    assert not verify_signature("k", signature_header("k", old, "e:1", body), "e:1", body, now=now)
    fresh = str(int(now.timestamp()))
    assert verify_signature("k", signature_header("k", fresh, "e:1", body), "e:1", body, now=now)
    assert not verify_signature("k", signature_header("k", "soon", "e:1", body), "e:1", body, now=now)
    assert not verify_signature("k", signature_header("k", fresh, "e:1", body), "e:1", body + b" ", now=now)
    # The deprecated v1 check keeps its own rules.
    assert not verify_v1("k", old, body, sign_v1("k", old, body), now=now)
    assert verify_v1("k", fresh, body, sign_v1("k", fresh, body), now=now)
    assert not verify_v1("k", "soon", body, sign_v1("k", "soon", body), now=now)
    assert not verify_v1("k", fresh, body + b" ", sign_v1("k", fresh, body), now=now)
