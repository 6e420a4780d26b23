"""Inbound e-mail: reports and evidence by mail land in the same intake path as every other channel."""

import io
import json
import sys
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from plaint.accounts.models import Role
from plaint.cases import addresses
from plaint.cases.models import Case
from plaint.inbound.actions import ANSWERS_PER_SENDER_PER_DAY, GATEWAY_USERNAME, ingest_email
from plaint.inbound.models import InboundMail
from plaint.notifications.models import OutboxMessage
from tests import factories as f
from tests.inbound.mails import gbk_mail, mail

pytestmark = pytest.mark.django_db

INTAKE = "report@plaint.example"
CONSUMER = "c1@example.cn"  # the address factories.order gives consumer C1
MERCHANT = "shop@tokyo-beauty.example"


@pytest.fixture
def shop():
    shop = f.merchant("M-A", contact_email=MERCHANT)
    f.order(shop, "C1", external_id="O-1001", delivered_at=timezone.now() - timedelta(days=3))
    f.order(shop, "C2", external_id="O-2002", delivered_at=timezone.now() - timedelta(days=3))
    f.user(Role.MERCHANT, merchant=shop, email="staff@tokyo-beauty.example")
    return shop


def mails_to(address: str) -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(channel="email", recipient=address).order_by("id"))


def case_address(case: Case, party: str = "reporter") -> str:
    return addresses.case_address(case.reference, party)


def test_a_report_by_mail_is_filed_with_its_photo_as_the_required_evidence(shop):
    raw = mail(
        CONSUMER,
        INTAKE,
        "[expired_goods] order O-1001",
        "面霜到货时已过期。\nRemedy: return_and_refund",
        attachments=[("IMG_2041.jpg", f.jpeg(), "image/jpeg")],
    )
    result = ingest_email(raw)
    assert result.outcome == "filed"
    case = Case.objects.select_related("report").get(reference=result.case_reference)
    assert (case.channel, case.category, case.state) == ("email", "expired_goods", "awaiting_merchant")
    assert case.report.remedy_wanted == "return_and_refund"
    assert case.report.description.startswith("面霜到货时已过期。")
    assert case.report.filed_by.username == GATEWAY_USERNAME
    assert case.report.channel_reference and case.report.channel_reference in raw.decode()
    evidence = case.evidence.get()
    assert (evidence.kind, evidence.content_type, evidence.original_name) == (
        "photo_of_expiry_date",
        "image/jpeg",
        "IMG_2041.jpg",
    )
    # The same notifications as any other channel; answers to them come back to the case.
    received = mails_to(CONSUMER)
    assert received and all(m.reply_to == case_address(case) for m in received)
    assert all(m.reply_to == case_address(case, "merchant") for m in mails_to(MERCHANT))
    assert case_address(case).startswith(f"case+{case.reference}.")
    assert [m.topic for m in mails_to(MERCHANT)] == ["case.to_answer"]
    assert InboundMail.objects.get().case == case


def test_an_out_of_window_order_gets_the_inadmissible_explanation_by_mail(shop):
    f.order(shop, "C1", external_id="O-OLD", delivered_at=timezone.now() - timedelta(days=60))
    result = ingest_email(
        mail(CONSUMER, INTAKE, "过期商品 订单 O-OLD", "过期了", attachments=[("a.jpg", f.jpeg(), "image/jpeg")])
    )
    case = Case.objects.get(reference=result.case_reference)
    assert case.state == "inadmissible" and case.admissibility["reason_code"] == "out_of_window"
    told = mails_to(CONSUMER)[0]
    # The reporter (language zh-hans) is told the rule, the dates, and the alternatives.
    assert "30 天内" in told.body and case.admissibility["explanation"]["zh"] in told.body
    assert mails_to(MERCHANT) == []


def test_a_reply_to_the_case_address_adds_evidence_and_moves_a_needs_evidence_case_on(shop):
    filed = ingest_email(mail(CONSUMER, INTAKE, "[expired_goods] O-1001", "过期了，照片稍后补。"))
    case = Case.objects.get(reference=filed.case_reference)
    assert case.state == "needs_evidence" and mails_to(MERCHANT) == []

    reply = mail(
        CONSUMER.upper(),
        case_address(case),
        f"Re: 举报 {case.reference} 已收到",
        "照片在附件。\n\n在 2026年11月24日，Plaint 写道：\n> 您的举报已收到",
        attachments=[
            ("IMG_1.jpg", f.jpeg("blue"), "image/jpeg"),
            ("notes.exe", b"MZ\x90\x00binary", "application/octet-stream"),
        ],
    )
    result = ingest_email(reply)
    assert result.outcome == "evidence_added" and result.case_reference == case.reference
    assert [r["file"] for r in result.rejected_files] == ["notes.exe"]
    case.refresh_from_db()
    assert case.state == "awaiting_merchant"
    kinds = dict(case.evidence.values_list("original_name", "kind"))
    assert kinds["IMG_1.jpg"] == "photo_of_expiry_date"
    (text,) = [e for e in case.evidence.all() if e.content_type == "text/plain"]
    assert text.file.read().decode() == "照片在附件。"  # the quoted message is not evidence
    # The reporter is told what was added and what was refused; the merchant now has a report to answer.
    ack = mails_to(CONSUMER)[-1]
    assert ack.topic == "inbound.added" and "IMG_1.jpg" in ack.body and "notes.exe" in ack.body
    assert [m.topic for m in mails_to(MERCHANT)] == ["case.to_answer"]
    assert case.events.filter(kind="complete_evidence").exists()


