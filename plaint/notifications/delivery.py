"""Delivering outbox messages: claim, POST outside any transaction, record, retry with backoff."""

import logging
import random
import smtplib
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from .models import Channel, MessageStatus, OutboxMessage
from .signing import SIGNATURE_HEADER, sign_v1, signature_header

log = logging.getLogger(__name__)
MAX_BACKOFF = timedelta(hours=1)


@dataclass
class DeliveryReport:
    claimed: int = 0
    delivered: int = 0
    failed: int = 0
    dead: int = 0


def backoff(attempts: int) -> timedelta:
    """Return the wait before the next attempt after `attempts` failures: doubling, capped, with jitter."""
    base = timedelta(seconds=settings.PLAINT_DELIVERY_BACKOFF_SECONDS * 2 ** max(attempts - 1, 0))
    base = min(base, MAX_BACKOFF)
    return base + base * random.uniform(0, 0.1)


def _claim(now: datetime, limit: int) -> list[OutboxMessage]:
    """Take up to `limit` due messages for this worker until its lease ends; return them, oldest first.

    One UPDATE sets the lease on rows chosen by a subquery. On PostgreSQL the subquery locks its
    rows FOR UPDATE SKIP LOCKED, so concurrent workers take disjoint batches without waiting, and a
    row leased by a worker that committed first fails the re-checked WHERE. On SQLite the write
    transaction is IMMEDIATE (settings), so claims run one at a time.
    """
    lease = now + timedelta(seconds=settings.PLAINT_DELIVERY_LEASE_SECONDS)
    table = OutboxMessage._meta.db_table
    skip_locked = " FOR UPDATE SKIP LOCKED" if connection.features.has_select_for_update_skip_locked else ""
    sql = (
        f"UPDATE {table} SET locked_until = %s WHERE id IN ("
        f"SELECT id FROM {table} WHERE status = %s AND next_attempt_at <= %s "
        "AND (locked_until IS NULL OR locked_until < %s) "
        f"ORDER BY next_attempt_at, id LIMIT %s{skip_locked}) RETURNING id"
    )
    at = connection.ops.adapt_datetimefield_value
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql, [at(lease), MessageStatus.PENDING, at(now), at(now), limit])
            ids = [row[0] for row in cursor.fetchall()]
    if not ids:
        return []
    return list(OutboxMessage.objects.filter(pk__in=ids).select_related("endpoint").order_by("next_attempt_at", "id"))


class _Mailer:
    """One SMTP session for a batch of e-mails, opened at the first and closed after the last.

    A failed message closes the session (a refused recipient or a broken connection alike), so the
    next message opens a fresh one rather than writing into a session in an unknown state.
    """

    def __init__(self) -> None:
        self.connection = None

    def send(self, message: OutboxMessage) -> str | None:
        """Send the e-mail; return None when the SMTP server took it, else what went wrong."""
        try:
            if self.connection is None:
                self.connection = get_connection(settings.PLAINT_EMAIL_BACKEND, timeout=settings.PLAINT_WEBHOOK_TIMEOUT)
                self.connection.open()
            EmailMessage(
                message.subject,
                message.body,
                settings.DEFAULT_FROM_EMAIL,
                [message.recipient],
                headers={"Message-ID": f"<{message.idempotency_key}@plaint>"},
                reply_to=[message.reply_to] if message.reply_to else None,
                connection=self.connection,
            ).send()
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            return f"{type(exc).__name__}: {exc}"
        return None

    def close(self) -> None:
        connection, self.connection = self.connection, None
        if connection is not None:
            try:
                connection.close()
            except (OSError, smtplib.SMTPException):
                pass  # the session is gone either way; the next message opens a new one


def webhook_headers(message: OutboxMessage, timestamp: str) -> dict[str, str]:
    """Return the headers of one attempt: the v2 signature over time, key and body; v1 beside it if asked.

    The timestamp is the attempt's, so a retry carries a fresh signature over the same body and key.
    """
    endpoint = message.endpoint
    body = message.body.encode()
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "X-Plaint-Topic": message.topic,
        "Idempotency-Key": message.idempotency_key,
        SIGNATURE_HEADER: signature_header(endpoint.secret, timestamp, message.idempotency_key, body),
    }
    if endpoint.legacy_signature:
        # Deprecated (docs/webhooks.md): for receivers that still check v1, until they move to v2.
        headers["X-Plaint-Timestamp"] = timestamp
        headers["X-Plaint-Signature"] = sign_v1(endpoint.secret, timestamp, body)
    return headers


