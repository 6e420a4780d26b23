"""Rectification orders: ordered with a decision, proven by the merchant, checked; missed or rejected
ones cost the rulebook's points."""

from datetime import timedelta

import pytest
from django.utils import timezone

from plaint.accounts.models import Role
from plaint.cases import clocks
from plaint.enforcement.standing import total
from tests import factories as f
from tests.api_client import ApiClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(time_machine):
    time_machine.move_to(timezone.now())
    shop = f.merchant("M-A")
    for n in range(3):
        f.order(shop, "C1", external_id=f"O-{n}", delivered_at=timezone.now() - timedelta(days=1))
    return {
        "shop": shop,
        "consumer": ApiClient(f.token(f.consumer_user("C1"))),
        "merchant": ApiClient(f.token(f.user(Role.MERCHANT, merchant=shop))),
        "reviewer": ApiClient(f.token(f.user(Role.REVIEWER))),
    }


def decided_with_rectification(world, order_id: str) -> dict:
    ref = (
        world["consumer"]
        .post_form(
            "/reports",
            {
                "target_type": "order",
                "target_id": order_id,
                "category": "not_as_described",
                "description": "页面写无添加，实物配料表含香精",
                "remedy_wanted": "refund",
            },
            files=[("label.jpg", f.jpeg(), "photo_of_product")],
        )
        .json()["reference"]
    )
    world["merchant"].post_form(f"/cases/{ref}/response", {"kind": "contest", "explanation": "页面描述无误"})
    world["reviewer"].post_json(f"/review/cases/{ref}/claim", {})
    decided = world["reviewer"].post_json(
        f"/review/cases/{ref}/decision",
        {
            "outcome": "upheld",
            "reason_codes": ["violation_established"],
            "statement": "配料表与页面宣传不符，违规成立。",
            "rectification": {"kind": "fix_listing", "instructions": "删除商品页“无添加”的宣传用语"},
        },
    )
    assert decided.status_code == 200, decided.content
    case = world["merchant"].get(f"/cases/{ref}").json()
    [rect] = case["rectifications"]
    return rect | {"case": ref}


def test_proof_accepted_closes_the_rectification_without_more_points(world):
    rect = decided_with_rectification(world, "O-0")
    assert rect["state"] == "ordered"
    sent = world["merchant"].post_form(
        f"/rectifications/{rect['id']}/proof",
        {"proof": "已删除宣传用语"},
        files=[("after.png", f.jpeg(), "advertising_screenshot")],
    )
    assert sent.status_code == 200, sent.content
    assert sent.json()["state"] == "submitted"
    checked = world["reviewer"].post_json(
        f"/rectifications/{rect['id']}/review", {"accept": True, "reasons": "页面已修改，核实无误"}
    )
    assert checked.json()["state"] == "accepted"
    assert total(world["shop"], "general", timezone.now()) == 3  # only the decision's own points
    kinds = [e["kind"] for e in world["consumer"].get(f"/cases/{rect['case']}").json()["timeline"]]
    assert kinds[-3:] == ["evidence_added", "rectification_submitted", "rectification_accepted"]


def test_rejected_proof_has_the_rulebook_consequence(world):
    rect = decided_with_rectification(world, "O-1")
    world["merchant"].post_form(f"/rectifications/{rect['id']}/proof", {"proof": "改了"})
    rejected = world["reviewer"].post_json(
        f"/rectifications/{rect['id']}/review", {"accept": False, "reasons": "页面仍有“无添加”字样"}
    )
    assert rejected.json()["state"] == "rejected"
    assert total(world["shop"], "general", timezone.now()) == 3 + 6
    again = world["merchant"].post_form(f"/rectifications/{rect['id']}/proof", {"proof": "再改"})
    assert again.status_code == 409


def test_a_missed_deadline_has_the_consequence_once(world, time_machine):
    rect = decided_with_rectification(world, "O-2")
    time_machine.shift(timedelta(days=7, minutes=1))
    late = world["merchant"].post_form(f"/rectifications/{rect['id']}/proof", {"proof": "晚了"})
    assert late.status_code == 409 and late.json()["code"] == "rectification_overdue"
    assert clocks.tick().rectifications_missed == 1
    assert clocks.tick().rectifications_missed == 0
    assert total(world["shop"], "general", timezone.now()) == 3 + 6


def test_only_the_merchant_proves_and_only_reviewers_check(world):
    rect = decided_with_rectification(world, "O-0")
    other = ApiClient(f.token(f.user(Role.MERCHANT, merchant=f.merchant("M-B"))))
    assert other.post_form(f"/rectifications/{rect['id']}/proof", {"proof": "x"}).status_code == 404
    assert world["consumer"].post_form(f"/rectifications/{rect['id']}/proof", {"proof": "x"}).status_code == 403
    world["merchant"].post_form(f"/rectifications/{rect['id']}/proof", {"proof": "已修改"})
    assert (
        world["merchant"]
        .post_json(f"/rectifications/{rect['id']}/review", {"accept": True, "reasons": "我自己批准"})
        .status_code
        == 403
    )


def test_a_report_not_upheld_orders_no_rectification(world):
    ref = (
        world["consumer"]
        .post_form(
            "/reports",
            {
                "target_type": "order",
                "target_id": "O-0",
                "category": "not_as_described",
                "description": "不符",
                "remedy_wanted": "refund",
            },
            files=[("p.jpg", f.jpeg(), "photo_of_product")],
        )
        .json()["reference"]
    )
    world["merchant"].post_form(f"/cases/{ref}/response", {"kind": "contest", "explanation": "无误"})
    world["reviewer"].post_json(f"/review/cases/{ref}/claim", {})
    refused = world["reviewer"].post_json(
        f"/review/cases/{ref}/decision",
        {
            "outcome": "not_upheld",
            "reason_codes": ["unfounded"],
            "statement": "照片与页面一致，举报不成立。",
            "rectification": {"kind": "fix_listing", "instructions": "x"},
        },
    )
    assert refused.status_code == 422 and refused.json()["field"] == "rectification"
