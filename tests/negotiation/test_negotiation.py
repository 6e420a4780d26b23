"""Negotiation inside a case (协商), through the API: messages, offers, the refusals, the agreed extension."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest

from plaint.cases import actions
from plaint.cases.inputs import ResponseIn
from plaint.cases.models import CaseEvent, Offer
from plaint.cases.transitions import allowed
from plaint.enforcement.models import RemedyInstruction
from plaint.notifications.models import OutboxMessage

from .conftest import at, file_case, sent

pytestmark = pytest.mark.django_db


def test_a_partial_refund_offered_by_the_merchant_and_accepted_by_the_consumer_resolves_the_case(world, receiver):
    api = world["api"]
    ref = file_case(world).reference
    made = api["merchant"].post_json(
        f"/cases/{ref}/offers", {"kind": "remedy", "remedy": "refund", "amount": "120", "note": "部分退款 120 元"}
    )
    assert made.status_code == 201, made.content
    offer = made.json()
    assert (offer["state"], offer["amount"], offer["party"]) == ("open", "120.00", "merchant")
    # The consumer is told of the offer, by e-mail and in the portal.
    assert OutboxMessage.objects.filter(topic="case.offer_made", recipient="c1@example.cn").exists()

    accepted = api["consumer"].post_json(f"/offers/{offer['id']}/accept", {})
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["state"] == "accepted"
    case = api["consumer"].get(f"/cases/{ref}").json()
    assert case["state"] == "resolved"
    assert [e["kind"] for e in case["timeline"]][-2:] == ["offer_accepted", "accept_remedy"]
    # The remedy is instructed as the merchant's acceptance instructs it: the partial amount, no tariff.
    instruction = RemedyInstruction.objects.get(case__reference=ref)
    assert (instruction.kind, instruction.amount, instruction.tariff_amount) == ("refund", Decimal("120.00"), 0)
    [remedy] = sent(receiver, "remedy.instructed")
    assert (remedy["order_id"], remedy["amount"], remedy["total"]) == ("O-N1", "120.00", "120.00")
    [resolved] = sent(receiver, "case.resolved")
    assert resolved["case"] == ref and resolved["remedy"] == "refund" and resolved["amount"] == "120.00"
    assert resolved["settled_by"] == "negotiation" and resolved["offer_id"] == offer["id"]


def test_an_offer_by_the_consumer_accepted_by_the_merchant_resolves_it_too(world, receiver):
    api = world["api"]
    ref = file_case(world).reference
    offer = api["consumer"].post_json(f"/cases/{ref}/offers", {"kind": "remedy", "remedy": "replacement"}).json()
    assert api["merchant"].post_json(f"/offers/{offer['id']}/accept", {}).status_code == 200
    assert api["merchant"].get(f"/cases/{ref}").json()["state"] == "resolved"
    [remedy] = sent(receiver, "remedy.instructed")
    assert remedy["remedy"] == "replacement"


def test_accepting_your_own_offer_is_403_and_a_stranger_gets_404(world):
    api = world["api"]
    ref = file_case(world).reference
    offer = api["merchant"].post_json(f"/cases/{ref}/offers", {"kind": "remedy", "remedy": "refund"}).json()
    own = api["merchant"].post_json(f"/offers/{offer['id']}/accept", {})
    assert own.status_code == 403 and own.json()["code"] == "own_offer"
    # The consumer's agent speaks for the consumer's side: the merchant's offer is theirs to accept, the
    # consumer's own is not.
    mine = api["consumer"].post_json(f"/cases/{ref}/offers", {"kind": "remedy", "remedy": "replacement"}).json()
    assert api["agent"].post_json(f"/offers/{mine['id']}/accept", {}).status_code == 403
    for stranger in ("stranger", "other_consumer"):
        assert api[stranger].post_json(f"/offers/{offer['id']}/accept", {}).status_code == 404
        assert api[stranger].get(f"/cases/{ref}/messages").status_code == 404
        assert api[stranger].post_json(f"/cases/{ref}/messages", {"text": "hi"}).status_code == 404
        assert (
            api[stranger].post_json(f"/cases/{ref}/offers", {"kind": "remedy", "remedy": "refund"}).status_code == 404
        )
    # A reviewer sees the thread but takes no side in it.
    assert api["reviewer"].post_json(f"/offers/{offer['id']}/accept", {}).status_code == 403
    assert api["reviewer"].post_json(f"/cases/{ref}/offers", {"kind": "remedy", "remedy": "refund"}).status_code == 403
    assert Offer.objects.get(pk=offer["id"]).state == "open"


def test_an_offer_accepted_after_the_case_left_the_merchants_stage_is_409(world):
    api = world["api"]
    case = file_case(world)
    offer = api["merchant"].post_json(f"/cases/{case.reference}/offers", {"kind": "remedy", "remedy": "refund"}).json()
    actions.respond_as_merchant(world["users"]["merchant"], case, ResponseIn(kind="contest", explanation="不同意"))
    late = api["consumer"].post_json(f"/offers/{offer['id']}/accept", {})
    assert late.status_code == 409 and late.json()["code"] == "negotiation_closed"
    # The open offer reads as lapsed; no remedy was instructed; a new offer is refused too.
    thread = api["consumer"].get(f"/cases/{case.reference}/messages").json()
    assert [o["state"] for o in thread["offers"]] == ["lapsed"] and thread["open"] is False
    assert not RemedyInstruction.objects.exists()
    again = api["merchant"].post_json(f"/cases/{case.reference}/offers", {"kind": "remedy", "remedy": "refund"})
    assert again.status_code == 409


def test_an_offer_accepted_after_the_merchants_deadline_is_409(world, time_machine):
    api = world["api"]
    case = file_case(world)
    offer = api["merchant"].post_json(f"/cases/{case.reference}/offers", {"kind": "remedy", "remedy": "refund"}).json()
    time_machine.move_to(case.response_due_at + timedelta(minutes=1))
    late = api["consumer"].post_json(f"/offers/{offer['id']}/accept", {})
    assert late.status_code == 409 and late.json()["code"] == "response_deadline_passed"


def test_declined_and_withdrawn_offers_cannot_be_accepted(world):
    api = world["api"]
    ref = file_case(world).reference
    first = api["merchant"].post_json(f"/cases/{ref}/offers", {"kind": "remedy", "remedy": "refund", "amount": "50"})
    declined = api["consumer"].post_json(f"/offers/{first.json()['id']}/decline", {"note": "太少了"})
    assert declined.status_code == 200 and declined.json()["state"] == "declined"
    again = api["consumer"].post_json(f"/offers/{first.json()['id']}/accept", {})
    assert again.status_code == 409 and again.json()["code"] == "offer_not_open"
    second = api["merchant"].post_json(f"/cases/{ref}/offers", {"kind": "remedy", "remedy": "refund", "amount": "80"})
    # Only the side that made it withdraws it.
    assert api["consumer"].post_json(f"/offers/{second.json()['id']}/withdraw", {}).status_code == 403
    assert api["consumer"].post_json(f"/offers/{first.json()['id']}/decline", {}).status_code == 409
    withdrawn = api["merchant"].post_json(f"/offers/{second.json()['id']}/withdraw", {})
    assert withdrawn.status_code == 200 and withdrawn.json()["state"] == "withdrawn"
    assert api["consumer"].post_json(f"/offers/{second.json()['id']}/accept", {}).status_code == 409
    kinds = [e["kind"] for e in api["consumer"].get(f"/cases/{ref}").json()["timeline"]]
    assert kinds.count("offer_made") == 2 and "offer_declined" in kinds and "offer_withdrawn" in kinds


def test_bad_offers_are_422_with_the_field(world):
    api = world["api"]
    ref = file_case(world).reference
    cases = [
        ({"kind": "remedy", "remedy": "refund", "amount": "300.01"}, "amount"),
        ({"kind": "remedy", "remedy": "refund", "amount": "-1"}, "amount"),
        ({"kind": "remedy"}, "remedy"),
        ({"kind": "extension"}, "days"),
        ({"kind": "gift"}, "kind"),
    ]
    for body, field in cases:
        response = api["merchant"].post_json(f"/cases/{ref}/offers", body)
        assert response.status_code == 422, (body, response.content)
        assert response.json()["field"] == field, (body, response.json())
    assert api["consumer"].post_json(f"/cases/{ref}/messages", {"text": "   "}).status_code == 422


def test_messages_are_on_the_timeline_and_masked_for_the_merchant(world):
    api = world["api"]
    ref = file_case(world).reference
    words = "我是李娜，电话 13912345678，邮箱 lina@example.cn，请尽快处理。"
    assert api["consumer"].post_json(f"/cases/{ref}/messages", {"text": words}).status_code == 201
    answer = api["merchant"].post_json(f"/cases/{ref}/messages", {"text": "我们可以退 100 元。"})
    assert answer.status_code == 201 and answer.json()["party"] == "merchant"
    # The consumer and staff read the consumer's words as written.
    own = api["consumer"].get(f"/cases/{ref}/messages").json()
    assert [m["text"] for m in own["messages"]] == [words, "我们可以退 100 元。"]
    staff = api["reviewer"].get(f"/cases/{ref}").json()
    assert staff["thread"]["messages"][0]["text"] == words
    # The merchant reads them masked, in the thread and on the timeline alike.
    merchant = api["merchant"].get(f"/cases/{ref}").json()
    seen = json.dumps(merchant, ensure_ascii=False)
    assert "13912345678" not in seen and "lina@example.cn" not in seen and "李娜" not in seen
    [posted] = [e for e in merchant["timeline"] if e["kind"] == "message_posted" and e["data"]["party"] == "reporter"]
    assert "[电话/phone]" in posted["data"]["text"] and "李*" in posted["data"]["text"]
    assert "[电话/phone]" in merchant["thread"]["messages"][0]["text"]
    # The merchant is told of the consumer's message without its words.
    mail = OutboxMessage.objects.get(topic="case.thread_message", recipient="shop-n@example.jp")
    assert "13912345678" not in mail.body


def test_a_reviewer_asks_either_party_in_the_same_thread(world):
    api = world["api"]
    case = file_case(world)
    ref = case.reference
    missing = api["reviewer"].post_json(f"/cases/{ref}/messages", {"text": "请提供批次号？"})
    assert missing.status_code == 422 and missing.json()["field"] == "addressed_to"
    asked = api["reviewer"].post_json(f"/cases/{ref}/messages", {"text": "请提供批次号？", "addressed_to": "merchant"})
    assert asked.status_code == 201 and asked.json()["party"] == "staff"
    assert OutboxMessage.objects.filter(topic="case.thread_message", recipient="shop-n@example.jp").exists()
    # The thread goes on in review: the reviewer asks the consumer, who answers.
    actions.respond_as_merchant(world["users"]["merchant"], case, ResponseIn(kind="contest", explanation="批次 B1"))
    api["reviewer"].post_json(f"/cases/{ref}/messages", {"text": "异味何时发现？", "addressed_to": "reporter"})
    assert api["consumer"].post_json(f"/cases/{ref}/messages", {"text": "开封当天。"}).status_code == 201
    thread = api["reviewer"].get(f"/cases/{ref}/messages").json()
    assert [(m["party"], m["addressed_to"]) for m in thread["messages"]] == [
        ("staff", "merchant"),
        ("staff", "reporter"),
        ("reporter", None),
    ]
    # A closed case's thread is closed.
    actions.withdraw_report(world["users"]["consumer"], case, "已解决")
    closed = api["consumer"].post_json(f"/cases/{ref}/messages", {"text": "谢谢"})
    assert closed.status_code == 409 and closed.json()["code"] == "thread_closed"


def test_the_chat_moves_no_deadline_and_version_2_allows_no_extension(world):
    api = world["api"]
    case = file_case(world)
    due = case.response_due_at
    api["merchant"].post_json(f"/cases/{case.reference}/messages", {"text": "请再给我们一周时间。"})
    case.refresh_from_db()
    assert case.response_due_at == due
    refused = api["merchant"].post_json(f"/cases/{case.reference}/offers", {"kind": "extension", "days": 2})
    assert refused.status_code == 409 and refused.json()["code"] == "no_extension"


@pytest.fixture
def v3(time_machine):
    time_machine.move_to(at(2026, 12, 8, 10, 0))  # version 3 is in force from 7 December 2026


def test_an_extension_proposed_by_one_and_accepted_by_the_other_moves_the_deadline_within_the_bound(world, v3):
    api = world["api"]
    case = file_case(world)
    assert case.rulebook_version in ("3", "4")  # version 3's bound, kept by version 4
    due = case.response_due_at
    proposed = api["merchant"].post_json(f"/cases/{case.reference}/offers", {"kind": "extension", "days": 2})
    assert proposed.status_code == 201, proposed.content
    case.refresh_from_db()
    assert case.response_due_at == due  # proposing moves nothing
    assert api["merchant"].post_json(f"/offers/{proposed.json()['id']}/accept", {}).status_code == 403
    assert api["consumer"].post_json(f"/offers/{proposed.json()['id']}/accept", {}).status_code == 200
    case.refresh_from_db()
    assert case.response_due_at == due + timedelta(days=2)
    clock = case.clocks.get(stage="merchant_response", stopped_at__isnull=True)
    assert clock.due_at == due + timedelta(days=2)
    assert CaseEvent.objects.filter(case=case, kind="clock_extended").exists()
    # The rulebook's bound is 3 days over the case: 2 are used, so 2 more are refused.
    over = api["consumer"].post_json(f"/cases/{case.reference}/offers", {"kind": "extension", "days": 2})
    assert over.status_code == 422 and over.json()["code"] == "extension_too_long"
    thread = api["consumer"].get(f"/cases/{case.reference}/messages").json()
    assert (thread["max_extension_days"], thread["extension_days_used"]) == (3, 2)
    # The merchant may answer until the new deadline, and its silence is judged by it.
    from plaint.cases import clocks

    clocks.tick(due + timedelta(hours=1))
    case.refresh_from_db()
    assert case.state == "awaiting_merchant"
    clocks.tick(due + timedelta(days=2, minutes=1))
    case.refresh_from_db()
    assert case.state != "awaiting_merchant"


def test_the_consumer_side_may_accept_a_remedy_through_the_state_machine():
    assert {"accept_remedy"} <= set(allowed("awaiting_merchant", "consumer"))
    assert "accept_remedy" not in allowed("awaiting_review", "consumer")
    assert "accept_remedy" not in allowed("awaiting_merchant", "reviewer")


def test_the_thread_is_in_the_openapi_document(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    for path in ("/api/cases/{reference}/messages", "/api/cases/{reference}/offers", "/api/offers/{offer_id}/accept"):
        assert path in paths
    assert "409" in paths["/api/offers/{offer_id}/accept"]["post"]["responses"]


def test_a_full_refund_offer_refunds_the_order_with_its_tariff(world, receiver):
    api = world["api"]
    ref = file_case(world).reference
    offer = api["merchant"].post_json(f"/cases/{ref}/offers", {"kind": "remedy", "remedy": "refund"}).json()
    api["consumer"].post_json(f"/offers/{offer['id']}/accept", {})
    [remedy] = sent(receiver, "remedy.instructed")
    assert remedy["amount"] == "300.00" and remedy["tariff_amount"] == "27.60"
    [resolved] = sent(receiver, "case.resolved")
    assert "amount" not in resolved
