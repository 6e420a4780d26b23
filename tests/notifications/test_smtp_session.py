"""A batch of e-mails goes out in one SMTP session; a message the server refuses is retried alone and
does not stop the others (a real local SMTP server)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from plaint.notifications.delivery import deliver_due
from plaint.notifications.models import MessageStatus, OutboxMessage
from plaint.notifications.outbox import enqueue_email

pytestmark = pytest.mark.django_db


def queue(count: int) -> list[str]:
    now = timezone.now()
    addresses = [f"buyer{i}@example.cn" for i in range(count)]
    for i, address in enumerate(addresses):
        enqueue_email(address, f"Notice {i}", f"Body {i}", "test", f"session-test-{i}", now)
    return addresses


def test_a_batch_is_one_smtp_session(inbox, settings):
    settings.PLAINT_DELIVERY_BATCH = 50
    addresses = queue(30)
    report = deliver_due(timezone.now() + timedelta(seconds=1))
    assert report.delivered == 30
    assert [rcpt for rcpt, _ in inbox.messages] == [[a] for a in addresses]
    assert len(inbox.sessions) == 1


def test_a_refused_recipient_is_retried_and_the_rest_still_go(inbox):
    addresses = queue(5)
    inbox.refuse = {addresses[2]}
    report = deliver_due(timezone.now() + timedelta(seconds=1))
    assert (report.delivered, report.failed) == (4, 1)
    assert [rcpt[0] for rcpt, _ in inbox.messages] == addresses[:2] + addresses[3:]
    # The failed message closed its session; the next one opened a fresh session.
    assert len(inbox.sessions) == 2
    refused = OutboxMessage.objects.get(recipient=addresses[2])
    assert refused.status == MessageStatus.PENDING and refused.attempts == 1 and "550" in refused.last_error

    inbox.refuse = set()
    assert deliver_due(refused.next_attempt_at + timedelta(seconds=1)).delivered == 1
    assert inbox.to(addresses[2])