def test_the_merchant_adds_counter_evidence_from_its_contact_address(shop):
    filed = ingest_email(
        mail(CONSUMER, INTAKE, "[expired_goods] O-1001", "过期", attachments=[("a.jpg", f.jpeg(), "image/jpeg")])
    )
    case = Case.objects.get(reference=filed.case_reference)
    result = ingest_email(
        mail(
            MERCHANT,
            case_address(case, "merchant"),
            "Re",
            "Batch B2026-07 expires 2026-09-30, see the label.",
            attachments=[("photo_of_packaging.jpg", f.jpeg("green"), "image/jpeg")],
        )
    )
    assert result.outcome == "evidence_added"
    added = case.evidence.filter(party="merchant")
    assert sorted(added.values_list("kind", flat=True)) == ["other", "photo_of_packaging"]
    assert added.first().uploaded_by.email == "staff@tokyo-beauty.example"


def test_a_forged_from_with_a_known_reference_adds_nothing(shop):
    filed = ingest_email(
        mail(CONSUMER, INTAKE, "[expired_goods] O-1001", "过期", attachments=[("a.jpg", f.jpeg(), "image/jpeg")])
    )
    case = Case.objects.get(reference=filed.case_reference)
    before = case.evidence.count()
    # The consumer forges the shop's address on the reporter's own reply address, or on a bare one.
    as_merchant = ingest_email(mail(MERCHANT, case_address(case, "reporter"), "Re", "fake counter-evidence"))
    bare = ingest_email(mail(MERCHANT, f"case+{case.reference}@plaint.example", "Re", "fake counter-evidence"))
    # Someone who read the reference on a screenshot forges the reporter's address with a made-up token.
    guessed = ingest_email(mail(CONSUMER, f"case+{case.reference}.0123456789abcdef@plaint.example", "Re", "x"))
    assert [r.reason for r in (as_merchant, bare, guessed)] == ["unknown_case"] * 3
    assert case.evidence.count() == before
    # The address given to the merchant works for the merchant, whatever case the letters are in.
    upper = case_address(case, "merchant").upper()
    assert ingest_email(mail(MERCHANT, upper, "Re", "real counter-evidence")).outcome == "evidence_added"


def test_unmatched_mail_gets_a_helpful_answer_that_leaks_nothing(shop):
    filed = ingest_email(
        mail(CONSUMER, INTAKE, "[expired_goods] O-1001", "过期", attachments=[("a.jpg", f.jpeg(), "image/jpeg")])
    )
    case = Case.objects.get(reference=filed.case_reference)
    stranger = "someone@elsewhere.example"

    unknown_sender = ingest_email(mail(stranger, INTAKE, "[expired_goods] O-1001", "过期"))
    foreign_case = ingest_email(mail(stranger, case_address(case), "Re: x", "let me in"))
    no_such_case = ingest_email(mail(stranger, "case+PL-ZZZZ-ZZZZ@plaint.example", "Re: x", "let me in"))
    # C2's order, named by C1: not found, exactly as a number that does not exist.
    others_order = ingest_email(mail(CONSUMER, INTAKE, "[expired_goods] order O-2002", "过期"))
    no_category = ingest_email(mail(CONSUMER, INTAKE, "order O-1001", "坏了"))

    assert [r.reason for r in (unknown_sender, foreign_case, no_such_case, others_order, no_category)] == [
        "unknown_sender",
        "unknown_case",
        "unknown_case",
        "no_order",
        "no_category",
    ]
    assert all(r.outcome == "answered" for r in (unknown_sender, foreign_case, no_such_case))
    help_mails = mails_to(stranger)
    assert len(help_mails) == 3 and {m.topic for m in help_mails} == {"inbound.unmatched"}
    first = help_mails[0].body
    # Why, and how to report: the web form, the intake address and format, the categories, in both languages.
    assert "未关联任何消费者账户" in first and "is not linked to a consumer account" in first
    assert "http://127.0.0.1:8000/consumer/report/new/" in first and "report@plaint.example" in first
    assert "[expired_goods] 过期商品" in first and "[expired_goods] Expired goods" in first
    # An existing case that is not the sender's and one that does not exist are answered alike.
    assert help_mails[1].body == help_mails[2].body
    assert case.reference not in help_mails[1].body + help_mails[2].body
    assert case.evidence.count() == 1
    assert "O-2002" in mails_to(CONSUMER)[-2].body and "请说明举报类别" in mails_to(CONSUMER)[-1].body
    assert Case.objects.count() == 1


