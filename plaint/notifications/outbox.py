"""Writing side effects to the outbox. The webhook signature is in signing.py."""

import json
import re
from datetime import datetime
from typing import Any

from plaint.db import current

from .models import Channel, MessageStatus, OutboxMessage, WebhookEndpoint, WebhookSubscription
from .topics import patterns_matching

# An event key: no "." (the v2 signature joins the key and the body with one, signing.py) and
# nothing a header could not carry.
WEBHOOK_KEY = re.compile(r"[A-Za-z0-9_:-]{1,80}")


def enqueue_webhook(topic: str, payload: dict[str, Any], key: str, now: datetime) -> int:
    """Queue the event for every active endpoint subscribed to `topic`; return how many messages were made.

    An endpoint is subscribed when it has no subscriptions (every topic) or one of them is the topic,
    its family ("remedy.*") or "*" (topics.py).

    Call it inside the transaction of the change that caused it, so both commit or neither does.
    Each endpoint's message has the Idempotency-Key "<key>:<endpoint id>"; enqueuing the same `key`
    again makes nothing new, so one event is sent once. One statement, whatever the number of endpoints.
    A key is letters, digits, "-", "_" and ":" (ValueError otherwise: a programming error).
    """
    if not WEBHOOK_KEY.fullmatch(key):
        raise ValueError(f"webhook key {key!r}: letters, digits, '-', '_' and ':' only, at most 80")
    body = json.dumps(
        {"topic": topic, "event": key, "occurred_at": now.isoformat(), "data": payload},
        ensure_ascii=False,
        sort_keys=True,
        default=str,
    )
    table = OutboxMessage._meta.db_table
    endpoints = WebhookEndpoint._meta.db_table
    subscriptions = WebhookSubscription._meta.db_table
    # INSERT ... SELECT: the endpoints and their subscriptions are read and the rows written in one
    # round trip; each subquery is a lookup in the unique index (endpoint_id, topic).
    sql = (
        f"INSERT INTO {table} (channel, endpoint_id, recipient, subject, reply_to, topic, idempotency_key, body, "
        "status, attempts, next_attempt_at, locked_until, last_error, created_at, delivered_at) "
        f"SELECT 'webhook', e.id, '', '', '', %s, {_concat('%s', 'e.id')}, %s, %s, 0, %s, NULL, '', %s, NULL "
        f"FROM {endpoints} e "
        "WHERE e.active = %s AND ("
        f"NOT EXISTS (SELECT 1 FROM {subscriptions} s WHERE s.endpoint_id = e.id) "
        f"OR EXISTS (SELECT 1 FROM {subscriptions} s WHERE s.endpoint_id = e.id AND s.topic IN (%s, %s, %s))"
        ") ON CONFLICT (idempotency_key) DO NOTHING"
    )
    connection = current()
    at = connection.ops.adapt_datetimefield_value(now)  # as the ORM would store it on this database
    with connection.cursor() as cursor:
        params = [topic, f"{key}:", body, MessageStatus.PENDING, at, at, True, *patterns_matching(topic)]
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)


def _concat(prefix: str, column: str) -> str:
    # Both PostgreSQL and SQLite spell string concatenation ||; the id is cast to text first.
    return f"{prefix} || CAST({column} AS VARCHAR(20))"


def enqueue_email(
    recipient: str, subject: str, body: str, topic: str, key: str, now: datetime, *, reply_to: str = ""
) -> bool:
    """Queue an e-mail; return whether one was queued (not when there is no address or the key was used).

    Call it inside the transaction of the change that caused it. The key becomes the Message-ID, so
    a mail server or client that drops repeats by Message-ID sees one message. `reply_to` is where
    answers go (a case's own address, so they are added to the case).
    """
    if not recipient:
        return False
    # One INSERT that skips a used key: no read before it and no savepoint around it, as a
    # get_or_create would need (four round trips instead of one, on every step that tells someone).
    sql = (
        f"INSERT INTO {OutboxMessage._meta.db_table} (channel, endpoint_id, recipient, subject, reply_to, topic, "
        "idempotency_key, body, status, attempts, next_attempt_at, locked_until, last_error, created_at, "
        "delivered_at) VALUES (%s, NULL, %s, %s, %s, %s, %s, %s, %s, 0, %s, NULL, '', %s, NULL) "
        "ON CONFLICT (idempotency_key) DO NOTHING"
    )
    connection = current()
    at = connection.ops.adapt_datetimefield_value(now)  # as the ORM would store it on this database
    params = [Channel.EMAIL, recipient, subject[:200], reply_to, topic, key, body, MessageStatus.PENDING, at, at]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount == 1
