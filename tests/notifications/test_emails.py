"""Each party hears of every step that concerns it, once, in its language, by e-mail (a real local SMTP
server) and in the portal; a receiver that is down gets everything once it is back."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from plaint.accounts.models import Role
from plaint.cases import actions, clocks
from plaint.cases.inputs import DecisionIn, ReportIn, ResponseIn
from plaint.cases.models import Case
from plaint.evidence.actions import Upload
from plaint.marketplace.models import Consumer
from plaint.notifications.delivery import deliver_due
from plaint.notifications.emails import when_text
from plaint.notifications.models import MessageStatus, Notification, OutboxMessage, WebhookEndpoint
from tests import factories as f
from tests.notifications.conftest import Inbox, free_port
from tests.receiver import Receiver

pytestmark = pytest.mark.django_db

SHOP_MAIL = "service@tokyo-beauty.example.jp"


@pytest.fixture
def world():
    shop = f.merchant("M-TOKYO", name="Tokyo Beauty", country="JP", contact_email=SHOP_MAIL)
    now = timezone.now()
    f.order(shop, "C1", external_id="O-1", delivered_at=now - timedelta(days=4))
    f.order(shop, "C2", external_id="O-2", delivered_at=now - timedelta(days=4))
    f.order(shop, "C1", external_id="O-OLD", delivered_at=now - timedelta(days=120))
    Consumer.objects.filter(external_id="C2").update(language="en", email="emily@example.com")
    return {
        "shop": shop,
        "zh": f.consumer_user("C1"),  # 李娜, c1@example.cn, Chinese
        "en": f.consumer_user("C2"),  # English
        "staff": f.user(Role.MERCHANT, merchant=shop, language="en"),
        "staff_zh": f.user(Role.MERCHANT, merchant=shop),
        "reviewer": f.user(Role.REVIEWER),
    }


def file(
    user, order_id: str, category: str = "expired_goods", evidence: str | None = "photo_of_expiry_date", now=None
) -> Case:
    data = ReportIn(target_type="order", target_id=order_id, category=category, description="过期了 expired")
    uploads = [Upload("p.jpg", f.jpeg(), evidence)] if evidence else []
    return actions.file_report(user, data, uploads, now=now).case


def subjects(messages) -> list[str]:
    # A long encoded subject is folded after "Subject:"; the parsed value keeps that space.
    return [m["Subject"].strip() for m in messages]


def text(message) -> str:
    return message.get_content()


def test_a_contested_case_tells_each_party_each_step_once_in_its_language(world, inbox):
    case = file(world["zh"], "O-1")
    actions.respond_as_merchant(world["staff"], case, ResponseIn(kind="contest", explanation="商品未过期 Not expired"))
    actions.claim_case(world["reviewer"], case)
    actions.decide_case(
        world["reviewer"],
        case,
        DecisionIn(
            outcome="upheld", reason_codes=["unfounded"], statement="照片显示已过期。The photo shows it expired."
        ),
    )
    report = deliver_due(timezone.now())
    assert report.delivered == 5 and report.failed == 0
    ref = case.reference

    reporter = inbox.to("c1@example.cn")
    assert subjects(reporter) == [f"举报 {ref} 已收到", f"商家已答复举报 {ref}", f"举报 {ref} 已有决定：举报成立"]
    for message in reporter:
        assert f"https://plaint.test/consumer/cases/{ref}/" in text(message)
        assert "See the case" not in text(message)  # Chinese only, the reporter's language
    assert "商品未过期" in text(reporter[1])
    assert "成立" in text(reporter[2]) or "支持" in text(reporter[2])
    # The decision in a few lines: outcome, remedy, what happens next, the appeal's deadline in the
    # reader's format, the link; not the statement with its hashes and ISO timestamps.
    decision = text(reporter[2])
    assert "已有决定：举报成立" in decision and "补救：" in decision and "接下来：" in decision
    assert "sha256" not in decision and not re.search(r"\d{4}-\d{2}-\d{2}T?\d{0,2}:?\d{0,2}", decision)
    assert re.search(r"可在 \d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2} 前在案件页面申诉", decision)

    merchant = inbox.to(SHOP_MAIL)
    assert subjects(merchant) == [
        f"新举报 {ref} 待答复 / New report {ref} to answer",
        f"举报 {ref} 已有决定：举报成立 / Report {ref} decided: Upheld",
    ]
    for message in merchant:
        body = text(message)
        assert f"https://plaint.test/merchant/cases/{ref}/" in body
        assert "查看案件" in body and "See the case" in body  # both languages
        assert "/consumer/" not in body
    # Each message has a stable Message-ID from its outbox key, so a repeat is recognisable.
    assert len({m["Message-ID"] for m in reporter + merchant}) == 5
    assert len(inbox.messages) == 5

    # Nothing is sent twice, however often the worker passes.
    assert deliver_due(timezone.now() + timedelta(hours=2)).delivered == 0
    assert len(inbox.messages) == 5

    # The portal says the same, to each person in their account's language, linking their own page.
    mine = list(Notification.objects.filter(user=world["zh"]).order_by("id"))
    assert [n.event for n in mine] == ["received", "answered", "decided"]
    assert all(n.link == f"/consumer/cases/{ref}/" and n.case_reference == ref for n in mine)
    english_staff = Notification.objects.filter(user=world["staff"]).order_by("id")
    assert [n.title for n in english_staff] == [f"New report {ref} to answer", f"Report {ref} decided: Upheld"]
    assert [n.title for n in Notification.objects.filter(user=world["staff_zh"]).order_by("id")] == [
        f"新举报 {ref} 待答复",
        f"举报 {ref} 已有决定：举报成立",
    ]
    assert all(n.link == f"/merchant/cases/{ref}/" for n in english_staff)
    assert not Notification.objects.filter(user__in=[world["en"], world["reviewer"]]).exists()


def test_the_accept_path_tells_an_english_reporter_in_english(world, inbox):
    case = file(world["en"], "O-2")
    actions.respond_as_merchant(world["staff"], case, ResponseIn(kind="accept", explanation="Sorry, refunded."))
    assert deliver_due(timezone.now()).delivered == 4
    ref = case.reference
    reporter = inbox.to("emily@example.com")
    assert subjects(reporter) == [f"We received your report {ref}", f"Report {ref} resolved by the merchant"]
    assert "Refund" in text(reporter[1]) or "refund" in text(reporter[1])
    assert f"See the case: https://plaint.test/consumer/cases/{ref}/" in text(reporter[1])
    assert subjects(inbox.to(SHOP_MAIL)) == [
        f"新举报 {ref} 待答复 / New report {ref} to answer",
        f"举报 {ref} 已由商家解决 / Report {ref} resolved by the merchant",
    ]
    assert [n.event for n in Notification.objects.filter(user=world["en"]).order_by("id")] == ["received", "resolved"]


def test_a_withdrawal_is_confirmed_to_the_reporter_and_told_to_the_merchant(world, inbox):
    case = file(world["en"], "O-2")
    actions.withdraw_report(world["en"], case, "Solved with the shop by phone.")
    assert deliver_due(timezone.now()).delivered == 4
    ref = case.reference
    reporter = inbox.to("emily@example.com")
    assert subjects(reporter) == [f"We received your report {ref}", f"You withdrew report {ref}"]
    assert "report again within the report window" in text(reporter[1])
    assert subjects(inbox.to(SHOP_MAIL))[-1] == f"举报 {ref} 已撤回 / Report {ref} withdrawn"
    events = [n.event for n in Notification.objects.filter(user=world["en"]).order_by("id")]
    assert events == ["received", "withdrawal_confirmed"]


def test_evidence_requested_with_its_deadline_then_closed_for_missing_evidence(world, inbox):
    case = file(world["zh"], "O-1", category="not_as_described", evidence=None)
    assert case.state == "needs_evidence"
    due = timezone.localtime(case.evidence_due_at)
    clocks.tick(case.evidence_due_at + timedelta(minutes=1))
    deliver_due(case.evidence_due_at + timedelta(minutes=1))
    ref = case.reference
    reporter = inbox.to("c1@example.cn")
    assert subjects(reporter) == [
        # Dates in the reader's format (Django's DATETIME_FORMAT of the language), never ISO.
        f"举报 {ref} 需要补充证据（截止 {when_text(due.isoformat(), 'zh')}）",
        f"举报 {ref} 已有决定：举报不成立",
    ]
    assert "请在" in text(reporter[0])
    # The merchant was never asked to answer; it hears of the decision on its shop only.
    assert subjects(inbox.to(SHOP_MAIL)) == [f"举报 {ref} 已有决定：举报不成立 / Report {ref} decided: Not upheld"]


def test_evidence_completed_later_tells_the_reporter_and_asks_the_merchant(world, inbox):
    case = file(world["en"], "O-2", category="not_as_described", evidence=None)
    actions.add_evidence(world["en"], case, [Upload("p.jpg", f.jpeg(), "photo_of_product")])
    deliver_due(timezone.now())
    ref = case.reference
    assert subjects(inbox.to("emily@example.com")) == [
        f"Report {ref} needs evidence by {when_text(case.evidence_due_at.isoformat(), 'en')}",
        f"Report {ref} admitted",
    ]
    assert subjects(inbox.to(SHOP_MAIL)) == [f"新举报 {ref} 待答复 / New report {ref} to answer"]


def test_an_inadmissible_report_says_why_and_what_else_to_do(world, inbox):
    case = file(world["zh"], "O-OLD", category="product_quality", evidence="photo_of_product")
    assert case.state == "inadmissible"
    deliver_due(timezone.now())
    [message] = inbox.to("c1@example.cn")
    assert message["Subject"].strip() == f"举报 {case.reference} 不予受理"
    body = text(message)
    assert "30 天" in body and "12315" in body or "消费者协会" in body
    assert inbox.to(SHOP_MAIL) == []  # nothing to answer, nothing to tell the merchant


def test_merchant_silence_referred_to_review_tells_both(world, inbox):
    case = file(world["zh"], "O-1", category="not_as_described", evidence="photo_of_product")
    clocks.tick(case.response_due_at + timedelta(minutes=1))
    deliver_due(case.response_due_at + timedelta(minutes=1))
    ref = case.reference
    assert subjects(inbox.to("c1@example.cn"))[-1] == f"举报 {ref} 已转交审核"
    assert subjects(inbox.to(SHOP_MAIL))[-1] == f"举报 {ref} 已转交审核 / Report {ref} has gone to review"


def test_an_overdue_case_is_escalated_to_every_supervisor_once(world, inbox):
    boss = f.user(Role.SUPERVISOR, email="boss@plaint.test", language="en")
    deputy = f.user(Role.SUPERVISOR, email="deputy@plaint.test")
    f.user(Role.SUPERVISOR, email="gone@plaint.test", is_active=False)
    # Under version 2, which e-mails each supervisor per escalated case (version 3 sends a digest).
    filed = datetime(2026, 12, 2, 10, tzinfo=UTC)
    f.order(world["shop"], "C1", external_id="O-DEC", delivered_at=filed - timedelta(days=2))
    case = file(world["zh"], "O-DEC", now=filed)
    actions.respond_as_merchant(world["staff"], case, ResponseIn(kind="contest", explanation="不同意"), now=filed)
    case.refresh_from_db()
    assert case.rulebook_version == "2"
    late = case.decision_due_at + timedelta(minutes=5)
    clocks.tick(late)
    clocks.tick(late + timedelta(minutes=5))  # a second pass escalates nothing again
    deliver_due(late + timedelta(minutes=5))
    ref = case.reference
    # Other clocks (e.g. no reviewer took the case up) may escalate too; the decision's is told once.
    boss_mail = inbox.to("boss@plaint.test")
    assert subjects(boss_mail).count(f"Report {ref} is overdue and escalated") == 1
    assert subjects(inbox.to("deputy@plaint.test")).count(f"举报 {ref} 已超期，升级至主管") == 1
    assert len(set(subjects(boss_mail))) == len(boss_mail)
    [decision_mail] = [m for m in boss_mail if "overdue" in m["Subject"]]
    assert f"https://plaint.test/review/cases/{ref}/" in text(decision_mail)
    assert inbox.to("gone@plaint.test") == []
    assert Notification.objects.filter(user=boss, event="escalated").count() == 1
    assert Notification.objects.filter(user=deputy, event="escalated").count() == 1


def test_receivers_that_are_down_get_every_message_once_they_are_back(world, settings):
    """Both the SMTP server and the marketplace's webhook receiver are down for a while."""
    smtp = Inbox()  # not started: the port refuses connections
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp.port
    settings.PLAINT_EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    hook_port = free_port()
    WebhookEndpoint.objects.create(name="marketplace", url=f"http://127.0.0.1:{hook_port}/hooks", secret="s")
    case = file(world["zh"], "O-1")
    now = timezone.now()
    actions.respond_as_merchant(world["staff"], case, ResponseIn(kind="accept", explanation="好的"), now=now)
    expected = OutboxMessage.objects.count()
    assert expected >= 5  # e-mails to both, and the opened / resolved / remedy webhooks

    first = deliver_due(now)
    assert first.failed == expected and first.delivered == 0
    second = deliver_due(now + timedelta(seconds=1))
    assert second.claimed == 0  # nothing is retried before its backoff

    smtp.start()
    receiver = Receiver(port=hook_port).start()
    try:
        later = now + timedelta(hours=2)  # past the backoff of every message
        assert deliver_due(later).delivered == expected
        assert deliver_due(later + timedelta(hours=2)).delivered == 0
        assert OutboxMessage.objects.filter(status=MessageStatus.DELIVERED, attempts=2).count() == expected
        emails = OutboxMessage.objects.filter(channel="email").count()
        assert len(smtp.messages) == emails
        assert len({m["Message-ID"] for _, m in smtp.messages}) == emails
        assert len(receiver.requests) == len(receiver.stored) == expected - emails
    finally:
        receiver.stop()
        smtp.stop()


