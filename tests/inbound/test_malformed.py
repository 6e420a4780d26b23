"""Mail that cannot be read safely is refused for good (5xx, a permanent failure); NUL bytes are removed."""

import base64
import io
import smtplib
import socket
import sys
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from plaint.cases.models import Case
from plaint.inbound.actions import ingest_email
from plaint.inbound.models import InboundMail
from plaint.inbound.parsing import MalformedMail, parse
from plaint.inbound.smtp import controller
from plaint.notifications.models import OutboxMessage
from tests import factories as f
from tests.inbound.mails import nested_mail, unbounded_mail

pytestmark = pytest.mark.django_db

INTAKE = "report@plaint.example"
CONSUMER = "c1@example.cn"
MERCHANT = "shop@tokyo-beauty.example"


@pytest.fixture
def shop():
    shop = f.merchant("M-A", contact_email=MERCHANT)
    f.order(shop, "C1", external_id="O-1001", delivered_at=timezone.now() - timedelta(days=3))
    return shop


# --- malformed mail: refused for good ------------------------------------------------------------


def test_a_deeply_nested_or_malformed_mail_is_a_permanent_failure_of_ingest(shop, monkeypatch, capsys):
    for raw in (nested_mail(CONSUMER, INTAKE, 100), unbounded_mail(CONSUMER, INTAKE)):
        with pytest.raises(MalformedMail):
            ingest_email(raw)
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
        with pytest.raises(SystemExit) as exited:
            call_command("ingest_mail", "--recipient", INTAKE)
        assert exited.value.code == 65  # EX_DATAERR: the mail server bounces it, and does not retry
    assert "message refused" in capsys.readouterr().err
    assert Case.objects.count() == 0 and InboundMail.objects.count() == 0
    # Ten levels is the most a message may have; real clients use three to six.
    assert ingest_email(nested_mail(CONSUMER, INTAKE, 10)).outcome == "filed"


def test_nesting_deeper_than_the_parser_can_recurse_is_refused_not_crashed():
    with pytest.raises(MalformedMail) as refused:
        parse(nested_mail(CONSUMER, INTAKE, 3000))
    assert refused.value.code == "too_deep"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.django_db(transaction=True)
def test_the_smtp_receiver_refuses_nested_and_malformed_mail_with_a_5xx(shop):
    port = free_port()
    receiver = controller("127.0.0.1", port)
    receiver.start()
    codes = []
    try:
        for raw in (nested_mail(CONSUMER, INTAKE, 100), unbounded_mail(CONSUMER, INTAKE)):
            with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
                with pytest.raises(smtplib.SMTPDataError) as refused:
                    client.sendmail(CONSUMER, [INTAKE], raw)
                codes.append(refused.value.smtp_code)
    finally:
        receiver.stop()
    assert codes == [554, 554]
    assert Case.objects.count() == 0 and InboundMail.objects.count() == 0


# --- NUL bytes -----------------------------------------------------------------------------------


def nul_mail(sender: str, message_id: str) -> bytes:
    return (
        (
            f"From: Li\x00 Na <{sender}>\r\nTo: {INTAKE}\r\nSubject: [expired_goods]\x00 O-1001\r\n"
            f"Message-ID: <{message_id}>\r\nMIME-Version: 1.0\r\n"
            'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
            "--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThe cream\x00 had expired.\r\n"
            '--b\r\nContent-Type: image/jpeg\r\nContent-Disposition: attachment; filename="IMG\x00_1.jpg"\r\n'
            "Content-Transfer-Encoding: base64\r\n\r\n"
        ).encode()
        + base64.encodebytes(f.jpeg())
        + b"--b--\r\n"
    )


def test_nul_bytes_anywhere_in_a_mail_are_removed_not_stored(shop):
    result = ingest_email(nul_mail(CONSUMER, "nul\x00@x.example"))
    case = Case.objects.select_related("report").get(reference=result.case_reference)
    assert case.report.description == "The cream had expired."
    assert case.evidence.get().original_name == "IMG_1.jpg"
    record = InboundMail.objects.get()
    assert (record.subject, record.message_id) == ("[expired_goods] O-1001", "nul@x.example")
    # An answer quotes the subject: a stranger's mail is answered without NUL too.
    answered = ingest_email(nul_mail("someone@elsewhere.example", "nul-2@x.example"))
    assert answered.reason == "unknown_sender"
    sent = [(m.subject, m.body) for m in OutboxMessage.objects.all()]
    assert sent and not any("\x00" in subject + body for subject, body in sent)
    assert any("[expired_goods] O-1001" in body for _, body in sent)
