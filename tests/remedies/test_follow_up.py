"""Overdue remedies chased, a resolved case reopened when the money never arrived, points on acceptance."""

from datetime import timedelta

import pytest
from django.utils import timezone

from plaint.cases import clocks
from plaint.cases.queries import unpaid_remedies
from plaint.enforcement.standing import total
from plaint.notifications.models import Notification
from tests.remedies.conftest import accepted, paid, sent

pytestmark = pytest.mark.django_db


def test_an_unconfirmed_remedy_is_chased_once_after_the_rulebooks_days(world, receiver, time_machine):
    case = accepted(world)
    remedy_id = case["remedies"][0]["id"]
    time_machine.shift(timedelta(days=2, hours=23))
    assert clocks.tick().remedies_overdue == 0
    time_machine.shift(timedelta(hours=1, minutes=1))
    assert clocks.tick().remedies_overdue == 1
    assert clocks.tick().remedies_overdue == 0
    [chase] = sent(receiver, "remedy.overdue")
    assert chase["remedy_id"] == remedy_id and chase["case"] == case["reference"]
    assert [r.pk for r in unpaid_remedies()] == [remedy_id]
    assert Notification.objects.filter(user=world["users"]["supervisor"], event="remedy_overdue").count() == 1
    [remedy] = world["consumer"].get(f"/cases/{case['reference']}").json()["remedies"]
    assert remedy["overdue"] is True
    # Confirmed late: no longer chased.
    assert paid(world, remedy_id).status_code == 200
    assert list(unpaid_remedies()) == []


def test_a_confirmed_remedy_is_never_chased(world, receiver, time_machine):
    remedy_id = accepted(world)["remedies"][0]["id"]
    paid(world, remedy_id)
    time_machine.shift(timedelta(days=4))
    assert clocks.tick().remedies_overdue == 0
    assert sent(receiver, "remedy.overdue") == []


def test_a_failed_remedy_is_on_the_supervisors_list(world):
    remedy_id = accepted(world)["remedies"][0]["id"]
    world["marketplace"].post_json(f"/remedies/{remedy_id}/failed", {"reason": "account closed"})
    assert [r.pk for r in unpaid_remedies()] == [remedy_id]
    assert Notification.objects.filter(user=world["users"]["supervisor"], event="remedy_failed").count() == 1


def test_under_v2_there_is_no_confirmation_deadline_and_no_reopening(world_v2, receiver, time_machine):
    case = accepted(world_v2)
    assert case["remedies"][0]["confirm_due_at"] is None
    time_machine.shift(timedelta(days=30))
    assert clocks.tick().remedies_overdue == 0
    refused = world_v2["consumer"].post_json(f"/cases/{case['reference']}/reopen", {"reason": "钱没到账"})
    assert refused.status_code == 409 and refused.json()["code"] == "reopen_not_in_rulebook"
    # Confirming still works under every version.
    assert paid(world_v2, case["remedies"][0]["id"]).status_code == 200


def test_the_consumer_reopens_a_resolved_case_whose_money_never_arrived(world, receiver, time_machine):
    case = accepted(world)
    ref = case["reference"]
    mine = world["consumer"].get(f"/cases/{ref}").json()
    assert "reopen" in mine["allowed_actions"]
    assert mine["reopen_window"]["closes"].startswith("2026-12-23T02:00:")  # reopen_days = 15
    time_machine.shift(timedelta(days=10))
    reopened = world["consumer"].post_json(f"/cases/{ref}/reopen", {"reason": "退款一直没有到账 The refund never came"})
    assert reopened.status_code == 200, reopened.content
    body = reopened.json()
    assert body["state"] == "awaiting_review" and body["closed_at"] is None
    assert body["deadlines"]["decision_due_at"] is not None
    event = [e for e in body["timeline"] if e["kind"] == "reopen_unpaid"][0]
    assert event["reason"] == "退款一直没有到账 The refund never came"
    assert event["from_state"] == "resolved" and event["to_state"] == "awaiting_review"
    [webhook] = sent(receiver, "case.reopened")
    assert webhook["case"] == ref and webhook["remedies"][0]["state"] == "instructed"
    # It is decided like any case in review, and the decision instructs the remedy again.
    assert world["reviewer"].post_json(f"/review/cases/{ref}/claim", {}).status_code == 200
    decided = world["reviewer"].post_json(
        f"/review/cases/{ref}/decision",
        {"outcome": "upheld", "reason_codes": ["violation_established"], "statement": "商家同意退款但未执行。"},
    )
    assert decided.status_code == 200, decided.content
    assert len(world["consumer"].get(f"/cases/{ref}").json()["remedies"]) == 2
    again = world["consumer"].post_json(f"/cases/{ref}/reopen", {"reason": "again"})
    assert again.status_code == 409


