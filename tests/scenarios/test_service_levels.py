"""The decision clock warns before its deadline and escalates after it; reporters can chase a case.

The case is contested on Tuesday 24 November 2026 at 10:00 (Shanghai): the decision is due five
working days later, Tuesday 1 December 10:00, and warned nine business hours before (Monday 10:00).
"""

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from plaint.accounts.models import Role
from plaint.cases import clocks
from plaint.notifications.delivery import deliver_due
from plaint.notifications.models import WebhookEndpoint
from tests import factories as f
from tests.api_client import ApiClient

pytestmark = pytest.mark.django_db


SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def world(time_machine, receiver):
    time_machine.move_to(datetime(2026, 11, 24, 10, tzinfo=SH), tick=False)
    shop = f.merchant("M-A")
    f.order(shop, "C1", external_id="O-1", delivered_at=timezone.now() - timedelta(days=1))
    WebhookEndpoint.objects.create(name="marketplace", url=receiver.url, secret="s")
    consumer = ApiClient(f.token(f.consumer_user("C1")))
    merchant = ApiClient(f.token(f.user(Role.MERCHANT, merchant=shop)))
    ref = consumer.post_form(
        "/reports",
        {
            "target_type": "order",
            "target_id": "O-1",
            "category": "product_quality",
            "description": "质量问题",
            "remedy_wanted": "refund",
        },
        files=[("p.jpg", f.jpeg(), "photo_of_product")],
    ).json()["reference"]
    merchant.post_form(f"/cases/{ref}/response", {"kind": "contest", "explanation": "不是质量问题"})
    return {
        "ref": ref,
        "consumer": consumer,
        "merchant": merchant,
        "supervisor": ApiClient(f.token(f.user(Role.SUPERVISOR))),
    }


def test_warned_before_the_decision_deadline_and_escalated_after_it(world, time_machine, receiver):
    ref, consumer, supervisor = world["ref"], world["consumer"], world["supervisor"]
    due = consumer.get(f"/cases/{ref}").json()["deadlines"]["decision_due_at"]
    assert datetime.fromisoformat(due) == datetime(2026, 12, 1, 10, tzinfo=SH)
    assert supervisor.post_json(f"/review/cases/{ref}/claim", {}).status_code == 200  # acknowledged
    time_machine.move_to(datetime(2026, 11, 30, 9, 59, tzinfo=SH), tick=False)
    assert clocks.tick().warned == 0
    time_machine.move_to(datetime(2026, 11, 30, 10, tzinfo=SH), tick=False)
    report = clocks.tick()
    assert (report.warned, report.escalated) == (1, 0)
    assert clocks.tick().warned == 0
    assert "sla_warning" not in [e["kind"] for e in consumer.get(f"/cases/{ref}").json()["timeline"]]
    assert supervisor.get("/review/queue", escalated=True).json()["count"] == 0

    time_machine.move_to(datetime(2026, 12, 1, 10, tzinfo=SH), tick=False)
    assert clocks.tick().escalated == 1
    assert clocks.tick().escalated == 0
    case = consumer.get(f"/cases/{ref}").json()
    assert case["priority"] == 0 + 3
    assert case["timeline"][-1]["kind"] == "escalated"  # the reporter sees it was escalated
    escalated = supervisor.get("/review/queue", escalated=True).json()
    assert [c["reference"] for c in escalated["results"]] == [ref]
    deliver_due()
    topics = [r.headers["X-Plaint-Topic"] for r in receiver.requests]
    assert topics.count("case.escalated") == 1
    assert (
        json.loads(next(r.body for r in receiver.requests if r.headers["X-Plaint-Topic"] == "case.escalated"))["data"][
            "case"
        ]
        == ref
    )


def test_a_case_within_its_deadlines_can_be_nudged_once_a_day(world, time_machine):
    ref, consumer = world["ref"], world["consumer"]
    first = consumer.post_json(f"/cases/{ref}/nudge", {})
    assert first.status_code == 200
    assert first.json()["priority"] == 0  # not overdue: on the timeline, no priority
    assert first.json()["timeline"][-1]["kind"] == "nudged"
    again = consumer.post_json(f"/cases/{ref}/nudge", {})
    assert again.status_code == 409 and again.json()["code"] == "nudge_limited"
    time_machine.shift(timedelta(hours=24, minutes=1))
    assert consumer.post_json(f"/cases/{ref}/nudge", {}).status_code == 200
    assert world["merchant"].post_json(f"/cases/{ref}/nudge", {}).status_code == 403


def test_nudging_an_overdue_case_raises_priority_and_tells_the_supervisors(world, time_machine):
    ref, consumer, supervisor = world["ref"], world["consumer"], world["supervisor"]
    time_machine.move_to(datetime(2026, 12, 1, 10, 1, tzinfo=SH))  # the decision is overdue; no tick has run yet
    nudged = consumer.post_json(f"/cases/{ref}/nudge", {})
    assert nudged.status_code == 200
    assert nudged.json()["priority"] == 1
    assert [c["reference"] for c in supervisor.get("/review/queue", escalated=True).json()["results"]] == [ref]
    # Overdue cases can be chased again at once.
    assert consumer.post_json(f"/cases/{ref}/nudge", {}).json()["priority"] == 2


def test_a_reviewer_asks_for_more_evidence_and_the_decision_clock_waits(world, time_machine):
    ref, consumer, supervisor = world["ref"], world["consumer"], world["supervisor"]
    reviewer = ApiClient(f.token(f.user(Role.REVIEWER)))
    request = {"kinds": ["inspection_report"], "note": "请提供第三方质检报告"}
    assert reviewer.post_json(f"/review/cases/{ref}/evidence-request", request).json()["code"] == "claim_required"
    assert world["merchant"].post_json(f"/review/cases/{ref}/evidence-request", request).status_code == 403
    time_machine.move_to(datetime(2026, 11, 25, 10, tzinfo=SH), tick=False)  # 36 business hours left
    reviewer.post_json(f"/review/cases/{ref}/claim", {})
    assert "request_evidence" in reviewer.get(f"/cases/{ref}").json()["allowed_actions"]
    bad = reviewer.post_json(f"/review/cases/{ref}/evidence-request", {"kinds": ["x-ray"], "note": "请提供X光片"})
    assert bad.status_code == 422 and bad.json()["field"] == "kinds"
    asked = reviewer.post_json(f"/review/cases/{ref}/evidence-request", request)
    assert asked.status_code == 200, asked.content
    assert asked.json()["state"] == "needs_evidence"
    case = consumer.get(f"/cases/{ref}").json()
    assert case["admissibility"]["missing_evidence"] == ["inspection_report"]
    assert [(c["stage"], c["paused"]) for c in case["clocks"]] == [("decision", True)]

    time_machine.move_to(datetime(2026, 11, 30, 10, tzinfo=SH), tick=False)  # five days later, a Monday
    assert clocks.tick().breached == {}
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    added = consumer.post_form(f"/cases/{ref}/evidence", {}, files=[("qc.pdf", pdf, "inspection_report")])
    assert added.status_code == 200, added.content
    case = consumer.get(f"/cases/{ref}").json()
    assert case["state"] == "awaiting_review"
    # Monday 10:00 + 36 business hours: 8 + 9 + 9 + 9 + 1, Friday 4 December 10:00.
    assert datetime.fromisoformat(case["deadlines"]["decision_due_at"]) == datetime(2026, 12, 4, 10, tzinfo=SH)
    assert [e["kind"] for e in case["timeline"]][-2:] == ["clock_resumed", "return_to_review"]
    assert supervisor.get("/review/queue", escalated=True).json()["count"] == 0
