"""Per-reporter limits of the rulebook ([intake.limits], version 3): the (n+1)th report in the hour or the
day is refused with 429, Retry-After and when; nothing is filed and the page keeps the text."""

from datetime import datetime, timedelta, timezone

import pytest
from django.test import Client

from plaint.accounts.models import Role
from plaint.cases import actions
from plaint.cases.inputs import ReportIn
from plaint.cases.models import Case
from plaint.rulebook import loader
from tests import factories as f
from tests.api_client import ApiClient

pytestmark = pytest.mark.django_db

CST = timezone(timedelta(hours=8))
V3 = datetime(2026, 12, 8, 10, 0, tzinfo=CST)
V2 = datetime(2026, 12, 3, 10, 0, tzinfo=CST)


@pytest.fixture
def shop():
    merchant = f.merchant("M-A")
    for n in range(40):
        f.order(merchant, "C1", external_id=f"O-{n}", delivered_at=V2 - timedelta(days=10))
    return merchant


def report(n: int) -> dict:
    return {
        "target_type": "order",
        "target_id": f"O-{n}",
        "category": "product_quality",
        "description": f"第 {n} 单：质量问题",
        "remedy_wanted": "refund",
    }


def test_the_report_past_the_hourly_limit_is_refused_with_when_to_try_again(shop, time_machine):
    time_machine.move_to(V3, tick=False)
    limits = loader.in_force(V3).intake.limits
    assert (limits.reports_per_hour, limits.reports_per_day) == (5, 20)
    consumer = ApiClient(f.token(f.consumer_user("C1")))
    for n in range(5):
        assert consumer.post_form("/reports", report(n)).status_code == 201
        time_machine.shift(timedelta(minutes=1))
    refused = consumer.post_form("/reports", report(5))
    assert refused.status_code == 429
    body = refused.json()
    # The first report leaves the hour 60 minutes after it was filed, 55 minutes from now.
    assert int(refused["Retry-After"]) == 55 * 60 == body["details"]["retry_after_seconds"]
    assert body["code"] == "too_many_reports" and body["details"]["limit"] == "reports_per_hour"
    assert body["details"]["allowed"] == 5 and body["details"]["retry_at"] == "2026-12-08T11:00:00+08:00"
    assert "5 reports in the last hour" in body["message"] and "2026-12-08 11:00" in body["hint"]
    assert Case.objects.count() == 5
    # A retry of a filed report (its idempotency key) is answered, not limited.
    time_machine.shift(timedelta(minutes=54, seconds=59))
    assert consumer.post_form("/reports", report(5)).status_code == 429
    time_machine.shift(timedelta(seconds=1))
    assert consumer.post_form("/reports", report(5)).status_code == 201


def test_the_daily_limit_counts_every_report_of_the_day_whoever_filed_it(shop, time_machine):
    time_machine.move_to(V3, tick=False)
    consumer = f.consumer_user("C1")
    agent = f.user(Role.AGENT)
    for n in range(20):
        # Four an hour, half of them entered by an agent on the phone.
        actor, extra = (agent, {"consumer_id": "C1", "channel_reference": f"call-{n}"}) if n % 2 else (consumer, {})
        actions.file_report(actor, ReportIn(**report(n), **extra))
        time_machine.shift(timedelta(minutes=15))
    client = ApiClient(f.token(consumer))
    refused = client.post_form("/reports", report(20))
    assert refused.status_code == 429 and refused.json()["details"]["limit"] == "reports_per_day"
    # The first left the day 24 hours after it was filed.
    assert int(refused["Retry-After"]) == (24 * 60 - 20 * 15) * 60
    time_machine.shift(timedelta(seconds=int(refused["Retry-After"])))
    assert client.post_form("/reports", report(20)).status_code == 201


def test_versions_without_limits_limit_nothing(shop, time_machine):
    time_machine.move_to(V2, tick=False)
    assert loader.in_force(V2).intake.limits is None
    consumer = ApiClient(f.token(f.consumer_user("C1")))
    assert all(consumer.post_form("/reports", report(n)).status_code == 201 for n in range(7))


def test_the_filing_page_answers_429_with_the_text_kept(shop, time_machine):
    time_machine.move_to(V3, tick=False)
    user = f.consumer_user("C1")
    for n in range(5):
        actions.file_report(user, ReportIn(**report(n)))
    client = Client()
    client.force_login(user)
    client.post("/consumer/report/new/?step=target", {"target": "order:O-39"})
    client.post("/consumer/report/new/?step=category", {"category": "product_quality"})
    text = "面霜开封后发现有异味，颜色也不对。"
    client.post("/consumer/report/new/?step=describe", {"description": text, "remedy_wanted": "refund"})
    response = client.post("/consumer/report/new/?step=submit", {"idempotency_key": "k-limit"})
    page = response.content.decode()
    assert response.status_code == 429 and response["Retry-After"] == str(60 * 60)
    assert text in page  # what the consumer typed is on the page, to send again
    assert "一小时内最多可提交 5 次举报" in page
    # The page's script gets the same, in JSON.
    response = client.post(
        "/consumer/report/new/?step=submit", {"idempotency_key": "k-limit-2"}, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 429 and response["Retry-After"] == str(60 * 60)
    assert "5" in response.json()["error"]
    # An hour later the same draft goes through.
    time_machine.shift(timedelta(hours=1))
    response = client.post("/consumer/report/new/?step=submit", {"idempotency_key": "k-limit-3"})
    assert response.status_code == 302
    assert Case.objects.filter(report__description=text).count() == 1


def test_staff_read_the_reporters_record(shop, time_machine):
    time_machine.move_to(V2, tick=False)
    user = f.consumer_user("C1")
    cases = [actions.file_report(user, ReportIn(**report(n))).case for n in range(3)]
    actions.withdraw_report(user, cases[0], "已和商家协商解决")
    reviewer = ApiClient(f.token(f.user(Role.REVIEWER)))
    record = reviewer.get(f"/cases/{cases[1].reference}").json()["reporter_record"]
    assert record == {
        "filed": 3,
        "open": 2,
        "upheld": 0,
        "not_upheld": 0,
        "unfounded": 0,
        "inadmissible": 0,
        "withdrawn": 1,
    }
    assert ApiClient(f.token(user)).get(f"/cases/{cases[1].reference}").json()["reporter_record"] is None