def test_rectification_and_penalty_appeal_steps_tell_the_merchant_and_the_supervisors(world, inbox):
    from plaint.cases.actions import appeals, rectification
    from plaint.cases.inputs import RectificationIn
    from plaint.enforcement.models import Rectification

    boss = f.user(Role.SUPERVISOR, email="boss@plaint.test", language="en")
    case = file(world["zh"], "O-1")
    actions.respond_as_merchant(world["staff"], case, ResponseIn(kind="contest", explanation="不同意"))
    actions.claim_case(world["reviewer"], case)
    decision = actions.decide_case(
        world["reviewer"],
        case,
        DecisionIn(
            outcome="upheld",
            reason_codes=["unfounded"],
            statement="照片显示已过期。The photo shows it expired.",
            rectification=RectificationIn(kind="withdraw_batch", instructions="下架批次 B2026-07"),
        ),
    )
    rect = Rectification.objects.get(case=case)
    rectification.submit_proof(world["staff"], rect, "已下架 withdrawn")
    rectification.review(world["reviewer"], Rectification.objects.get(pk=rect.pk), accept=False, reasons="仍在销售")
    appeal = appeals.appeal_penalty(world["staff"], decision, "批次已下架，请撤销扣分")
    appeals.decide_penalty_appeal(boss, appeal, overturn=False, reasons="证据表明商品确已过期。")
    deliver_due(timezone.now())
    ref = case.reference
    merchant = subjects(inbox.to(SHOP_MAIL))
    assert merchant[2:] == [
        f"举报 {ref}：须在 {when_text(rect.due_at.isoformat(), 'zh')} 前完成整改 / "
        f"Report {ref}: rectification due {when_text(rect.due_at.isoformat(), 'en')}",
        f"举报 {ref} 的整改：未通过 / Rectification for report {ref}: rejected",
        f"举报 {ref} 的申诉已有结果：未获支持 / Your appeal on report {ref}: rejected",
    ]
    assert subjects(inbox.to("boss@plaint.test")) == [f"Penalty appeal on report {ref}"]
    assert "批次已下架" in text(inbox.to("boss@plaint.test")[0])
    events = list(Notification.objects.filter(user=world["staff"]).order_by("id").values_list("event", flat=True))
    assert events == [
        "to_answer",
        "decided",
        "rectification_ordered",
        "rectification_reviewed",
        "appeal_decided",
    ]
