"""Service-level clocks: business time, Chinese holidays, pauses for the reporter, downtime, races, warnings.

Every instant is passed as `now=`; nothing waits. The dates are real: 2026-11-27 is a Friday, and
National Day 2026 and its make-up working days are read from rulebook/calendars/cn.toml.
"""

import threading
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from plaint.cases import actions, clocks
from plaint.cases.inputs import DecisionIn, RectificationIn, ReportIn, ResponseIn
from plaint.cases.models import Case, CaseClock, CaseEvent
from plaint.cases.queries import review_queue
from plaint.cases.reading import describe_case
from plaint.enforcement.models import RectificationState
from plaint.evidence.actions import Upload
from plaint.notifications.models import Notification, OutboxMessage
from plaint.rulebook import loader
from plaint.rulebook.calendar import calendar
from tests import factories as f

SH = ZoneInfo("Asia/Shanghai")
CN = calendar("cn")


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)


def filed(people, when: datetime, order_id: str = "O-1") -> Case:
    f.order(people["shop"], "C1", external_id=order_id, delivered_at=when - timedelta(days=1))
    data = ReportIn(target_type="order", target_id=order_id, category="product_quality", description="质量问题")
    upload = Upload("p.jpg", f.jpeg(), "photo_of_product")
    return actions.file_report(people["consumer"], data, [upload], now=when).case


def contested(people, when: datetime, order_id: str = "O-1") -> Case:
    case = filed(people, when - timedelta(hours=1), order_id)
    actions.respond_as_merchant(people["merchant"], case, ResponseIn(kind="contest", explanation="不同意"), now=when)
    return Case.objects.get(pk=case.pk)


def clock(case: Case, stage: str) -> CaseClock:
    return case.clocks.filter(stage=stage).latest("id")


def kinds(case: Case, kind: str) -> list[str]:
    return [e.data["stage"] for e in CaseEvent.objects.filter(case=case, kind=kind).order_by("id")]


def test_business_time_does_not_count_the_weekend(people):
    friday = at(2026, 11, 27, 16)
    assert friday.isoweekday() == 5
    case = contested(people, friday)
    # Decision: 5 working days of 9 hours = 45 business hours; Friday 16:00 to the next Friday 16:00.
    assert case.decision_due_at == at(2026, 12, 4, 16)
    # Acknowledgement: 4 business hours: Friday 16:00-18:00, then Monday 09:00-11:00.
    assert clock(case, "acknowledgement").due_at == at(2026, 11, 30, 11)
    assert clocks.tick(at(2026, 11, 29, 23)).breached == {}  # Sunday night: nothing has run out
    early = clocks.tick(at(2026, 11, 30, 10, 30))  # within the warning hour
    assert (early.warned, early.breached) == (1, {})
    assert kinds(case, "clock_warning") == ["acknowledgement"]
    late = clocks.tick(at(2026, 11, 30, 11))
    assert late.breached == {"acknowledgement": 1}
    assert list(review_queue(at(2026, 11, 30, 11), escalated=True)) == [case]
    assert Case.objects.get(pk=case.pk).priority == 1  # the acknowledgement's raise_priority


def test_national_day_does_not_count_and_its_make_up_saturday_does(people):
    # The dates come from the calendar file: 1-7 October 2026 off, Saturday 10 October worked.
    assert {date(2026, 10, d) for d in range(1, 8)} <= CN.holidays
    assert date(2026, 10, 10) in CN.workdays and date(2026, 10, 10).isoweekday() == 6
    case = contested(people, at(2026, 9, 30, 10))
    # 45 business hours from Wednesday 30 September 10:00: 8 that day, none on 1-7 October,
    # 9 each on 8, 9 and 10 (the make-up Saturday) October, 9 on Monday 12, 1 on Tuesday 13.
    assert case.decision_due_at == at(2026, 10, 13, 10)
    assert clocks.tick(at(2026, 10, 12, 17)).breached == {"acknowledgement": 1}
    assert clocks.tick(at(2026, 10, 13, 9, 59)).breached == {}
    assert clocks.tick(at(2026, 10, 13, 10)).breached == {"decision": 1}


def test_calendar_time_counts_the_holiday(people):
    case = filed(people, at(2026, 9, 30, 9))
    # The merchant's response counts calendar days (product quality: 3), holiday or not.
    assert case.response_due_at == at(2026, 10, 3, 9)
    assert clocks.tick(at(2026, 10, 3, 9)).silence_handled == 1
    case.refresh_from_db()
    assert case.state == "awaiting_review"  # product quality: silence goes to review
    assert clock(case, "merchant_response").breached_at == at(2026, 10, 3, 9)
    assert clock(case, "decision").started_at == at(2026, 10, 3, 9)


