"""kill -9 a worker while it delivers: after another starts, every message arrives, none twice to a
receiver that honours the Idempotency-Key (a repeat of the one in flight is allowed, and dropped by the key)."""

import pytest
from django.utils import timezone

from plaint.notifications.models import MessageStatus, OutboxMessage, WebhookEndpoint
from plaint.notifications.outbox import enqueue_webhook
from tests.notifications import processes
from tests.receiver import Receiver

MESSAGES = 20


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_delivery_loses_nothing_and_sends_nothing_twice(tmp_path):
    receiver = Receiver(delay=0.2).start()  # slow: each answer takes 0.2 s
    WebhookEndpoint.objects.create(name="marketplace", url=receiver.url, secret="s3cret")
    now = timezone.now()
    for number in range(MESSAGES):
        enqueue_webhook("case.test", {"n": number}, key=f"crash-{number}", now=now)
    # A short lease, so the message the dead worker held is taken over within seconds.
    extra = {
        "PLAINT_DELIVERY_LEASE_SECONDS": "2",
        "PLAINT_WEBHOOK_TIMEOUT": "1",
        "PLAINT_DELIVERY_BATCH": "5",
        "PLAINT_WORKER_INTERVAL": "0.2",
    }
    first = processes.run_worker(tmp_path / "first.log", **extra)
    second = None
    try:
        # Kill it while a request is in flight, after some messages went through.
        processes.wait_until(
            lambda: len(receiver.stored) >= 5 and receiver.arrivals > len(receiver.requests),
            timeout=60,
            what="the first worker to be mid-delivery",
        )
        processes.stop(first, hard=True)
        assert first.returncode == -9
        in_flight = OutboxMessage.objects.filter(status=MessageStatus.PENDING, locked_until__isnull=False).count()
        assert in_flight >= 1  # the dead worker's claim is still on its batch
        assert OutboxMessage.objects.filter(status=MessageStatus.DELIVERED).count() < MESSAGES

        second = processes.run_worker(tmp_path / "second.log", **extra)
        processes.wait_until(
            lambda: not OutboxMessage.objects.exclude(status=MessageStatus.DELIVERED).exists(),
            timeout=90,
            what="the second worker to deliver the rest",
        )
    finally:
        for process in (first, second):
            if process is not None:
                processes.stop(process)
        receiver.stop()

    keys = set(OutboxMessage.objects.values_list("idempotency_key", flat=True))
    assert set(receiver.stored) == keys and len(keys) == MESSAGES  # every message, each key stored once
    # Raw repeats: only the message in flight when the worker died, sent again after its lease ran out.
    assert receiver.duplicates <= 1
    assert len(receiver.requests) == MESSAGES + receiver.duplicates
