"""PLAINT_TASKS=celery: two real Celery worker processes on the machine's Redis share the jobs, and no
message is sent twice and no clock fires twice."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from plaint.accounts.models import Role
from plaint.cases import actions
from plaint.cases.inputs import ReportIn, ResponseIn
from plaint.cases.models import CaseEvent
from plaint.evidence.actions import Upload
from plaint.notifications.models import MessageStatus, OutboxMessage, WebhookEndpoint
from plaint.notifications.outbox import enqueue_webhook
from plaint.notifications.worker import DELIVERY_JOB
from tests import factories as f
from tests.notifications import processes

REDIS_URL = "redis://127.0.0.1:6379/13"  # a database number of its own, so nothing else's keys collide
MESSAGES = 300


def redis_or_skip():
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as exc:
        pytest.skip(f"Redis is not reachable at {REDIS_URL} ({exc}); start redis-server to run the Celery test")
    return client


def overdue_cases(count: int) -> list:
    """Cases contested a month ago whose decision deadline has long passed (not yet escalated)."""
    shop = f.merchant("M-LATE", contact_email="late@shop.example")
    staff = f.user(Role.MERCHANT, merchant=shop)
    # Long overdue, and filed under version 1, which e-mails the supervisors once per escalated case
    # (version 3 sends them a digest instead: tests/cases/test_escalation_digest.py).
    then = min(timezone.now() - timedelta(days=30), datetime(2026, 11, 2, 10, tzinfo=UTC))
    cases = []
    for number in range(count):
        f.order(shop, f"C{number}", external_id=f"O-LATE-{number}", delivered_at=then - timedelta(days=2))
        consumer = f.consumer_user(f"C{number}")
        data = ReportIn(
            target_type="order", target_id=f"O-LATE-{number}", category="expired_goods", description="过期 expired"
        )
        case = actions.file_report(consumer, data, [Upload("p.jpg", f.jpeg(), "photo_of_expiry_date")], now=then).case
        actions.respond_as_merchant(staff, case, ResponseIn(kind="contest", explanation="不同意"), now=then)
        cases.append(case)
    return cases


@pytest.mark.django_db(transaction=True)
def test_two_celery_workers_deliver_every_message_once_and_fire_every_clock_once(receiver, inbox, tmp_path):
    client = redis_or_skip()
    from celery import Celery

    queue = f"plaint-test-{uuid.uuid4().hex[:12]}"
    sender = Celery("plaint-test", broker=REDIS_URL)
    f.user(Role.SUPERVISOR, email="boss@plaint.test")
    WebhookEndpoint.objects.create(name="marketplace", url=receiver.url, secret="s3cret")
    cases = overdue_cases(3)
    now = timezone.now()
    for number in range(MESSAGES):
        enqueue_webhook("case.test", {"n": number}, key=f"celery-{number}", now=now)
    extra = {
        "PLAINT_TASKS": "celery",
        "PLAINT_CELERY_BROKER_URL": REDIS_URL,
        "PLAINT_DELIVERY_BATCH": "10",  # small batches: the two workers interleave many claims
        "PLAINT_SMTP_HOST": "127.0.0.1",
        "PLAINT_SMTP_PORT": str(inbox.port),
    }
    workers = [processes.celery_worker(name, queue, tmp_path / f"{name}.log", **extra) for name in ("w1", "w2")]
    beat = None
    try:
        # Both workers up before the work arrives, so both can take a share.
        processes.wait_until(
            lambda: all("ready." in (tmp_path / f"{name}.log").read_text() for name in ("w1", "w2")),
            timeout=60,
            what="both Celery workers to start",
        )
        # Beat sends every job every half second: both workers run the same jobs at the same time.
        beat = processes.celery_beat(queue, tmp_path / "beat.log", PLAINT_WORKER_INTERVAL="0.5", **extra)
        # And a few more at once, so the two workers surely take the same job together.
        for _ in range(3):
            sender.send_task("plaint.run_periodic", args=["plaint.cases.clocks.tick"], queue=queue)
            sender.send_task("plaint.run_periodic", args=[DELIVERY_JOB], queue=queue)

        def all_delivered() -> bool:
            escalated = CaseEvent.objects.filter(case__in=cases, kind="escalated").count()
            pending = OutboxMessage.objects.exclude(status=MessageStatus.DELIVERED).count()
            return escalated >= len(cases) and pending == 0

        processes.wait_until(all_delivered, timeout=90, what="the Celery workers to deliver every message")
        # Let beat go on a little, so a late duplicate would show; then let the queue drain.
        # Beat sends every job in turn (a dozen of them), so count the sendings of the clock job itself.
        sent_tick = "Sending due task plaint.cases.clocks.tick"
        ticks = (tmp_path / "beat.log").read_text().count(sent_tick)
        processes.wait_until(
            lambda: (tmp_path / "beat.log").read_text().count(sent_tick) >= ticks + 2,
            timeout=30,
            what="beat to send the clock job twice more",
        )
        processes.stop(beat)
        processes.wait_until(lambda: client.llen(queue) == 0, timeout=30, what="the queue to drain")
    finally:
        if beat is not None:
            processes.stop(beat)
        for worker in workers:
            processes.stop(worker)
        client.delete(queue)

    assert (tmp_path / "beat.log").read_text().count(sent_tick) >= 2  # beat drove the jobs
    logs = [(tmp_path / f"{name}.log").read_text() for name in ("w1", "w2")]
    assert all("succeeded" in log for log in logs), "both workers ran jobs:\n" + "\n".join(log[-2000:] for log in logs)
    # Every webhook once: one request per Idempotency-Key, no retries of a delivered one.
    webhooks = OutboxMessage.objects.filter(channel="webhook")
    assert len(receiver.stored) == webhooks.count() >= MESSAGES
    assert len(receiver.requests) == len(receiver.stored) and receiver.duplicates == 0
    assert set(webhooks.values_list("attempts", flat=True)) == {1}
    # Every clock once: each breached stage of each case escalated once, one e-mail of it to the supervisor.
    for case in cases:
        stages = [e.data.get("stage", "decision") for e in CaseEvent.objects.filter(case=case, kind="escalated")]
        assert stages and len(stages) == len(set(stages)), stages
    escalations = [m for m in inbox.to("boss@plaint.test") if "overdue" in m["Subject"] or "超期" in m["Subject"]]
    assert len({m["Message-ID"] for m in escalations}) == len(escalations) >= len(cases)
    assert len(inbox.messages) == OutboxMessage.objects.filter(channel="email").count()
