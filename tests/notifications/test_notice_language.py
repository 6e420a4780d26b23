"""A portal notice is written out when it is read, in the reader's language of that moment (its event's
fields are stored, not frozen words), and the decision's notice says the outcome, the remedy, what
happens next and the appeal's deadline in the reader's format: no hash, no ISO timestamp."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from plaint.accounts.models import Role
from plaint.cases import actions
from plaint.cases.inputs import DecisionIn, ReportIn, ResponseIn
from plaint.evidence.actions import Upload
from plaint.notifications.models import Notification
from tests import factories as f
from tests.api_client import ApiClient

pytestmark = pytest.mark.django_db
ISO = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


@pytest.fixture
def decided():
    shop = f.merchant("M-1", contact_email="shop@example.jp")
    f.order(shop, "C1", external_id="O-1", delivered_at=timezone.now() - timedelta(days=2), amount="120.00")
    consumer = f.consumer_user("C1")
    data = ReportIn(target_type="order", target_id="O-1", category="expired_goods", description="过期 expired")
    case = actions.file_report(consumer, data, [Upload("p.jpg", f.jpeg(), "photo_of_expiry_date")]).case
    actions.respond_as_merchant(
        f.user(Role.MERCHANT, merchant=shop), case, ResponseIn(kind="contest", explanation="否")
    )
    reviewer = f.user(Role.REVIEWER)
    actions.claim_case(reviewer, case)
    actions.decide_case(
        reviewer,
        case,
        DecisionIn(outcome="upheld", reason_codes=["unfounded"], statement="照片显示商品已过期，举报成立。"),
    )
    return consumer, case


def page_text(user) -> str:
    client = Client()
    client.force_login(user)
    return client.get("/notifications/").content.decode()


def test_a_notice_switches_language_with_the_reader(decided):
    consumer, case = decided
    assert consumer.language == "zh-hans"
    notice = Notification.objects.get(user=consumer, event="decided")
    assert notice.title.startswith(f"举报 {case.reference} 已有决定")  # written in Chinese

    chinese = page_text(consumer)
    assert f"举报 {case.reference} 已有决定：举报成立" in chinese
    assert "补救：退款 ¥120.00" in chinese

    consumer.language = "en"
    consumer.save(update_fields=["language"])
    english = page_text(consumer)
    assert f"Report {case.reference} decided: Upheld" in english
    assert "Remedy: Refund of CNY 120.00" in english and "What happens next:" in english
    assert "已有决定" not in english

    api = ApiClient(f.token(consumer))
    item = next(n for n in api.get("/notifications").json()["items"] if n["event"] == "decided")
    assert item["title"] == f"Report {case.reference} decided: Upheld"


def test_the_decision_notice_has_no_hash_nor_iso_time_and_dates_follow_the_readers_format(decided):
    consumer, case = decided
    notice = Notification.objects.get(user=consumer, event="decided")
    zh_title, zh_body = notice.text("zh-hans")
    en_title, en_body = notice.text("en")
    for body in (zh_body, en_body):
        assert "sha256" not in body and not ISO.search(body)
    assert re.search(r"可在 \d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2} 前在案件页面申诉", zh_body)
    # Django's English DATETIME_FORMAT: "Dec. 3, 2026, 6:02 p.m."
    assert re.search(r"appeal on the case's page until [A-Z][a-z]+\.? \d{1,2}, \d{4}, ", en_body)
    assert notice.link == f"/consumer/cases/{case.reference}/"


def test_a_notice_written_before_its_fields_were_kept_shows_its_stored_words(decided):
    consumer, _ = decided
    notice = Notification.objects.get(user=consumer, event="decided")
    Notification.objects.filter(pk=notice.pk).update(params={})
    notice.refresh_from_db()
    assert notice.text("en") == (notice.title, notice.body)
