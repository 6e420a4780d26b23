"""The webhook signature (v2) binds the time, the Idempotency-Key and the body: a receiver that checks it
as docs/webhooks.md shows refuses a captured delivery replayed under another key."""

import json
import re
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from plaint.notifications.delivery import deliver_due
from plaint.notifications.models import WebhookEndpoint
from plaint.notifications.outbox import enqueue_webhook
from plaint.notifications.signing import signature_header, verify_signature, verify_v1
from tests.receiver import Receiver

DOC = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"
SECRET = "s3cret-for-the-marketplace"
REFUND = {"case": "PL-7K2M-Q9XD", "order_id": "O-1001", "consumer_id": "C-1001", "amount": "389.00"}


def documented_check():
    """Return verify_plaint_webhook exactly as docs/webhooks.md prints it for receivers."""
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    [block] = [b for b in blocks if "def verify_plaint_webhook" in b]
    namespace: dict = {}
    exec(compile(block, str(DOC), "exec"), namespace)
    return namespace["verify_plaint_webhook"]


@pytest.fixture
def checking_receiver():
    """A receiver that checks every request's signature with the documented code, as a marketplace would."""
    check = documented_check()
    running = Receiver(verifier=lambda headers, body: check(SECRET.encode(), headers, body)).start()
    yield running
    running.stop()


def resend(receiver: Receiver, body: bytes, headers: dict[str, str], **changes: str) -> int:
    """POST captured bytes and headers again, as an attacker who recorded a delivery would; return the status."""
    sent = {k: v for k, v in headers.items() if k.lower() not in ("host", "content-length")} | changes
    return httpx.post(receiver.url, content=body, headers=sent, timeout=5).status_code


@pytest.mark.django_db
def test_a_delivery_passes_the_receivers_check_and_a_replay_under_another_key_does_not(checking_receiver):
    receiver = checking_receiver
    endpoint = WebhookEndpoint.objects.create(name="marketplace", url=receiver.url, secret=SECRET)
    now = timezone.now()
    enqueue_webhook("remedy.instructed", REFUND, key="remedy-17", now=now)
    assert deliver_due(now).delivered == 1
    [delivery] = receiver.requests
    assert receiver.refused == 0
    key = delivery.headers["Idempotency-Key"]
    assert key == f"remedy-17:{endpoint.pk}"
    assert re.fullmatch(r"t=\d+,v2=[0-9a-f]{64}", delivery.headers["Plaint-Signature"])

    # The same message again (a retry, or a replay): accepted, and dropped by its key.
    assert resend(receiver, delivery.body, delivery.headers) == 200
    assert receiver.duplicates == 1 and len(receiver.stored) == 1
    # Replayed under another key, so that a receiver would take it for a second refund: refused.
    assert resend(receiver, delivery.body, delivery.headers, **{"Idempotency-Key": f"remedy-18:{endpoint.pk}"}) == 401
    assert resend(receiver, delivery.body, delivery.headers, **{"Idempotency-Key": ""}) == 401
    # Nor does another body, or another time, pass with the captured signature.
    forged = json.dumps(json.loads(delivery.body) | {"data": REFUND | {"amount": "3890.00"}}).encode()
    assert resend(receiver, forged, delivery.headers) == 401
    later = re.sub(r"t=(\d+)", lambda m: f"t={int(m.group(1)) + 60}", delivery.headers["Plaint-Signature"])
    assert resend(receiver, delivery.body, delivery.headers, **{"Plaint-Signature": later}) == 401
    assert receiver.refused == 4
    assert list(receiver.stored) == [key]


def test_plaints_own_check_agrees_with_the_documented_one():
    check = documented_check()
    now = timezone.now()
    body = json.dumps({"topic": "case.decided", "data": {"note": "退款"}}, ensure_ascii=False).encode()
    fresh, stale = str(int(now.timestamp())), str(int((now - timedelta(minutes=6)).timestamp()))
    cases = [
        (signature_header(SECRET, fresh, "decision-1:1", body), "decision-1:1", body, True),
        (signature_header(SECRET, fresh, "decision-1:1", body), "decision-2:1", body, False),
        (signature_header(SECRET, fresh, "decision-1:1", body), "decision-1:1", body + b" ", False),
        (signature_header("other", fresh, "decision-1:1", body), "decision-1:1", body, False),
        (signature_header(SECRET, stale, "decision-1:1", body), "decision-1:1", body, False),
        # Another secret's v2 beside the right one (a secret being changed), and a future version's entry.
        (
            signature_header("old", fresh, "k:1", body)
            + ",v2="
            + signature_header(SECRET, fresh, "k:1", body)[-64:]
            + ",v3=abc",
            "k:1",
            body,
            True,
        ),
        (f"t={fresh}", "k:1", body, False),
        (f"t=１２,v2={'0' * 64}", "k:1", body, False),  # full-width digits are not a time
        ("", "k:1", body, False),
    ]
    for header, key, sent, expected in cases:
        assert verify_signature(SECRET, header, key, sent, now=now) is expected, header
        headers = {"Plaint-Signature": header, "Idempotency-Key": key}
        assert check(SECRET.encode(), headers, sent, now=now.timestamp()) is expected, header


def test_a_key_with_a_dot_is_refused_before_anything_is_queued():
    # "v2.<t>.<key>.<body>" must split one way only.
    with pytest.raises(ValueError, match="webhook key"):
        enqueue_webhook("case.opened", {}, key="case.PL-1.opened", now=timezone.now())


@pytest.mark.django_db
def test_a_legacy_endpoint_gets_the_deprecated_v1_signature_beside_v2(receiver):
    legacy = WebhookEndpoint.objects.create(name="old", url=receiver.url, secret=SECRET, legacy_signature=True)
    now = timezone.now()
    enqueue_webhook("case.opened", {"case": "PL-1"}, key="case-PL-1-opened", now=now)
    assert deliver_due(now).delivered == 1
    [delivery] = receiver.requests
    headers = delivery.headers
    assert verify_v1(SECRET, headers["X-Plaint-Timestamp"], delivery.body, headers["X-Plaint-Signature"], now=now)
    assert verify_signature(SECRET, headers["Plaint-Signature"], f"case-PL-1-opened:{legacy.pk}", delivery.body, now)
    assert headers["Plaint-Signature"].startswith(f"t={headers['X-Plaint-Timestamp']},")


def _migrate(targets: list[tuple[str, str]]):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_endpoints_made_before_v2_keep_v1_and_new_ones_do_not():
    apps = _migrate([("notifications", "0004_outbox_reply_to")])
    try:
        apps.get_model("notifications", "WebhookEndpoint").objects.create(name="old", url="http://x/", secret="s")
        apps = _migrate([("notifications", "0005_webhook_legacy_signature")])
        Endpoint = apps.get_model("notifications", "WebhookEndpoint")
        assert Endpoint.objects.get(name="old").legacy_signature is True
        assert Endpoint.objects.create(name="new", url="http://y/", secret="s").legacy_signature is False
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
