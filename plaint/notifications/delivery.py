"""Delivering outbox messages: claim, POST outside any transaction, record, retry with backoff."""

import logging
import random
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .models import Channel, MessageStatus, OutboxMessage
from .outbox import sign

log = logging.getLogger(__name__)
MAX_BACKOFF = timedelta(hours=1)


@dataclass
class DeliveryReport:
    delivered: int = 0
    failed: int = 0
    dead: int = 0


def backoff(attempts: int) -> timedelta:
    """Return the wait before the next attempt after `attempts` failures: doubling, capped, with jitter."""
    base = timedelta(seconds=settings.PLAINT_DELIVERY_BACKOFF_SECONDS * 2 ** max(attempts - 1, 0))
    base = min(base, MAX_BACKOFF)
    return base + base * random.uniform(0, 0.1)


def _claim(message: OutboxMessage, now: datetime) -> bool:
    """Take the message for this worker; False if another worker took it first."""
    lease = now + timedelta(seconds=settings.PLAINT_WEBHOOK_TIMEOUT * 2 + 5)
    claimed = (
        OutboxMessage.objects.filter(pk=message.pk, status=MessageStatus.PENDING, attempts=message.attempts)
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now))
        .update(locked_until=lease)
    )
    return claimed == 1


def _mail(message: OutboxMessage) -> str | None:
    """Send the e-mail; return None when the SMTP server took it, else what went wrong."""
    mail = EmailMessage(
        message.subject,
        message.body,
        settings.DEFAULT_FROM_EMAIL,
        [message.recipient],
        headers={"Message-ID": f"<{message.idempotency_key}@plaint>"},
        reply_to=[message.reply_to] if message.reply_to else None,
        connection=get_connection(settings.PLAINT_EMAIL_BACKEND, timeout=settings.PLAINT_WEBHOOK_TIMEOUT),
    )
    try:
        mail.send()
    except (OSError, smtplib.SMTPException) as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def _post(message: OutboxMessage, client: httpx.Client) -> str | None:
    """POST the message; return None on a 2xx answer, else what went wrong."""
    body = message.body.encode()
    timestamp = str(int(timezone.now().timestamp()))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "X-Plaint-Topic": message.topic,
        "X-Plaint-Timestamp": timestamp,
        "X-Plaint-Signature": sign(message.endpoint.secret, timestamp, body),
        "Idempotency-Key": message.idempotency_key,
    }
    try:
        response = client.post(message.endpoint.url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}"
    if 200 <= response.status_code < 300:
        return None
    return f"HTTP {response.status_code}: {response.text[:500]}"


def deliver_due(now: datetime | None = None, limit: int = 100) -> DeliveryReport:
    """Send every pending message due at `now` (at most `limit`); return what happened.

    Each message is claimed with a conditional UPDATE before it is sent, so two workers never send
    the same message at the same time; no transaction is held open during the HTTP call.
    """
    now = now or timezone.now()
    report = DeliveryReport()
    due = list(
        OutboxMessage.objects.filter(status=MessageStatus.PENDING, next_attempt_at__lte=now)
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now))
        .select_related("endpoint")
        .order_by("next_attempt_at", "id")[:limit]
    )
    if not due:
        return report
    with httpx.Client(timeout=settings.PLAINT_WEBHOOK_TIMEOUT) as client:
        for message in due:
            if not _claim(message, now):
                continue
            error = _mail(message) if message.channel == Channel.EMAIL else _post(message, client)
            _record(message, error, now, report)
    return report


def _record(message: OutboxMessage, error: str | None, now: datetime, report: DeliveryReport) -> None:
    attempts = message.attempts + 1
    with transaction.atomic():
        rows = OutboxMessage.objects.filter(pk=message.pk)
        if error is None:
            rows.update(
                status=MessageStatus.DELIVERED,
                attempts=F("attempts") + 1,
                delivered_at=timezone.now(),
                locked_until=None,
                last_error="",
            )
            report.delivered += 1
        elif attempts >= settings.PLAINT_DELIVERY_MAX_ATTEMPTS:
            rows.update(status=MessageStatus.DEAD, attempts=F("attempts") + 1, locked_until=None, last_error=error)
            log.warning("webhook %s is a dead letter after %d attempts: %s", message.idempotency_key, attempts, error)
            report.dead += 1
        else:
            rows.update(
                attempts=F("attempts") + 1, locked_until=None, last_error=error, next_attempt_at=now + backoff(attempts)
            )
            report.failed += 1


def retry_dead(message_id: int, now: datetime | None = None) -> bool:
    """Put a dead letter back in the queue, due now; return whether there was one to retry."""
    now = now or timezone.now()
    return bool(
        OutboxMessage.objects.filter(pk=message_id, status=MessageStatus.DEAD).update(
            status=MessageStatus.PENDING, attempts=0, next_attempt_at=now, locked_until=None
        )
    )
