"""Writing side effects to the outbox, and the signature both sides of a webhook agree on."""

import hashlib
import hmac
import json
from datetime import datetime
from typing import Any

from .models import OutboxMessage, WebhookEndpoint


def enqueue_webhook(topic: str, payload: dict[str, Any], key: str, now: datetime) -> list[OutboxMessage]:
    """Queue one message per active endpoint; return the rows made.

    Call it inside the transaction of the change that caused it, so both commit or neither does.
    Enqueuing the same `key` again makes nothing new: one event is sent once.
    """
    made = []
    for endpoint in WebhookEndpoint.objects.filter(active=True):
        idempotency_key = f"{key}:{endpoint.pk}"
        body = json.dumps(
            {"topic": topic, "idempotency_key": idempotency_key, "occurred_at": now.isoformat(), "data": payload},
            ensure_ascii=False,
            sort_keys=True,
            default=str,
        )
        message, created = OutboxMessage.objects.get_or_create(
            idempotency_key=idempotency_key,
            defaults={"endpoint": endpoint, "topic": topic, "body": body, "next_attempt_at": now, "created_at": now},
        )
        if created:
            made.append(message)
    return made


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """Return the X-Plaint-Signature value: sha256=<hex HMAC-SHA256 of "<timestamp>." + body>."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(
    secret: str, timestamp: str, body: bytes, signature: str, now: datetime, tolerance_seconds: int = 300
) -> bool:
    """Return whether a delivery is authentic and fresh: the receiver's side of the contract.

    False for a wrong signature, a timestamp that is not a number, or one older or newer than the tolerance.
    """
    try:
        sent = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs(now.timestamp() - sent) > tolerance_seconds:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature)