def test_a_gbk_mail_is_read_correctly(shop):
    raw = gbk_mail(
        CONSUMER,
        INTAKE,
        "投诉：过期商品 訂單 O-1001",
        "订单号：O-1001\n收到的面霜已过期，批号喆B2026。",
        ("保质期.jpg", f.jpeg()),
        "gbk-2@client.example",
    )
    result = ingest_email(raw)
    case = Case.objects.select_related("report").get(reference=result.case_reference)
    assert case.category == "expired_goods"  # from the Chinese title in the subject
    assert case.report.description == "订单号：O-1001\n收到的面霜已过期，批号喆B2026。"
    assert case.evidence.get().original_name == "保质期.jpg"


def test_the_same_message_twice_makes_one_case_and_one_evidence_set(shop):
    raw = mail(
        CONSUMER,
        INTAKE,
        "[expired_goods] O-1001",
        "过期",
        attachments=[("a.jpg", f.jpeg(), "image/jpeg")],
        message_id="<once@client.example>",
    )
    first = ingest_email(raw)
    again = ingest_email(raw)
    assert (first.outcome, again.outcome) == ("filed", "duplicate")
    case = Case.objects.get()
    reply = mail(
        CONSUMER,
        case_address(case),
        "Re",
        "more",
        attachments=[("b.jpg", f.jpeg("blue"), "image/jpeg")],
        message_id="<reply-once@client.example>",
    )
    assert ingest_email(reply).outcome == "evidence_added"
    assert ingest_email(reply).outcome == "duplicate"
    assert case.evidence.count() == 3  # a.jpg, b.jpg and the reply's text
    assert InboundMail.objects.count() == 2
    assert len(mails_to(CONSUMER)) == 2  # received, added: nothing twice


def test_automatic_mail_is_recorded_and_never_answered(shop):
    result = ingest_email(
        mail(CONSUMER, INTAKE, "Out of office", "I am away", headers={"Auto-Submitted": "auto-replied"})
    )
    assert result.outcome == "ignored" and OutboxMessage.objects.count() == 0
    assert InboundMail.objects.get().outcome == "ignored"


def test_a_sender_gets_a_limited_number_of_answers_a_day(shop):
    for n in range(ANSWERS_PER_SENDER_PER_DAY + 2):
        ingest_email(mail("robot@elsewhere.example", INTAKE, f"hello {n}", "hi"))
    assert len(mails_to("robot@elsewhere.example")) == ANSWERS_PER_SENDER_PER_DAY


def test_a_mail_over_the_size_limit_is_refused_with_the_limit(shop, settings):
    settings.PLAINT_INBOUND_MAX_BYTES = 20_000
    result = ingest_email(
        mail(
            CONSUMER,
            INTAKE,
            "[expired_goods] O-1001",
            "x",
            attachments=[("big.jpg", f.jpeg(size=(800, 600)) + b"\0" * 30_000, "image/jpeg")],
        )
    )
    assert (result.outcome, result.reason) == ("refused", "too_large")
    assert "0 MB" in mails_to(CONSUMER)[0].body and Case.objects.count() == 0


def test_a_long_mail_keeps_its_whole_text_as_evidence(shop):
    text = "过期。" + "详细经过。" * 3000  # over the rulebook's description_max_chars
    result = ingest_email(
        mail(CONSUMER, INTAKE, "[expired_goods] O-1001", text, attachments=[("a.jpg", f.jpeg(), "image/jpeg")])
    )
    case = Case.objects.select_related("report").get(reference=result.case_reference)
    assert case.report.description.endswith("…") and len(case.report.description) < len(text)
    (whole,) = [e for e in case.evidence.all() if e.content_type == "text/plain"]
    assert whole.file.read().decode() == text


def test_ingest_mail_command_reads_a_message_from_standard_input(shop, monkeypatch, capsys):
    raw = mail(
        CONSUMER,
        "someone@plaint.example",
        "[expired_goods] O-1001",
        "过期",
        attachments=[("a.jpg", f.jpeg(), "image/jpeg")],
    )
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
    call_command("ingest_mail", "--recipient", INTAKE)
    printed = json.loads(capsys.readouterr().out)
    assert printed["outcome"] == "filed" and Case.objects.get().reference == printed["case"]


def test_received_mail_is_listed_in_the_admin(shop, client):
    ingest_email(mail("someone@elsewhere.example", INTAKE, "你好", "hi"))
    client.force_login(f.user(Role.ADMIN, is_staff=True, is_superuser=True))
    page = client.get("/admin/inbound/inboundmail/")
    assert page.status_code == 200 and "someone@elsewhere.example" in page.content.decode()


def test_mail_piped_without_any_of_our_addresses_is_read_as_a_new_report(shop):
    # An alias or a forward delivers it: the headers name another address.
    raw = mail(
        CONSUMER,
        "complaints@marketplace.example",
        "[expired_goods] O-1001",
        "过期",
        attachments=[("a.jpg", f.jpeg(), "image/jpeg")],
    )
    assert ingest_email(raw).outcome == "filed"
