"""The webhook signature both sides agree on (docs/webhooks.md, *Signatures*).

Version 2, sent to every endpoint, in the header

    Plaint-Signature: t=<Unix seconds>,v2=<hex HMAC-SHA256>

signs "v2.<t>.<Idempotency-Key>.<body>" with the endpoint's secret: the time, the key and the body
are bound together, so a captured delivery cannot be replayed under another Idempotency-Key (which
a receiver would take for a new message), nor later than the receiver's tolerance. "v2." in front
keeps a version-2 signature from ever matching another version's input. Idempotency-Keys never
contain "." (enqueue_webhook refuses one), so the signed string splits one way only.

Version 1 (deprecated) signs "<t>." + body only and travels in X-Plaint-Timestamp and
X-Plaint-Signature: sha256=<hex>; it is sent only to endpoints marked `legacy_signature`.
"""

import hashlib
import hmac
from datetime import datetime

SIGNATURE_HEADER = "Plaint-Signature"
# How far a delivery's time may be from the receiver's clock (either way) before it is refused.
TOLERANCE_SECONDS = 300


def sign_v2(secret: str, timestamp: str, idempotency_key: str, body: bytes) -> str:
    """Return the hex HMAC-SHA256 of "v2.<timestamp>.<idempotency_key>." + body."""
    signed = b"v2." + timestamp.encode() + b"." + idempotency_key.encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: str, idempotency_key: str, body: bytes) -> str:
    """Return the Plaint-Signature value: "t=<timestamp>,v2=<hex>"."""
    return f"t={timestamp},v2={sign_v2(secret, timestamp, idempotency_key, body)}"


def verify_signature(
    secret: str,
    header: str,
    idempotency_key: str,
    body: bytes,
    now: datetime,
    tolerance_seconds: int = TOLERANCE_SECONDS,
) -> bool:
    """Return whether a delivery is authentic, fresh and meant for this key: the receiver's check.

    False for a header without a numeric `t` or without a `v2` signature, a time older or newer
    than the tolerance, or a signature that does not match. Several v2 entries may be present (one
    per secret while a secret is being changed): one match is enough. Unknown entries (a later
    version's) are ignored.
    """
    fields: dict[str, list[str]] = {}
    for part in (header or "").split(","):
        name, _, value = part.strip().partition("=")
        fields.setdefault(name, []).append(value)
    stamps = fields.get("t", [])
    if len(stamps) != 1 or not (stamps[0].isascii() and stamps[0].isdigit()):
        return False
    if abs(now.timestamp() - int(stamps[0])) > tolerance_seconds:
        return False
    expected = sign_v2(secret, stamps[0], idempotency_key, body)
    return any(hmac.compare_digest(expected, candidate) for candidate in fields.get("v2", []))


def sign_v1(secret: str, timestamp: str, body: bytes) -> str:
    """Return the deprecated X-Plaint-Signature value: sha256=<hex HMAC-SHA256 of "<timestamp>." + body>.

    It does not cover the Idempotency-Key: verify Plaint-Signature (v2) instead.
    """
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify_v1(
    secret: str, timestamp: str, body: bytes, signature: str, now: datetime, tolerance_seconds: int = TOLERANCE_SECONDS
) -> bool:
    """Return whether a deprecated v1 signature is authentic and fresh (it does not bind the key).

    False for a wrong signature, a timestamp that is not a number, or one older or newer than the tolerance.
    """
    try:
        sent = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs(now.timestamp() - sent) > tolerance_seconds:
        return False
    return hmac.compare_digest(sign_v1(secret, timestamp, body), signature)
