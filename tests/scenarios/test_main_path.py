"""The acceptance scenarios of the core: a report travels intake → decision → enforcement, via the API."""

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from plaint.accounts.models import Role
from plaint.cases import clocks
from plaint.cases.actions.appeals import penalty_appeal_closes
from plaint.cases.models import Decision
from plaint.enforcement.models import PointEntry
from plaint.notifications.delivery import deliver_due
from plaint.notifications.models import WebhookEndpoint
from plaint.notifications.signing import verify_signature
from plaint.rulebook import loader
from tests import factories as f
from tests.api_client import ApiClient

pytestmark = pytest.mark.django_db


# Written for rulebook version 1, in force until 1 December 2026 00:00 +08:00: the tests run on a day of it
# (version 2 and later are tested on their own days elsewhere).
@pytest.fixture(autouse=True)
def under_version_1(time_machine):
    time_machine.move_to(datetime(2026, 11, 30, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")))


@pytest.fixture
def world(receiver):
    """A cross-border skincare merchant, a consumer with a delivered order, and one user per role."""
    shop = f.merchant("M-TOKYO", name="Tokyo Beauty 東京美妝 Global Store", country="JP")
    other_shop = f.merchant("M-SEOUL", name="Seoul Health", country="KR")
    cream = f.listing(shop, "L-CREAM", title="日本进口 保湿面霜 50g")
    order = f.order(
        shop, "C1", listing_obj=cream, external_id="O-1001", delivered_at=timezone.now() - timedelta(days=4)
    )
    endpoint = WebhookEndpoint.objects.create(name="marketplace", url=receiver.url, secret="s3cret")
    users = {
        "consumer": f.consumer_user("C1"),
        "merchant": f.user(Role.MERCHANT, merchant=shop),
        "other_merchant": f.user(Role.MERCHANT, merchant=other_shop),
        "reviewer": f.user(Role.REVIEWER),
        "agent": f.user(Role.AGENT),
        "marketplace": f.user(Role.MARKETPLACE),
    }
    clients = {name: ApiClient(f.token(u)) for name, u in users.items()}
    return {"shop": shop, "order": order, "endpoint": endpoint, "users": users, "api": clients}


def webhooks(receiver, topic):
    return [json.loads(r.body) for r in receiver.requests if r.headers.get("X-Plaint-Topic") == topic]


def test_case_a_expired_damaged_skincare_upheld_with_refund_points_and_reasons(world, receiver):
    api = world["api"]
    photo_damage = f.jpeg("brown", exif_time="2026:11:20 10:15:00")
    photo_expiry = f.jpeg("white", exif_time="2026:11:20 10:16:30")
    response = api["consumer"].post_form(
        "/reports",
        {
            "target_type": "order",
            "target_id": "O-1001",
            "category": "expired_goods",
            "description": "收到的面霜外包装破损，而且已经过期（保质期至2026-09-30）。Packaging broken and expired.",
            "remedy_wanted": "refund",
        },
        files=[
            ("damage.jpg", photo_damage, "photo_of_packaging"),
            ("expiry.jpg", photo_expiry, "photo_of_expiry_date"),
        ],
    )
    assert response.status_code == 201, response.content
    case = response.json()
    ref = case["reference"]
    assert case["state"] == "awaiting_merchant"
    assert case["admissibility"]["outcome"] == "admitted"
    # Filed under the version in force now (the latest whose effective_from has passed).
    version = loader.in_force(timezone.now()).version
    assert case["admissibility"]["rulebook_version"] == version
    assert len(case["evidence"]) == 2
    # EXIF time is local (Asia/Shanghai, UTC+8) and comes back as an aware instant.
    assert datetime.fromisoformat(case["evidence"][1]["captured_at"]) == datetime(2026, 11, 20, 2, 16, 30, tzinfo=UTC)

    # The merchant sees what it needs to answer, and not the consumer's contact details.
    seen = api["merchant"].get(f"/cases/{ref}").json()
    assert seen["reporter"]["email"] is None and seen["reporter"]["phone"] is None
    assert "李" in seen["reporter"]["name"] and seen["reporter"]["name"] != "李娜"
    assert "13800000000" not in json.dumps(seen)

    contested = api["merchant"].post_form(
        f"/cases/{ref}/response",
        {"kind": "contest", "explanation": "商品发货时在保质期内，破损为物流造成。"},
        files=[("waybill.jpg", f.jpeg("gray"), "other")],
    )
    assert contested.status_code == 200, contested.content
    assert contested.json()["state"] == "awaiting_review"

    queue = api["reviewer"].get("/review/queue").json()
    assert ref in [c["reference"] for c in queue["results"]]
    assert api["reviewer"].post_json(f"/review/cases/{ref}/claim", {}).status_code == 200
    decided = api["reviewer"].post_json(
        f"/review/cases/{ref}/decision",
        {
            "outcome": "upheld",
            "reason_codes": ["violation_established"],
            "statement": "消费者提供的保质期实拍图显示商品已于2026-09-30过期，签收时已过期；"
            "商家未提供发货时批次在保质期内的证明。",
        },
    )
    assert decided.status_code == 200, decided.content
    assert decided.json()["state"] == "decided"

    # Serious-track points on the merchant's record.
    entry = PointEntry.objects.get(merchant=world["shop"])
    assert (entry.track, entry.points, entry.rulebook_version) == ("serious", 6, version)
    local = timezone.localtime(entry.expires_at)  # reset at local midnight, 1 January
    assert (local.year, local.month, local.day, local.hour) == (timezone.localtime().year + 1, 1, 1, 0)

    # The marketplace receives a full refund instruction, signed.
    deliver_due()
    [refund] = webhooks(receiver, "remedy.instructed")
    assert refund["data"]["order_id"] == "O-1001"
    assert Decimal(refund["data"]["amount"]) == Decimal("389.00")
    assert Decimal(refund["data"]["tariff_amount"]) == Decimal("35.79")
    assert Decimal(refund["data"]["total"]) == Decimal("424.79")
    request = next(r for r in receiver.requests if r.headers.get("X-Plaint-Topic") == "remedy.instructed")
    assert verify_signature(
        "s3cret",
        request.headers["Plaint-Signature"],
        request.headers["Idempotency-Key"],
        request.body,
        now=timezone.now(),
    )
    assert webhooks(receiver, "case.decided")[0]["data"]["outcome"] == "upheld"

    # The consumer reads the decision and its reasons, in either language.
    mine = api["consumer"].get(f"/cases/{ref}", lang="en").json()
    [decision] = mine["decisions"]
    assert decision["outcome"] == "upheld"
    assert f"rulebook version {version}" in decision["statement_text"]
    assert "Expired goods" in decision["statement_text"]
    assert "no automated means" in decision["statement_text"]
    assert "Refund 389.00 CNY plus the tariff paid, 35.79 CNY" in decision["statement_text"]
    # How to appeal: the merchant's penalty appeal, open as long as the merchant portal accepts one;
    # the outcome itself goes outside Plaint until there is an appeals committee.
    closes = penalty_appeal_closes(Decision.objects.get(case__reference=ref))
    assert decision["statement"]["appeal"]["penalty_appeal_until"] == closes.isoformat()
    assert (
        f"The merchant may appeal the points of this decision and the measures they bring until "
        f"{timezone.localtime(closes):%Y-%m-%d %H:%M}" in decision["statement_text"]
    )
    assert "has no appeals committee yet" in decision["statement_text"]
    zh = api["consumer"].get(f"/cases/{ref}").json()["decisions"][0]["statement_text"]
    assert "过期商品" in zh and f"规则第 {version} 版" in zh
    kinds = [event["kind"] for event in mine["timeline"]]
    assert kinds[:2] == ["filed", "evidence_added"]
    assert "contest" in kinds and kinds[-1] == "decide"
    assert "claimed" not in kinds  # the claim is staff-only


def test_case_b_supplement_without_evidence_closes_when_the_deadline_passes(world, receiver, time_machine):
    api = world["api"]
    time_machine.move_to(timezone.now())
    response = api["consumer"].post_form(
        "/reports",
        {
            "target_type": "order",
            "target_id": "O-1001",
            "category": "not_as_described",
            "description": "Imported fish-oil supplement does not match its description. 与描述不符。",
            "remedy_wanted": "return_and_refund",
        },
    )
    assert response.status_code == 201
    case = response.json()
    ref = case["reference"]
    assert case["state"] == "needs_evidence"
    assert case["admissibility"]["missing_evidence"] == ["photo_of_product"]
    due = case["deadlines"]["evidence_due_at"]
    assert due is not None

    clocks.tick()  # nothing is due yet
    assert api["consumer"].get(f"/cases/{ref}").json()["state"] == "needs_evidence"

    time_machine.shift(timedelta(days=7, minutes=1))
    report = clocks.tick()
    assert report.evidence_closed == 1
    assert clocks.tick().evidence_closed == 0  # fires once

    seen = api["consumer"].get(f"/cases/{ref}", lang="en").json()
    assert seen["state"] == "decided"
    [decision] = seen["decisions"]
    assert decision["outcome"] == "not_upheld"
    assert decision["reason_codes"] == ["insufficient_evidence"]
    assert decision["automated"] is True
    assert "Evidence that would have been needed: Photo of the product" in decision["statement_text"]
    assert "12315" in decision["statement_text"]
    # No points, so no penalty to appeal: the statement offers none.
    assert decision["statement"]["appeal"]["penalty_appeal_until"] is None
    assert "The merchant may appeal" not in decision["statement_text"]
    assert not PointEntry.objects.exists()
    # Evidence sent after the deadline is refused, not silently attached.
    late = api["consumer"].post_form(f"/cases/{ref}/evidence", {}, files=[("p.jpg", f.jpeg(), "photo_of_product")])
    assert late.status_code == 409


def test_case_b_reviewer_decides_insufficient_evidence(world):
    api = world["api"]
    ref = (
        api["consumer"]
        .post_form(
            "/reports",
            {
                "target_type": "order",
                "target_id": "O-1001",
                "category": "not_as_described",
                "description": "保健品与描述不符",
                "remedy_wanted": "refund",
            },
        )
        .json()["reference"]
    )
    assert api["reviewer"].post_json(f"/review/cases/{ref}/claim", {}).status_code == 200
    decided = api["reviewer"].post_json(
        f"/review/cases/{ref}/decision",
        {
            "outcome": "not_upheld",
            "reason_codes": ["insufficient_evidence"],
            "statement": "The report gives no photo or document showing how the product differs from its listing.",
        },
    )
    assert decided.status_code == 200, decided.content
    text = api["consumer"].get(f"/cases/{ref}", lang="en").json()["decisions"][0]["statement_text"]
    assert "Evidence that would have been needed: Photo of the product, Screenshot of the advertising" in text
    assert "made by a reviewer" in text


def test_adding_the_missing_evidence_admits_the_case(world):
    api = world["api"]
    ref = (
        api["consumer"]
        .post_form(
            "/reports",
            {
                "target_type": "order",
                "target_id": "O-1001",
                "category": "not_as_described",
                "description": "与描述不符",
                "remedy_wanted": "refund",
            },
        )
        .json()["reference"]
    )
    added = api["consumer"].post_form(f"/cases/{ref}/evidence", {}, files=[("p.jpg", f.jpeg(), "photo_of_product")])
    assert added.status_code == 200, added.content
    body = added.json()
    assert body["state"] == "awaiting_merchant"
    assert body["deadlines"]["response_due_at"] is not None


def test_quality_report_120_days_after_delivery_is_inadmissible_with_reasons_and_alternatives(world):
    api = world["api"]
    old = f.order(world["shop"], "C1", external_id="O-OLD", delivered_at=timezone.now() - timedelta(days=120))
    response = api["consumer"].post_form(
        "/reports",
        {
            "target_type": "order",
            "target_id": old.external_id,
            "category": "product_quality",
            "description": "面霜使用后过敏",
            "remedy_wanted": "refund",
        },
        files=[("p.jpg", f.jpeg(), "photo_of_product")],
    )
    assert response.status_code == 201
    case = response.json()
    assert case["state"] == "inadmissible"
    adm = case["admissibility"]
    assert adm["reason_code"] == "out_of_window"
    assert adm["rulebook_version"] == loader.in_force(timezone.now()).version
    assert adm["dates"]["delivered_at"] and adm["dates"]["window_closes_at"]
    assert "30 days of delivery" in adm["explanation"]["en"]
    assert "120 days after delivery" in adm["explanation"]["en"]
    assert "report the listing" in adm["explanation"]["en"]
    assert {a["code"] for a in adm["alternatives"]} == {"customer_service", "consumer_association", "court"}
    assert any("12315" in a["zh"] for a in adm["alternatives"])


def test_category_that_does_not_apply_to_the_target_is_inadmissible(world):
    response = world["api"]["consumer"].post_form(
        "/reports",
        {
            "target_type": "merchant",
            "target_id": "M-TOKYO",
            "category": "damaged_on_arrival",
            "description": "店铺商品经常破损",
            "remedy_wanted": "refund",
        },
    )
    case = response.json()
    assert case["state"] == "inadmissible"
    assert case["admissibility"]["reason_code"] == "out_of_scope"


def test_same_create_twice_with_one_idempotency_key_makes_one_case(world):
    api = world["api"]["consumer"]
    fields = {
        "target_type": "order",
        "target_id": "O-1001",
        "category": "product_quality",
        "description": "质量问题",
        "remedy_wanted": "refund",
    }
    first = api.post_form(
        "/reports", fields, files=[("p.jpg", f.jpeg(), "photo_of_product")], **{"Idempotency-Key": "retry-123"}
    )
    second = api.post_form(
        "/reports", fields, files=[("p.jpg", f.jpeg(), "photo_of_product")], **{"Idempotency-Key": "retry-123"}
    )
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["reference"] == second.json()["reference"]
    assert api.get("/cases").json()["count"] == 1
    # Another key is another report: the same complaint again is refused while the first is open...
    third = api.post_form("/reports", fields, **{"Idempotency-Key": "another"})
    assert third.status_code == 409
    assert third.json()["code"] == "duplicate_report"
    assert third.json()["details"] == {"case": first.json()["reference"]}
    assert first.json()["reference"] in third.json()["hint"]
    # ...and a different complaint about the same order makes a new case.
    other = api.post_form("/reports", fields | {"category": "not_as_described"}, **{"Idempotency-Key": "another"})
    assert other.status_code == 201
    assert other.json()["reference"] != first.json()["reference"]


def test_merchant_silence_upholds_expired_goods_automatically(world, receiver, time_machine):
    api = world["api"]
    time_machine.move_to(timezone.now())
    ref = (
        api["consumer"]
        .post_form(
            "/reports",
            {
                "target_type": "order",
                "target_id": "O-1001",
                "category": "expired_goods",
                "description": "过期商品",
                "remedy_wanted": "refund",
            },
            files=[("e.jpg", f.jpeg(), "photo_of_expiry_date")],
        )
        .json()["reference"]
    )
    time_machine.shift(timedelta(days=3, minutes=1))
    assert clocks.tick().silence_handled == 1
    seen = api["consumer"].get(f"/cases/{ref}").json()
    assert seen["state"] == "decided"
    assert seen["decisions"][0]["automated"] is True
    assert seen["decisions"][0]["reason_codes"] == ["merchant_silent"]
    assert PointEntry.objects.get().points == 6


def test_merchant_accepting_the_remedy_resolves_the_case_and_instructs_the_refund(world, receiver):
    api = world["api"]
    ref = (
        api["consumer"]
        .post_form(
            "/reports",
            {
                "target_type": "order",
                "target_id": "O-1001",
                "category": "damaged_on_arrival",
                "description": "瓶子碎了",
                "remedy_wanted": "refund",
            },
            files=[("broken.jpg", f.jpeg(), "photo_of_damage")],
        )
        .json()["reference"]
    )
    accepted = api["merchant"].post_form(f"/cases/{ref}/response", {"kind": "accept", "explanation": "同意退款"})
    assert accepted.status_code == 200
    assert accepted.json()["state"] == "resolved"
    assert not PointEntry.objects.exists()
    deliver_due()
    [refund] = webhooks(receiver, "remedy.instructed")
    assert Decimal(refund["data"]["total"]) == Decimal("424.79")
    assert webhooks(receiver, "case.resolved")[0]["data"]["case"] == ref
    again = api["merchant"].post_form(f"/cases/{ref}/response", {"kind": "contest", "explanation": "改主意了"})
    assert again.status_code == 409
    assert again.json()["code"] == "transition_not_allowed"


def test_partly_upheld_refunds_the_amount_decided_and_gives_the_lower_points(world, receiver):
    api = world["api"]
    ref = (
        api["consumer"]
        .post_form(
            "/reports",
            {
                "target_type": "order",
                "target_id": "O-1001",
                "category": "product_quality",
                "description": "面霜有异味",
                "remedy_wanted": "refund",
            },
            files=[("cream.jpg", f.jpeg(), "photo_of_product")],
        )
        .json()["reference"]
    )
    api["merchant"].post_form(
        f"/cases/{ref}/response",
        {"kind": "rectify", "explanation": "批次问题", "rectification_plan": "下架该批次并更换供应商"},
    )
    api["reviewer"].post_json(f"/review/cases/{ref}/claim", {})
    missing_amount = api["reviewer"].post_json(
        f"/review/cases/{ref}/decision",
        {
            "outcome": "partly_upheld",
            "reason_codes": ["partly_established"],
            "statement": "异味属实，但商品仍可使用，支持部分退款。",
        },
    )
    assert missing_amount.status_code == 422 and missing_amount.json()["field"] == "remedy_amount"
    decided = api["reviewer"].post_json(
        f"/review/cases/{ref}/decision",
        {
            "outcome": "partly_upheld",
            "reason_codes": ["partly_established"],
            "remedy_amount": "100.00",
            "statement": "异味属实，但商品仍可使用，支持部分退款。",
        },
    )
    assert decided.status_code == 200, decided.content
    assert PointEntry.objects.get().points == 2
    deliver_due()
    [refund] = webhooks(receiver, "remedy.instructed")
    assert (refund["data"]["amount"], refund["data"]["tariff_amount"]) == ("100.00", "0")
    merchant_view = api["merchant"].get(f"/cases/{ref}").json()
    assert merchant_view["responses"][0]["rectification_plan"] == "下架该批次并更换供应商"
