"""Inbound mail that does not come from who it says: forged senders, unverified addresses; and floods of files."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from plaint.cases import addresses
from plaint.cases.models import Case
from plaint.errors import Refused
from plaint.inbound.actions import confirm_held_mail, expire_held_mail, ingest_email
from plaint.inbound.models import HeldMail, InboundMail
from plaint.notifications.delivery import deliver_due
from plaint.notifications.models import OutboxMessage
from plaint.storage import held_storage
from tests import factories as f
from tests.inbound.mails import mail

pytestmark = pytest.mark.django_db

INTAKE = "report@plaint.example"
CONSUMER = "c1@example.cn"  # verified by the marketplace (factories.order's default)
UNVERIFIED = "c3@example.cn"
MERCHANT = "shop@tokyo-beauty.example"
LINK = re.compile(r"/mail/confirm/([^/\s]+)/")


@pytest.fixture
def shop():
    shop = f.merchant("M-A", contact_email=MERCHANT)
    f.order(shop, "C1", external_id="O-1001", delivered_at=timezone.now() - timedelta(days=3))
    f.order(shop, "C3", external_id="O-3003", delivered_at=timezone.now() - timedelta(days=3), email_verified=False)
    return shop


def mails_to(address: str) -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(channel="email", recipient=address).order_by("id"))


# --- only the case's own address adds to a case ----------------------------------------------------


def test_a_forged_from_with_the_order_and_category_of_an_open_case_adds_nothing(shop):
    filed = ingest_email(mail(CONSUMER, INTAKE, "[expired_goods] O-1001", "过期了，照片稍后补。"))
    case = Case.objects.get(reference=filed.case_reference)
    assert case.state == "needs_evidence"
    events = case.events.count()

    # Someone who knows C1's address, order and matter writes to the intake address as C1, with the
    # photo the case is waiting for: today that would complete the evidence and move the case on.
    forged = ingest_email(
        mail(
            f"李娜 <{CONSUMER}>",
            INTAKE,
            "[expired_goods] O-1001",
            "补充照片。",
            attachments=[("IMG_1.jpg", f.jpeg("blue"), "image/jpeg")],
        )
    )

    assert (forged.outcome, forged.reason, forged.case_reference) == ("answered", "open_case", case.reference)
    case.refresh_from_db()
    assert case.state == "needs_evidence" and case.evidence.count() == 0 and case.events.count() == events
    assert mails_to(MERCHANT) == []
    # The answer goes to the reporter's address on record and names where to write: its Reply-To is
    # the case's signed address, and the case's page.
    answer = mails_to(CONSUMER)[-1]
    assert answer.topic == "inbound.open_case"
    assert answer.reply_to == addresses.case_address(case.reference, "reporter")
    assert case.reference in answer.subject and "没有加入该举报" in answer.body
    assert f"/consumer/cases/{case.reference}/" in answer.body
    # The case's own address still adds what the reporter sends.
    reply = ingest_email(
        mail(
            CONSUMER,
            answer.reply_to,
            "Re",
            "照片。",
            attachments=[("IMG_1.jpg", f.jpeg("blue"), "image/jpeg")],
        )
    )
    assert reply.outcome == "evidence_added"
    case.refresh_from_db()
    assert case.state == "awaiting_merchant"


# --- a sender the marketplace has not verified ------------------------------------------------------


def test_an_unverified_sender_is_held_and_the_link_mailed_to_the_account_files_it(
    shop, inbox, client, django_capture_on_commit_callbacks
):
    raw = mail(
        "Someone <C3@Example.CN>",
        INTAKE,
        "[expired_goods] O-3003",
        "面霜到货时已过期。",
        attachments=[("IMG_2041.jpg", f.jpeg(), "image/jpeg")],
    )
    held = ingest_email(raw)

    # Kept, not filed: nobody is told about a report yet but the account's owner.
    assert (held.outcome, held.reason) == ("held", "unverified_sender")
    assert Case.objects.count() == 0 and mails_to(MERCHANT) == []
    record = InboundMail.objects.get()
    stored = HeldMail.objects.get(mail=record)
    assert record.outcome == "held" and stored.consumer.external_id == "C3"
    assert stored.raw.read() == raw
    assert ingest_email(raw).outcome == "duplicate"  # delivered again: still one held mail

    # The confirmation reaches the consumer's address on record, by SMTP, and nobody else.
    assert deliver_due(timezone.now()).delivered == 1
    (confirmation,) = inbox.to(UNVERIFIED)
    assert [rcpt for rcpt, _ in inbox.messages] == [[UNVERIFIED]]
    assert "https://plaint.test/mail/confirm/" in confirmation.get_content()
    token = LINK.search(confirmation.get_content()).group(1)
    page = f"/mail/confirm/{token}/"

    # The page shows what was received, in either language, and files nothing by being opened.
    english = client.get(page, HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 200 and "File this report" in english.content.decode()
    chinese = client.get(page, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "提交此举报" in chinese.content.decode() and "[expired_goods] O-3003" in chinese.content.decode()
    assert Case.objects.count() == 0

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(page)
    assert done.status_code == 302
    case = Case.objects.select_related("report").get()
    assert (case.channel, case.category, case.state) == ("email", "expired_goods", "awaiting_merchant")
    assert case.report.description == "面霜到货时已过期。" and case.reporter.external_id == "C3"
    assert case.evidence.get().original_name == "IMG_2041.jpg"
    record.refresh_from_db()
    assert (record.outcome, record.reason, record.case) == ("filed", "confirmed", case)
    assert not HeldMail.objects.exists() and not held_storage().exists(stored.raw.name)
    assert [m.topic for m in mails_to(MERCHANT)] == ["case.to_answer"]
    shown = client.get(page, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"filed as {case.reference}" in shown

    # Following the link again files nothing more.
    assert client.post(page).status_code == 302
    assert confirm_held_mail(token).case_reference == case.reference
    assert Case.objects.count() == 1


def test_a_held_mail_never_confirmed_expires(shop, client, settings, django_capture_on_commit_callbacks):
    now = timezone.now()
    ingest_email(mail(UNVERIFIED, INTAKE, "[expired_goods] O-3003", "过期了"), now=now)
    token = LINK.search(mails_to(UNVERIFIED)[0].body).group(1)
    stored = HeldMail.objects.get()
    hours = settings.PLAINT_INBOUND_HOLD_HOURS

    assert expire_held_mail(now + timedelta(hours=hours, minutes=-1)) == 0
    with pytest.raises(Refused) as late:
        confirm_held_mail(token, now + timedelta(hours=hours))
    assert late.value.code == "confirmation_expired"

    with django_capture_on_commit_callbacks(execute=True):
        assert expire_held_mail(now + timedelta(hours=hours)) == 1
    assert InboundMail.objects.get().outcome == "expired"
    assert not HeldMail.objects.exists() and not held_storage().exists(stored.raw.name)
    page = client.get(f"/mail/confirm/{token}/", HTTP_ACCEPT_LANGUAGE="en")
    assert "This link has expired" in page.content.decode()
    assert client.post(f"/mail/confirm/{token}/").status_code == 409
    assert client.get("/mail/confirm/not-a-token/").status_code == 404
    assert Case.objects.count() == 0


# --- limits --------------------------------------------------------------------------------------


def test_a_mail_with_50_attachments_keeps_its_text_and_the_first_files(shop, settings):
    limit = settings.PLAINT_EVIDENCE_MAX_FILES
    photos = [(f"IMG_{n:02}.jpg", f.jpeg(size=(16 + n, 16)), "image/jpeg") for n in range(50)]
    result = ingest_email(mail(CONSUMER, INTAKE, "[expired_goods] O-1001", "五十张照片。", attachments=photos))

    case = Case.objects.select_related("report").get(reference=result.case_reference)
    assert case.report.description == "五十张照片。"
    kept = sorted(case.evidence.values_list("original_name", flat=True))
    assert kept == [f"IMG_{n:02}.jpg" for n in range(limit)]
    assert [r["file"] for r in result.rejected_files] == [f"IMG_{n:02}.jpg" for n in range(limit, 50)]
    assert {r["code"] for r in result.rejected_files} == {"too_many_files"}
    told = mails_to(CONSUMER)[-1]
    assert told.topic == "inbound.rejected" and "IMG_49.jpg" in told.body and f"first {limit} files" in told.body

    # A reply to the case's address is held to the same number, its text (kept as a file) counted.
    before = case.evidence.count()
    reply = ingest_email(
        mail(CONSUMER, addresses.case_address(case.reference, "reporter"), "Re", "更多。", attachments=photos)
    )
    assert reply.rejected_files[0]["file"] == f"IMG_{limit - 1:02}.jpg" and len(reply.rejected_files) == 51 - limit
    assert case.evidence.count() == before + limit
    assert case.evidence.filter(content_type="text/plain").count() == 1
