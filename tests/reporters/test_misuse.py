"""Misuse of the report button (rulebook v4 [misuse], EU DSA art. 23): a reporter whose decided reports
are often marked manifestly unfounded is warned, then suspended from reporting; filing is refused with
until when and how to appeal; a supervisor who did not take the suspension lifts or keeps it."""

from datetime import datetime, timedelta, timezone

import pytest
from django.test import Client

from plaint.accounts.models import Role
from plaint.cases import actions
from plaint.cases.inputs import DecisionIn, ReportIn, ResponseIn
from plaint.errors import Forbidden
from plaint.evidence.actions import Upload
from plaint.notifications.models import Notification, OutboxMessage
from plaint.reporters import misuse
from plaint.reporters.models import MeasureKind, ReporterMeasure
from plaint.rulebook import loader
from tests import factories as f
from tests.api_client import ApiClient

pytestmark = pytest.mark.django_db

CST = timezone(timedelta(hours=8))
V4 = datetime(2026, 12, 8, 10, 0, tzinfo=CST)
V3 = datetime(2026, 12, 3, 10, 0, tzinfo=CST)


@pytest.fixture
def world(time_machine):
    time_machine.move_to(V4, tick=False)
    shop = f.merchant("M-A")
    for n in range(12):
        f.order(shop, "C1", external_id=f"O-{n}", delivered_at=V4 - timedelta(days=5))
    f.order(shop, "C2", external_id="O-other", delivered_at=V4 - timedelta(days=5))
    consumer = f.consumer_user("C1")
    consumer.consumer.email = "c1@example.test"
    consumer.consumer.language = "en"
    consumer.consumer.save()
    consumer.language = "en"  # the pages in English
    consumer.save()
    return {
        "shop": shop,
        "consumer": consumer,
        "merchant": f.user(Role.MERCHANT, merchant=shop),
        "reviewer": f.user(Role.REVIEWER),
        "supervisor": f.user(Role.SUPERVISOR),
        "other_supervisor": f.user(Role.SUPERVISOR),
    }


def _file(world, n: int):
    data = ReportIn(
        target_type="order",
        target_id=f"O-{n}",
        category="service_attitude",
        description=f"第 {n} 单",
        remedy_wanted="none",
    )
    return actions.file_report(world["consumer"], data, [Upload("chat.jpg", f.jpeg(), "chat_log")]).case


def _decide(world, case, codes: list[str], outcome: str = "not_upheld"):
    actions.respond_as_merchant(world["merchant"], case, ResponseIn(kind="contest", explanation="没有这回事。"))
    actions.claim_case(world["reviewer"], case)
    case.refresh_from_db()
    actions.decide_case(
        world["reviewer"], case, DecisionIn(outcome=outcome, reason_codes=codes, statement="聊天记录不显示任何辱骂。")
    )


def _file_and_decide(world, time_machine, numbers, codes):
    for n in numbers:
        case = _file(world, n)
        _decide(world, case, codes)
        time_machine.shift(timedelta(minutes=20))


def test_v4_defines_manifestly_unfounded_as_the_reviewers_mark_and_v3_has_no_misuse_rule():
    assert loader.in_force(V3).misuse is None
    rule = loader.in_force(V4).misuse
    assert rule.reason_codes == ("manifestly_unfounded",)
    assert (rule.min_decided, rule.warn_share, rule.suspend_share, rule.suspension_days) == (5, 0.5, 0.6, 30)


def test_plain_unfounded_decisions_are_honest_mistakes_and_bring_no_warning(world, time_machine):
    _file_and_decide(world, time_machine, range(6), ["unfounded"])
    assert not ReporterMeasure.objects.exists()


