"""The e-mail channel end to end: mail sent by SMTP to Plaint's receiver files and updates cases."""

import os
import smtplib
import socket
import subprocess
import sys
from datetime import timedelta
from email import policy
from email.message import EmailMessage

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone

from plaint.cases.addresses import case_address
from plaint.cases.models import Case
from plaint.inbound.models import InboundMail
from plaint.inbound.smtp import controller
from plaint.notifications.models import OutboxMessage
from tests import factories as f

pytestmark = pytest.mark.django_db(transaction=True)

CONSUMER = "c1@example.cn"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_receiver():
    """Plaint's SMTP receiver on a free 127.0.0.1 port; stopped after the test."""
    port = free_port()
    receiver = controller("127.0.0.1", port)
    receiver.start()
    yield port
    receiver.stop()


def send(port: int, message: EmailMessage) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        client.send_message(message)


def report_mail(subject: str, text: str, photo: bytes | None, message_id: str, to: str = "report@plaint.example"):
    message = EmailMessage()
    message["From"] = f"李娜 <{CONSUMER}>"
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = message_id
    message.set_content(text)
    if photo is not None:
        message.add_attachment(photo, maintype="image", subtype="jpeg", filename="IMG_2041.JPG")
    return message


def test_a_mail_sent_by_smtp_files_a_case_with_its_photo(smtp_receiver):
    shop = f.merchant("M-A", contact_email="shop@tokyo-beauty.example")
    f.order(shop, "C1", external_id="O-1001", delivered_at=timezone.now() - timedelta(days=3))
    message = report_mail("[expired_goods] 订单 O-1001", "面霜到货已过期。", f.jpeg(), "<smtp-1@client.example>")

    send(smtp_receiver, message)

    case = Case.objects.get()
    assert (case.channel, case.category, case.state) == ("email", "expired_goods", "awaiting_merchant")
    evidence = case.evidence.get()
    assert (evidence.kind, evidence.content_type) == ("photo_of_expiry_date", "image/jpeg")
    assert evidence.file.read() == message.get_payload()[1].get_content()

    # The mail server delivers the same message again (a lost acknowledgement): nothing new happens.
    send(smtp_receiver, message)
    assert Case.objects.count() == 1 and case.evidence.count() == 1
    assert InboundMail.objects.get().outcome == "filed"


def test_a_reply_by_smtp_completes_the_evidence_and_an_old_order_is_explained(smtp_receiver):
    shop = f.merchant("M-A", contact_email="shop@tokyo-beauty.example")
    f.order(shop, "C1", external_id="O-1001", delivered_at=timezone.now() - timedelta(days=3))
    f.order(shop, "C1", external_id="O-OLD", delivered_at=timezone.now() - timedelta(days=45))

    send(
        smtp_receiver,
        report_mail("[expired_goods] 订单 O-1001", "过期了，照片稍后补。", None, "<smtp-2@client.example>"),
    )
    case = Case.objects.get()
    assert case.state == "needs_evidence"
    send(
        smtp_receiver,
        report_mail(
            f"Re: {case.reference}",
            "照片。",
            f.jpeg(),
            "<smtp-3@client.example>",
            to=case_address(case.reference, "reporter"),
        ),
    )
    case.refresh_from_db()
    assert case.state == "awaiting_merchant"

    send(smtp_receiver, report_mail("[expired_goods] 订单 O-OLD", "过期", f.jpeg(), "<smtp-4@client.example>"))
    old = Case.objects.get(report__order__external_id="O-OLD")
    assert old.state == "inadmissible"
    assert OutboxMessage.objects.filter(
        recipient=CONSUMER, body__contains=old.admissibility["explanation"]["zh"]
    ).exists()


def test_the_receiver_refuses_other_addresses_and_oversized_mail(smtp_receiver, settings):
    message = report_mail("x", "x", None, "<smtp-5@client.example>", to="postmaster@elsewhere.example")
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        send(smtp_receiver, message)

    settings.PLAINT_INBOUND_MAX_BYTES = 50_000
    port = free_port()
    small = controller("127.0.0.1", port)
    small.start()
    try:
        big = report_mail("[expired_goods] O-1", "x", f.jpeg() + b"\0" * 60_000, "<smtp-6@client.example>")
        with pytest.raises((smtplib.SMTPSenderRefused, smtplib.SMTPDataError)) as refused:
            send(port, big)
        assert refused.value.smtp_code == 552
    finally:
        small.stop()
    assert InboundMail.objects.count() == 0


def command_env(media_root) -> dict[str, str]:
    """Return the environment for a manage.py process that uses this test's database and files."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        url = f"sqlite:///{db['NAME']}"
    else:
        url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    return os.environ | {"PLAINT_DATABASE_URL": url, "PLAINT_MEDIA_ROOT": str(media_root)}


def test_the_receiver_and_the_pipe_commands_run_as_processes(media_root):
    shop = f.merchant("M-A", contact_email="shop@tokyo-beauty.example")
    f.order(shop, "C1", external_id="O-1001", delivered_at=timezone.now() - timedelta(days=3))
    f.order(shop, "C1", external_id="O-1002", delivered_at=timezone.now() - timedelta(days=3))
    manage = [sys.executable, str(django_settings.BASE_DIR / "manage.py")]
    env = command_env(media_root)

    port = free_port()
    server = subprocess.Popen(
        [*manage, "receive_mail", "--bind", f"127.0.0.1:{port}"], env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout.readline().startswith(f"Receiving mail by SMTP on 127.0.0.1:{port}")
        send(port, report_mail("[expired_goods] 订单 O-1001", "过期", f.jpeg(), "<proc-1@client.example>"))
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert server.returncode == 0
    assert Case.objects.get(report__order__external_id="O-1001").evidence.count() == 1

    piped = report_mail("[expired_goods] 订单 O-1002", "过期", f.jpeg(), "<proc-2@client.example>")
    done = subprocess.run(
        [*manage, "ingest_mail"], input=piped.as_bytes(), env=env, capture_output=True, timeout=60, check=True
    )
    assert b'"outcome": "filed"' in done.stdout
    assert Case.objects.get(report__order__external_id="O-1002").channel == "email"


def test_the_lmtp_receiver_answers_once_per_recipient():
    shop = f.merchant("M-A", contact_email="shop@tokyo-beauty.example")
    f.order(shop, "C1", external_id="O-1001", delivered_at=timezone.now() - timedelta(days=3))
    port = free_port()
    receiver = controller("127.0.0.1", port, lmtp=True)
    receiver.start()
    try:
        message = report_mail("[expired_goods] 订单 O-1001", "过期", f.jpeg(), "<lmtp-1@client.example>")
        client = smtplib.LMTP("127.0.0.1", port, timeout=30)
        client.ehlo_or_helo_if_needed()
        client.mail(CONSUMER)
        for rcpt in ("report@plaint.example", "REPORT@plaint.example"):
            assert client.rcpt(rcpt)[0] == 250
        # LMTP (RFC 2033) answers DATA once per accepted recipient; smtplib reads the first itself.
        replies = [client.data(message.as_bytes(policy=policy.SMTP)), client.getreply()]
        client.quit()
    finally:
        receiver.stop()
    assert [code for code, _ in replies] == [250, 250]
    assert Case.objects.get().channel == "email"