def _post(message: OutboxMessage, client: httpx.Client) -> str | None:
    """POST the message; return None on a 2xx answer, else what went wrong."""
    body = message.body.encode()
    headers = webhook_headers(message, str(int(timezone.now().timestamp())))
    try:
        response = client.post(message.endpoint.url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}"
    if 200 <= response.status_code < 300:
        return None
    return f"HTTP {response.status_code}: {response.text[:500]}"


def deliver_due(now: datetime | None = None, limit: int | None = None) -> DeliveryReport:
    """Send the pending messages due at `now`, at most `limit` (PLAINT_DELIVERY_BATCH); return what happened.

    The batch is claimed first (see `_claim`), so two workers never send the same message at the same
    time; no transaction is held open during the HTTP call or SMTP session. A worker that has used up
    most of its lease stops and hands back the rest, so no message is sent while another worker may
    have taken it over.
    """
    now = now or timezone.now()
    limit = limit or settings.PLAINT_DELIVERY_BATCH
    report = DeliveryReport()
    started = time.monotonic()
    # Keep a whole attempt's time (the timeout) in hand before the lease ends.
    deadline = started + settings.PLAINT_DELIVERY_LEASE_SECONDS - settings.PLAINT_WEBHOOK_TIMEOUT
    batch = _claim(now, limit)
    report.claimed = len(batch)
    if not batch:
        return report
    # The marks below need not wait for the WAL flush: a mark lost in a database crash only means the
    # message is sent again, which its Idempotency-Key makes harmless. One round trip per mark.
    async_marks = connection.vendor == "postgresql" and not connection.in_atomic_block
    if async_marks:
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO OFF")
    # One SMTP session for the batch's e-mails, as one HTTP client for its webhooks: a fan-out of
    # thousands of e-mails is not thousands of TCP and TLS handshakes.
    mailer = _Mailer()
    try:
        with httpx.Client(timeout=settings.PLAINT_WEBHOOK_TIMEOUT) as client:
            for index, message in enumerate(batch):
                if time.monotonic() > deadline:
                    _release(batch[index:])
                    break
                error = mailer.send(message) if message.channel == Channel.EMAIL else _post(message, client)
                _record(message, error, now, report)
    finally:
        mailer.close()
        if async_marks:
            with connection.cursor() as cursor:
                cursor.execute("RESET synchronous_commit")
    return report


def _release(messages: list[OutboxMessage]) -> None:
    # Only rows still pending: a row another worker took over after the lease is theirs now.
    OutboxMessage.objects.filter(pk__in=[m.pk for m in messages], status=MessageStatus.PENDING).update(
        locked_until=None
    )


def _record(message: OutboxMessage, error: str | None, now: datetime, report: DeliveryReport) -> None:
    """Record an attempt's result in one UPDATE.

    Guarded by status and attempts: a worker whose lease ran out while it waited on a slow receiver
    does not overwrite what the worker that took the message over recorded (and counts nothing).
    """
    attempts = message.attempts + 1
    rows = OutboxMessage.objects.filter(pk=message.pk, status=MessageStatus.PENDING, attempts=message.attempts)
    if error is None:
        report.delivered += rows.update(
            status=MessageStatus.DELIVERED,
            attempts=F("attempts") + 1,
            delivered_at=timezone.now(),
            locked_until=None,
            last_error="",
        )
    elif attempts >= settings.PLAINT_DELIVERY_MAX_ATTEMPTS:
        report.dead += rows.update(
            status=MessageStatus.DEAD, attempts=F("attempts") + 1, locked_until=None, last_error=error
        )
        log.warning("message %s is a dead letter after %d attempts: %s", message.idempotency_key, attempts, error)
    else:
        report.failed += rows.update(
            attempts=F("attempts") + 1, locked_until=None, last_error=error, next_attempt_at=now + backoff(attempts)
        )


def retry_dead(message_id: int, now: datetime | None = None) -> bool:
    """Put a dead letter back in the queue, due now; return whether there was one to retry."""
    now = now or timezone.now()
    return bool(
        OutboxMessage.objects.filter(pk=message_id, status=MessageStatus.DEAD).update(
            status=MessageStatus.PENDING, attempts=0, next_attempt_at=now, locked_until=None
        )
    )