def test_reopening_after_the_window_is_refused_with_its_dates(world, time_machine):
    ref = accepted(world)["reference"]
    time_machine.shift(timedelta(days=15, minutes=1))
    assert "reopen" not in world["consumer"].get(f"/cases/{ref}").json()["allowed_actions"]
    late = world["consumer"].post_json(f"/cases/{ref}/reopen", {"reason": "钱没到账"})
    assert late.status_code == 409
    body = late.json()
    assert body["code"] == "reopen_window_closed"
    assert body["details"]["closes"].startswith("2026-12-23T02:00:") and body["details"]["opens"]
    assert "2026-12-23 10:00" in body["message"]


def test_only_the_reporter_side_reopens_and_with_a_reason(world):
    ref = accepted(world)["reference"]
    assert world["merchant"].post_json(f"/cases/{ref}/reopen", {"reason": "x"}).status_code == 403
    assert world["reviewer"].post_json(f"/cases/{ref}/reopen", {"reason": "x"}).status_code == 403
    assert world["other_consumer"].post_json(f"/cases/{ref}/reopen", {"reason": "x"}).status_code == 404
    assert world["consumer"].post_json(f"/cases/{ref}/reopen", {"reason": ""}).status_code == 422
    assert world["agent"].post_json(f"/cases/{ref}/reopen", {"reason": "客户来电：未收到退款"}).status_code == 200


def test_a_case_that_is_not_resolved_cannot_be_reopened(world):
    filed = accepted(world)
    world["consumer"].post_json(f"/cases/{filed['reference']}/reopen", {"reason": "x"})
    # Now in review: reopening again is not a transition from there.
    refused = world["consumer"].post_json(f"/cases/{filed['reference']}/reopen", {"reason": "x"})
    assert refused.status_code == 409 and refused.json()["code"] == "transition_not_allowed"


@pytest.mark.parametrize(
    "category, remedy, track, points",
    [("counterfeit", "refund", "serious", 12), ("expired_goods", "refund", "serious", 6)],
)
def test_accepting_settles_the_claim_not_the_violation(world, receiver, category, remedy, track, points):
    case = accepted(world, category, remedy)
    assert total(world["shop"], track, timezone.now()) == points
    [awarded] = sent(receiver, "points.awarded")
    assert awarded["case"] == case["reference"] and awarded["points"] == points
    [decision] = case["decisions"]
    assert decision["reason_codes"] == ["merchant_admitted"] and decision["automated"] is True
    assert case["state"] == "resolved"
    [remedy_row] = case["remedies"]
    assert remedy_row["state"] == "instructed"


def test_accepting_an_unmarked_category_records_no_points(world, receiver):
    case = accepted(world, "product_quality")
    assert total(world["shop"], "general", timezone.now()) == 0
    assert case["decisions"] == [] and sent(receiver, "points.awarded") == []


def test_under_v2_an_accepted_counterfeit_records_no_points(world_v2):
    accepted(world_v2, "counterfeit")
    assert total(world_v2["shop"], "serious", timezone.now()) == 0