def test_a_pause_for_reporter_evidence_does_not_count(people):
    case = contested(people, at(2026, 11, 24, 10))  # a Tuesday
    assert case.decision_due_at == at(2026, 12, 1, 10)
    actions.claim_case(people["reviewer"], case, now=at(2026, 11, 25, 9, 30))
    assert clock(case, "acknowledgement").stopped_by == "claimed"
    actions.request_more_evidence(
        people["reviewer"], case, ["inspection_report"], "请提供质检报告", now=at(2026, 11, 25, 10)
    )
    case.refresh_from_db()
    assert case.state == "needs_evidence" and case.decision_due_at is None
    decision = clock(case, "decision")
    # Left: Wednesday 8 h, Thursday 9, Friday 9, Monday 9, Tuesday 1 = 36 business hours.
    assert decision.remaining_seconds == 36 * 3600
    assert clocks.tick(at(2026, 12, 1, 12)).breached == {}  # past the first deadline, but paused
    seen = describe_case(case, people["consumer"], now=at(2026, 12, 1, 12))["clocks"]
    assert [(c["stage"], c["paused"], c["due_at"]) for c in seen] == [("decision", True, None)]

    report = Upload("r.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "inspection_report")
    actions.add_evidence(people["consumer"], case, [report], now=at(2026, 12, 2, 9, 30))
    case.refresh_from_db()
    assert case.state == "awaiting_review"
    # The 36 hours resume on Wednesday 2 December 09:30: 8.5 + 9 + 9 + 9 + 0.5, Tuesday 8 December 09:30.
    assert case.decision_due_at == at(2026, 12, 8, 9, 30)
    assert kinds(case, "clock_paused") == ["decision"] and kinds(case, "clock_resumed") == ["decision"]
    timeline = [e["kind"] for e in describe_case(case, people["consumer"])["timeline"]]
    assert "clock_paused" in timeline and "clock_resumed" in timeline  # the reporter sees why the date moved
    assert clocks.tick(at(2026, 12, 8, 9, 29)).breached == {}
    assert clocks.tick(at(2026, 12, 8, 9, 30)).breached == {"decision": 1}


def test_an_evidence_request_that_runs_out_returns_the_case_to_review(people):
    case = contested(people, at(2026, 11, 24, 10))
    actions.claim_case(people["reviewer"], case, now=at(2026, 11, 25, 9, 30))
    actions.request_more_evidence(people["reviewer"], case, ["chat_log"], "请提供聊天记录", now=at(2026, 11, 25, 10))
    # The reporter has the rulebook's evidence deadline (7 calendar days); then review goes on without it.
    report = clocks.tick(at(2026, 12, 2, 10))
    assert (report.returned_to_review, report.evidence_closed) == (1, 0)
    case.refresh_from_db()
    assert case.state == "awaiting_review"
    assert case.decision_due_at == CN.add(at(2026, 12, 2, 10), timedelta(hours=36))


def test_downtime_across_deadlines_fires_each_breach_once(people):
    case = contested(people, at(2026, 11, 24, 10))
    # Plaint was down from before the warnings until after both deadlines.
    first = clocks.tick(at(2026, 12, 10, 12))
    assert first.breached == {"acknowledgement": 1, "decision": 1}
    assert first.warned == 0  # a warning after its breach would say nothing new
    assert clocks.tick(at(2026, 12, 10, 12)).breached == {}
    assert clocks.tick(at(2026, 12, 11, 12)).breached == {}
    case.refresh_from_db()
    assert case.priority == 0 + 1 + 3
    assert kinds(case, "clock_breached") == ["acknowledgement", "decision"]
    assert OutboxMessage.objects.filter(topic="case.escalated", channel="webhook").count() == 2
    assert OutboxMessage.objects.filter(recipient="boss@example.test").count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_workers_ticking_at_once_fire_once(people):
    case = contested(people, at(2026, 11, 24, 10))
    barrier = threading.Barrier(2)
    reports = []

    def work():
        try:
            barrier.wait()
            reports.append(clocks.tick(at(2026, 12, 10, 12)))
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(reports) == 2
    fired = [r.breached.get(stage, 0) for r in reports for stage in ("acknowledgement", "decision")]
    assert sum(fired) == 2
    assert kinds(case, "clock_breached") == ["acknowledgement", "decision"]
    case.refresh_from_db()
    assert case.priority == 4
    assert OutboxMessage.objects.filter(topic="case.escalated", channel="webhook").count() == 2


def test_every_stage_warns_before_its_breach(people):
    sla = loader.get("1").sla
    case = filed(people, at(2026, 11, 24, 10))
    # Merchant response: 3 calendar days, warned 24 hours before, by e-mail to the merchant.
    assert case.response_due_at == at(2026, 11, 27, 10)
    assert clocks.tick(at(2026, 11, 26, 9, 59)).warned == 0
    assert clocks.tick(at(2026, 11, 26, 10)).warned == 1
    reminder = OutboxMessage.objects.get(topic="case.deadline_reminder", recipient="shop@example.test")
    assert "2026-11-27 10:00" in reminder.body
    assert "答复举报" in reminder.body and "answering the report" in reminder.body
    assert Notification.objects.filter(user=people["merchant"], event="deadline_reminder").count() == 1
    actions.respond_as_merchant(
        people["merchant"], case, ResponseIn(kind="contest", explanation="不同意"), now=at(2026, 11, 26, 12)
    )
    # Acknowledgement (4 business hours, warned 1 before) and decision (5 days, warned 9 hours before).
    ack, decision = clock(case, "acknowledgement"), clock(case, "decision")
    assert ack.warn_at == at(2026, 11, 26, 15) and ack.due_at == at(2026, 11, 26, 16)
    assert decision.due_at == at(2026, 12, 3, 12) and decision.warn_at == at(2026, 12, 2, 12)
    assert sla.decision.warn_before_hours == 9
    assert clocks.tick(at(2026, 11, 26, 15)).warned == 1
    actions.claim_case(people["reviewer"], case, now=at(2026, 11, 26, 15, 30))
    assert clocks.tick(at(2026, 12, 2, 12)).warned == 1
    assert kinds(case, "clock_warning") == ["merchant_response", "acknowledgement", "decision"]
    decided = DecisionIn(
        outcome="upheld",
        reason_codes=["violation_established"],
        statement="商品存在质量问题，证据充分。",
        rectification=RectificationIn(kind="fix_listing", instructions="修改商品描述"),
    )
    actions.claim_case(people["reviewer"], case, now=at(2026, 12, 2, 13))
    decision_row = actions.decide_case(people["reviewer"], case, decided, now=at(2026, 12, 2, 14))
    assert not case.clocks.filter(stage__in=clocks.CASE_STAGES, stopped_at__isnull=True).exists()
    # Rectification: 7 calendar days, warned 48 hours before; a breach is a missed rectification.
    rect = case.rectifications.get()
    assert rect.due_at == at(2026, 12, 9, 14) == clock(case, "rectification").due_at
    # Appeal: the supervisor has 3 business days, warned 9 business hours before.
    from plaint.cases.actions.appeals import appeal_penalty

    appeal_penalty(people["merchant"], decision_row, "质检报告显示合格", now=at(2026, 12, 3, 10))
    assert clock(case, "appeal").due_at == at(2026, 12, 8, 10)
    report = clocks.tick(at(2026, 12, 7, 14))
    assert report.warned == 2  # the appeal (since 10:00) and the rectification (48 h before 9 December 14:00)
    assert kinds(case, "clock_warning")[-2:] == ["appeal", "rectification"]
    assert clocks.tick(at(2026, 12, 7, 15)).warned == 0
    report = clocks.tick(at(2026, 12, 9, 14))
    assert report.breached == {"appeal": 1, "rectification": 1}
    assert report.rectifications_missed == 1
    assert case.rectifications.get().state == RectificationState.MISSED


def test_the_case_read_shows_each_running_clock(people):
    case = contested(people, at(2026, 11, 24, 10))
    clocks.tick(at(2026, 11, 24, 13))  # the acknowledgement's warning hour
    staff = describe_case(case, people["reviewer"], now=at(2026, 11, 24, 13))["clocks"]
    assert [(c["stage"], c["warned"], c["breached"], c["paused"]) for c in staff] == [
        ("acknowledgement", True, False, False),
        ("decision", False, False, False),
    ]
    assert datetime.fromisoformat(staff[1]["due_at"]) == at(2026, 12, 1, 10) and staff[1]["time"] == "business"
    # The reporter does not see the platform's internal acknowledgement clock.
    assert [c["stage"] for c in describe_case(case, people["consumer"])["clocks"]] == ["decision"]