def test_warning_then_suspension_then_refusal_and_an_appeal_lifts_it(world, time_machine):
    c1 = world["consumer"].consumer
    # Four decided: below min_decided, nothing yet.
    _file_and_decide(world, time_machine, range(4), ["manifestly_unfounded"])
    assert not ReporterMeasure.objects.exists()
    _file_and_decide(world, time_machine, [4], ["manifestly_unfounded"])
    warning = ReporterMeasure.objects.get()
    assert warning.kind == MeasureKind.WARNING and warning.ends_at is None and warning.taken_by is None
    assert warning.figures["decided"] == 5 and warning.figures["manifestly_unfounded"] == 5
    assert warning.rulebook_version == "4"
    mail = OutboxMessage.objects.get(recipient="c1@example.test", topic="case.reporter_warned")
    assert "5 reports decided in the last 90 days" in mail.body and "suspended from reporting" in mail.body
    assert Notification.objects.filter(user=world["consumer"], event="reporter_warned").exists()

    # A sixth, after the warning: suspended for 30 days.
    time_machine.shift(timedelta(hours=2))
    _file_and_decide(world, time_machine, [5], ["manifestly_unfounded"])
    suspension = ReporterMeasure.objects.get(kind=MeasureKind.SUSPENSION)
    assert suspension.figures["warning"] == warning.pk
    assert suspension.ends_at == suspension.taken_at + timedelta(days=30)
    assert OutboxMessage.objects.filter(recipient="c1@example.test", topic="case.reporter_suspended").exists()

    # Filing is refused through the API (403), naming until when and how to appeal; nothing is filed.
    api = ApiClient(f.token(world["consumer"]))
    before = c1.cases.count()
    refused = api.post_form(
        "/reports",
        {
            "target_type": "order",
            "target_id": "O-9",
            "category": "service_attitude",
            "description": "x",
            "remedy_wanted": "none",
        },
    )
    assert refused.status_code == 403
    body = refused.json()
    assert body["code"] == "reporting_suspended"
    assert body["details"]["until"] == suspension.ends_at.astimezone(CST).isoformat()
    assert f"/api/reporter/measures/{suspension.pk}/appeal" in body["hint"]
    assert c1.cases.count() == before
    # ...and on the page: the filing steps are replaced by the notice, with the way to appeal.
    client = Client()
    client.force_login(world["consumer"])
    page = client.get("/consumer/report/new/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 403
    assert b"suspended from reporting until" in page.content and b"/consumer/standing/" in page.content

    # The standing (API) lists both, newest first.
    standing = api.get("/reporter/standing").json()
    assert [m["kind"] for m in standing["measures"]] == ["suspension", "warning"]
    assert standing["suspended_until"] and standing["measures"][0]["may_appeal"] is True

    # The appeal: empty text refused (422); then sent; a second appeal refused (409).
    assert api.post_json(f"/reporter/measures/{suspension.pk}/appeal", {"text": "  "}).status_code == 422
    assert api.post_json(f"/reporter/measures/{warning.pk}/appeal", {"text": "No"}).status_code == 409
    sent = api.post_json(f"/reporter/measures/{suspension.pk}/appeal", {"text": "O-3 was a real insult."})
    assert sent.status_code == 200 and sent.json()["appeal"]["text"] == "O-3 was a real insult."
    assert api.post_json(f"/reporter/measures/{suspension.pk}/appeal", {"text": "again"}).status_code == 409
    assert Notification.objects.filter(user=world["supervisor"], event="reporter_appeal_received").exists()

    # A reviewer may not decide it; the supervisors' list holds it; a decision without reasons is refused.
    reviewer = ApiClient(f.token(world["reviewer"]))
    assert reviewer.get("/reporter-appeals").status_code == 403
    assert (
        reviewer.post_json(
            f"/reporter-appeals/{suspension.pk}/decide", {"result": "lifted", "reasons": "ok"}
        ).status_code
        == 403
    )
    boss = ApiClient(f.token(world["supervisor"]))
    assert [row["id"] for row in boss.get("/reporter-appeals").json()] == [suspension.pk]
    assert (
        boss.post_json(f"/reporter-appeals/{suspension.pk}/decide", {"result": "lifted", "reasons": " "}).status_code
        == 422
    )
    lifted = boss.post_json(
        f"/reporter-appeals/{suspension.pk}/decide", {"result": "lifted", "reasons": "O-3 shows an insult."}
    )
    assert lifted.status_code == 200 and lifted.json()["lifted_at"]
    assert (
        boss.post_json(f"/reporter-appeals/{suspension.pk}/decide", {"result": "upheld", "reasons": "x"}).status_code
        == 409
    )
    assert OutboxMessage.objects.filter(recipient="c1@example.test", topic="case.reporter_appeal_lifted").exists()
    # Reporting again.
    assert _file(world, 10).reference


def test_the_supervisor_who_took_a_suspension_does_not_decide_its_appeal(world):
    now = V4
    measure = ReporterMeasure.objects.create(
        consumer=world["consumer"].consumer,
        kind=MeasureKind.SUSPENSION,
        figures={"decided": 5, "manifestly_unfounded": 4, "window_days": 90, "share": 0.8, "cases": []},
        rulebook_version="4",
        taken_at=now,
        taken_by=world["supervisor"],
        ends_at=now + timedelta(days=30),
    )
    misuse.appeal_suspension(world["consumer"], measure.pk, "Please look again.")
    with pytest.raises(Forbidden) as refused:
        misuse.decide_suspension_appeal(world["supervisor"], measure.pk, "lifted", "mine")
    assert refused.value.code == "own_measure"
    kept = misuse.decide_suspension_appeal(
        world["other_supervisor"], measure.pk, "upheld", "Four were manifestly unfounded."
    )
    assert kept.appeal_result == "upheld" and kept.lifted_at is None
    assert misuse.suspension_in_force(world["consumer"].consumer_id, now) == kept


def test_another_consumer_cannot_read_or_appeal_someone_elses_suspension(world):
    measure = ReporterMeasure.objects.create(
        consumer=world["consumer"].consumer,
        kind=MeasureKind.SUSPENSION,
        figures={"decided": 5, "manifestly_unfounded": 4, "window_days": 90, "share": 0.8, "cases": []},
        rulebook_version="4",
        taken_at=V4,
        ends_at=V4 + timedelta(days=30),
    )
    other = ApiClient(f.token(f.consumer_user("C2")))
    assert other.get("/reporter/standing").json()["measures"] == []
    assert other.post_json(f"/reporter/measures/{measure.pk}/appeal", {"text": "mine"}).status_code == 404
    merchant = ApiClient(f.token(world["merchant"]))
    assert merchant.get("/reporter/standing").status_code == 403
    assert merchant.post_json(f"/reporter/measures/{measure.pk}/appeal", {"text": "x"}).status_code == 403


def test_the_standing_page_shows_the_reasons_and_takes_the_appeal(world):
    measure = ReporterMeasure.objects.create(
        consumer=world["consumer"].consumer,
        kind=MeasureKind.SUSPENSION,
        figures={"decided": 6, "manifestly_unfounded": 5, "window_days": 90, "share": 0.83, "cases": ["PL-AAAA-BBBB"]},
        rulebook_version="4",
        taken_at=V4,
        ends_at=V4 + timedelta(days=30),
    )
    client = Client()
    client.force_login(world["consumer"])
    page = client.get("/consumer/standing/")
    text = page.content.decode()
    assert page.status_code == 200 and "PL-AAAA-BBBB" in text and "6" in text and "5" in text
    refused = client.post(f"/consumer/standing/{measure.pk}/appeal/", {"text": ""})
    assert refused.status_code == 422
    sent = client.post(f"/consumer/standing/{measure.pk}/appeal/", {"text": "PL-AAAA-BBBB was true."})
    assert sent.status_code == 302
    measure.refresh_from_db()
    assert measure.appeal_text == "PL-AAAA-BBBB was true."
    # The supervisors' page lists it and decides it; a reviewer is refused the page.
    reviewer = Client()
    reviewer.force_login(world["reviewer"])
    assert reviewer.get("/review/reporter-appeals/").status_code == 403
    boss = Client()
    boss.force_login(world["supervisor"])
    assert "PL-AAAA-BBBB was true." in boss.get("/review/reporter-appeals/").content.decode()
    assert (
        boss.post(f"/review/reporter-appeals/{measure.pk}/decide/", {"result": "upheld", "reasons": ""}).status_code
        == 422
    )
    done = boss.post(f"/review/reporter-appeals/{measure.pk}/decide/", {"result": "upheld", "reasons": "Five marked."})
    assert done.status_code == 302
    measure.refresh_from_db()
    assert measure.appeal_result == "upheld"
