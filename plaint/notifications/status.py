"""The admins' view of the outbox: queue depths, the oldest undelivered message, failed deliveries.

Read by the status page and its JSON twin (with the clock breaches of plaint.cases.queries). Every
query is bounded by an index: outbox_due (status, next_attempt_at) for depths and failures,
outbox_pending_age for the oldest undelivered message. Delivered messages, which grow without
end, are never counted.
"""

from datetime import datetime
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from .models import MessageStatus, OutboxMessage

FAILURES_SHOWN = 20


def _message(message: OutboxMessage) -> dict[str, Any]:
    return {
        "id": message.pk,
        "channel": message.channel,
        "topic": message.topic,
        "to": message.recipient if message.channel == "email" else (message.endpoint.name if message.endpoint else ""),
        "idempotency_key": message.idempotency_key,
        "attempts": message.attempts,
        "last_error": message.last_error[:500],
        "created_at": message.created_at.isoformat(),
        "next_attempt_at": message.next_attempt_at.isoformat(),
    }


def deliveries(now: datetime | None = None) -> dict[str, Any]:
    """Return the status of the outbox at `now`, as plain data (JSON-ready).

    `queues` counts pending (and of them due now and leased by a worker) and dead messages per
    channel; `oldest_pending` is the undelivered message waiting longest (None when the queue is
    empty) with its age in seconds; `failing` are pending messages whose last attempt failed;
    `dead` the latest dead letters.
    """
    now = now or timezone.now()
    queues: dict[str, dict[str, int]] = {}
    counted = (
        OutboxMessage.objects.filter(status__in=[MessageStatus.PENDING, MessageStatus.DEAD])
        .values("status", "channel")
        .annotate(
            count=Count("id"),
            due=Count("id", filter=Q(next_attempt_at__lte=now)),
            leased=Count("id", filter=Q(locked_until__gt=now)),
        )
        .order_by()
    )
    for row in counted:
        entry = queues.setdefault(row["channel"], {"pending": 0, "due": 0, "in_flight": 0, "dead": 0})
        if row["status"] == MessageStatus.PENDING:
            entry.update(pending=row["count"], due=row["due"], in_flight=row["leased"])
        else:
            entry["dead"] = row["count"]
    pending = OutboxMessage.objects.filter(status=MessageStatus.PENDING)
    oldest = pending.order_by("created_at").select_related("endpoint").first()
    failing = pending.exclude(last_error="").select_related("endpoint").order_by("next_attempt_at")[:FAILURES_SHOWN]
    dead = (
        OutboxMessage.objects.filter(status=MessageStatus.DEAD)
        .select_related("endpoint")
        .order_by("-next_attempt_at", "-id")[:FAILURES_SHOWN]
    )
    return {
        "as_of": now.isoformat(),
        "queues": queues,
        "oldest_pending": None
        if oldest is None
        else _message(oldest) | {"age_seconds": max(int((now - oldest.created_at).total_seconds()), 0)},
        "failing": [_message(m) for m in failing],
        "dead": [_message(m) for m in dead],
    }
