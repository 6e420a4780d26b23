"""One report, several problems of the same order (issue 17 item 5; rulebook v4 [problems]), through the API.

Each problem is judged against its own window and evidence, answered and decided on its own; points
follow each upheld problem, except those another upheld problem absorbs; one open report per problem.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from plaint.accounts.models import Role
from plaint.cases import clocks
from plaint.cases.models import Case, CaseProblem, Decision
from plaint.enforcement.models import PointEntry
from tests import factories as f
from tests.api_client import ApiClient

pytestmark = pytest.mark.django_db
CST = ZoneInfo("Asia/Shanghai")
STATEMENT = "The photos show the cream expired on 2026-09-30 and the jar cracked in transit."


@pytest.fixture
def world(time_machine):
    # Rulebook version 4 is in force from 2026-12-08 00:00 +08:00.
    time_machine.move_to(datetime(2026, 12, 9, 10, 0, tzinfo=CST), tick=False)
    shop = f.merchant("M-TOKYO")
    cream = f.listing(shop, "L-CREAM")
    f.order(shop, "C1", listing_obj=cream, external_id="O-4", delivered_at=timezone.now() - timedelta(days=4))
    f.order(shop, "C1", listing_obj=cream, external_id="O-10", delivered_at=timezone.now() - timedelta(days=10))
    f.order(shop, "C1", listing_obj=cream, external_id="O-40", delivered_at=timezone.now() - timedelta(days=40))
    users = {
        "consumer": f.consumer_user("C1"),
        "merchant": f.user(Role.MERCHANT, merchant=shop),
        "reviewer": f.user(Role.REVIEWER),
    }
    return {"shop": shop, "api": {name: ApiClient(f.token(u)) for name, u in users.items()}}


PHOTOS = {
    "expiry": ("expiry.jpg", "photo_of_expiry_date"),
    "damage": ("damage.jpg", "photo_of_damage"),
    "product": ("product.jpg", "photo_of_product"),
}


def file(api, order="O-4", category="expired_goods", also=("damaged_on_arrival",), photos=("expiry", "damage")):
    colors = iter(["white", "brown", "gray", "blue"])
    return api.post_form(
        "/reports",
        {
            "target_type": "order",
            "target_id": order,
            "category": category,
            "also": list(also),
            "description": "面霜过期了，而且瓶子碎了。Expired and the jar arrived cracked.",
            "remedy_wanted": "refund",
        },
        files=[(PHOTOS[p][0], f.jpeg(next(colors)), PHOTOS[p][1]) for p in photos],
    )


def problems_of(reference):
    return {p.category: p for p in CaseProblem.objects.filter(case__reference=reference)}


def to_review(world, ref, accepted=()):
    answered = world["api"]["merchant"].post_form(
        f"/cases/{ref}/response",
        {"kind": "contest", "explanation": "发货时在保质期内。", "accepted": list(accepted)},
    )
    assert answered.status_code == 200, answered.content
    assert world["api"]["reviewer"].post_json(f"/review/cases/{ref}/claim", {}).status_code == 200


def decide(world, ref, outcome, problems, **extra):
    return world["api"]["reviewer"].post_json(
        f"/review/cases/{ref}/decision",
        {"outcome": outcome, "reason_codes": ["violation_established"], "statement": STATEMENT, "problems": problems}
        | extra,
    )


def test_two_problems_are_filed_on_one_case_each_admitted(world):
    response = file(world["api"]["consumer"])
    assert response.status_code == 201, response.content
    body = response.json()
    # The main category is the case's: every list and figure counts the case once, under it.
    assert (body["category"], body["state"]) == ("expired_goods", "awaiting_merchant")
    assert [(p["category"], p["outcome"]) for p in body["admissibility"]["problems"]] == [
        ("expired_goods", "admitted"),
        ("damaged_on_arrival", "admitted"),
    ]
    case = world["api"]["consumer"].get(f"/cases/{body['reference']}").json()
    assert [(p["category"], p["main"]) for p in case["problems"]] == [
        ("expired_goods", True),
        ("damaged_on_arrival", False),
    ]


def test_a_problem_out_of_its_window_is_refused_alone(world):
    # Delivered ten days ago: expired goods have 30 days, damage on arrival 7.
    response = file(world["api"]["consumer"], order="O-10")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "awaiting_merchant"
    expired, damaged = body["admissibility"]["problems"]
    assert expired["outcome"] == "admitted"
    assert (damaged["outcome"], damaged["reason_code"]) == ("inadmissible", "out_of_window")
    assert "within 7 days of delivery" in damaged["explanation"]["en"]
    assert "Damaged on arrival:" in body["admissibility"]["explanation"]["en"]


def test_every_problem_out_of_its_window_makes_the_report_inadmissible(world):
    body = file(world["api"]["consumer"], order="O-40").json()
    assert body["state"] == "inadmissible"
    assert body["admissibility"]["reason_code"] == "out_of_window"
    assert {p["outcome"] for p in body["admissibility"]["problems"]} == {"inadmissible"}


def test_each_problem_waits_for_its_own_evidence(world):
    api = world["api"]["consumer"]
    body = file(api, photos=("expiry",)).json()
    assert body["state"] == "needs_evidence"
    assert body["admissibility"]["missing_evidence"] == ["photo_of_damage"]
    assert problems_of(body["reference"])["expired_goods"].intake == "admitted"
    added = api.post_form(
        f"/cases/{body['reference']}/evidence", {}, files=[("d.jpg", f.jpeg("red"), "photo_of_damage")]
    )
    assert added.status_code == 200, added.content
    assert added.json()["state"] == "awaiting_merchant"
    assert problems_of(body["reference"])["damaged_on_arrival"].intake == "admitted"


def test_at_the_evidence_deadline_the_evidenced_problems_go_on(world, time_machine):
    body = file(world["api"]["consumer"], photos=("expiry",)).json()
    case = Case.objects.get(reference=body["reference"])
    time_machine.move_to(case.evidence_due_at + timedelta(minutes=1), tick=False)
    clocks.tick()
    case.refresh_from_db()
    assert case.state == "awaiting_merchant"
    damaged = problems_of(case.reference)["damaged_on_arrival"]
    assert damaged.outcome == "not_upheld"
    assert not Decision.objects.filter(case=case).exists()


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"target_type": "listing", "target_id": "L-CREAM"}, "several_problems_need_an_order"),
        ({"also": ["expired_goods"]}, "problem_named_twice"),
        ({"also": ["no_such_thing"]}, "unknown_category"),
        ({"also": ["damaged_on_arrival", "not_as_described", "product_quality"]}, "too_many_problems"),
    ],
)
def test_several_problems_refused_with_the_reason(world, fields, code):
    data = {
        "target_type": "order",
        "target_id": "O-4",
        "category": "expired_goods",
        "also": ["damaged_on_arrival"],
        "description": "Expired and cracked.",
    } | fields
    response = world["api"]["consumer"].post_form("/reports", data)
    assert response.status_code == 422, response.content
    assert (response.json()["code"], response.json()["field"]) == (code, "also")
    assert not Case.objects.exists()


def test_several_problems_are_refused_before_rulebook_version_4(world, time_machine):
    time_machine.move_to(datetime(2026, 12, 2, 10, 0, tzinfo=CST), tick=False)
    response = file(world["api"]["consumer"])
    assert response.status_code == 422
    assert response.json()["code"] == "several_problems_not_available"


def test_a_second_open_report_of_any_of_the_problems_is_refused(world):
    api = world["api"]["consumer"]
    first = file(api).json()["reference"]
    # The second problem alone, as a new report's main category.
    again = file(api, category="damaged_on_arrival", also=(), photos=("damage",))
    assert again.status_code == 409, again.content
    assert (again.json()["code"], again.json()["details"]["case"]) == ("duplicate_report", first)
    # A new problem with one already open among its others.
    mixed = file(api, category="not_as_described", also=("expired_goods",), photos=("product", "expiry"))
    assert mixed.status_code == 409
    assert mixed.json()["details"]["case"] == first
    assert Case.objects.count() == 1
    # Once the first is closed, the same problems may be reported again.
    Case.objects.filter(reference=first).update(state="withdrawn")
    assert file(api, category="damaged_on_arrival", also=(), photos=("damage",)).status_code == 201


def test_the_merchant_answers_each_problem(world):
    ref = file(world["api"]["consumer"]).json()["reference"]
    to_review(world, ref, accepted=["damaged_on_arrival"])
    found = problems_of(ref)
    assert (found["expired_goods"].answer, found["damaged_on_arrival"].answer) == ("contest", "accept")
    case = world["api"]["reviewer"].get(f"/cases/{ref}").json()
    assert {p["category"]: p["answer"] for p in case["problems"]} == {
        "expired_goods": "contest",
        "damaged_on_arrival": "accept",
    }


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"kind": "contest", "accepted": ["not_as_described"]}, "unknown_problem"),
        ({"kind": "contest", "accepted": ["expired_goods", "damaged_on_arrival"]}, "every_problem_accepted"),
    ],
)
def test_the_merchant_answer_refused_with_the_reason(world, fields, code):
    ref = file(world["api"]["consumer"]).json()["reference"]
    response = world["api"]["merchant"].post_form(f"/cases/{ref}/response", {"explanation": "答复。"} | fields)
    assert response.status_code == 422, response.content
    assert (response.json()["code"], response.json()["field"]) == (code, "accepted")
    assert Case.objects.get(reference=ref).state == "awaiting_merchant"


def test_accepted_on_a_report_of_one_problem_is_refused(world):
    ref = file(world["api"]["consumer"], also=(), photos=("expiry",)).json()["reference"]
    response = world["api"]["merchant"].post_form(
        f"/cases/{ref}/response", {"kind": "contest", "explanation": "答复。", "accepted": ["expired_goods"]}
    )
    assert response.status_code == 422
    assert response.json()["code"] == "accepted_not_applicable"


def test_the_reviewer_decides_each_problem_and_points_follow_each_upheld_one(world):
    ref = file(world["api"]["consumer"]).json()["reference"]
    to_review(world, ref)
    decided = decide(
        world,
        ref,
        "partly_upheld",
        {"expired_goods": "upheld", "damaged_on_arrival": "not_upheld"},
        remedy_amount="200.00",
    )
    assert decided.status_code == 200, decided.content
    body = decided.json()
    assert {p["category"]: (p["outcome"], p["points"]) for p in body["problems"]} == {
        "expired_goods": ("upheld", 6),
        "damaged_on_arrival": ("not_upheld", 0),
    }
    [statement] = [d["statement"] for d in body["decisions"]]
    assert [(p["category"], p["outcome"], p["points"]) for p in statement["problems"]] == [
        ("expired_goods", "upheld", 6),
        ("damaged_on_arrival", "not_upheld", 0),
    ]
    assert list(PointEntry.objects.values_list("track", "points")) == [("serious", 6)]


def test_both_problems_upheld_put_points_on_each_track(world):
    ref = file(world["api"]["consumer"]).json()["reference"]
    to_review(world, ref)
    decided = decide(world, ref, "upheld", {"expired_goods": "upheld", "damaged_on_arrival": "upheld"})
    assert decided.status_code == 200, decided.content
    assert sorted(PointEntry.objects.values_list("track", "points")) == [("general", 2), ("serious", 6)]
    assert Decision.objects.get(case__reference=ref).points == 8


def test_an_absorbed_problem_adds_no_points(world):
    # Counterfeit absorbs not as described (rulebook v4 [problems.absorbs]): one fact, the heavier points.
    ref = file(
        world["api"]["consumer"], category="not_as_described", also=("counterfeit",), photos=("product",)
    ).json()["reference"]
    to_review(world, ref)
    decided = decide(world, ref, "upheld", {"not_as_described": "upheld", "counterfeit": "upheld"})
    assert decided.status_code == 200, decided.content
    found = problems_of(ref)
    assert (found["not_as_described"].points, found["not_as_described"].absorbed_by) == (0, "counterfeit")
    assert found["counterfeit"].points == 12
    assert list(PointEntry.objects.values_list("track", "points")) == [("serious", 12)]


@pytest.mark.parametrize(
    ("outcome", "problems", "code", "field"),
    [
        ("upheld", None, "decide_each_problem", "problems"),
        ("upheld", {"expired_goods": "upheld"}, "decide_each_problem", "problems"),
        (
            "upheld",
            {"expired_goods": "upheld", "damaged_on_arrival": "not_upheld"},
            "outcome_does_not_match_problems",
            "outcome",
        ),
        ("upheld", {"expired_goods": "upheld", "damaged_on_arrival": "maybe"}, "unknown_outcome", "problems"),
    ],
)
def test_a_decision_that_does_not_decide_each_problem_is_refused(world, outcome, problems, code, field):
    ref = file(world["api"]["consumer"]).json()["reference"]
    to_review(world, ref)
    response = decide(world, ref, outcome, problems)
    assert response.status_code == 422, response.content
    assert (response.json()["code"], response.json()["field"]) == (code, field)
    assert Case.objects.get(reference=ref).state == "awaiting_review"
    assert not PointEntry.objects.exists()


def test_accepting_the_remedy_accepts_every_problem_and_records_the_marked_points(world):
    ref = file(world["api"]["consumer"]).json()["reference"]
    accepted = world["api"]["merchant"].post_form(
        f"/cases/{ref}/response", {"kind": "accept", "explanation": "同意退款。"}
    )
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["state"] == "resolved"
    found = problems_of(ref)
    assert {p.answer for p in found.values()} == {"accept"}
    # Expired goods record their points on acceptance (v3 on); damage on arrival does not.
    assert list(PointEntry.objects.values_list("track", "points")) == [("serious", 6)]
    assert (found["expired_goods"].outcome, found["damaged_on_arrival"].outcome) == ("upheld", "")


def test_silence_upholds_every_problem(world, time_machine):
    ref = file(world["api"]["consumer"]).json()["reference"]
    case = Case.objects.get(reference=ref)
    time_machine.move_to(case.response_due_at + timedelta(minutes=1), tick=False)
    clocks.tick()
    case.refresh_from_db()
    assert case.state == "decided"
    assert {p.outcome for p in problems_of(ref).values()} == {"upheld"}
    assert sorted(PointEntry.objects.values_list("track", "points")) == [("general", 2), ("serious", 6)]


def test_the_dsa_statement_rests_on_the_upheld_problem_not_the_main_one(world):
    from plaint.dsa.statements import for_decision

    ref = file(world["api"]["consumer"], category="damaged_on_arrival", also=("expired_goods",)).json()["reference"]
    to_review(world, ref)
    decided = decide(
        world,
        ref,
        "partly_upheld",
        {"damaged_on_arrival": "not_upheld", "expired_goods": "upheld"},
        remedy_amount="100.00",
    )
    assert decided.status_code == 200, decided.content
    statement = for_decision(Decision.objects.get(case__reference=ref))
    # Expired goods' classification (rulebook [dsa.categories.expired_goods]), not damage on arrival's.
    assert statement["category"] == "STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS"
    assert "illegal_content_legal_ground" in statement
    assert "Expired goods upheld (6 violation points, serious track)" in statement["decision_facts"]


def test_a_problem_upheld_among_several_counts_as_a_repeat_of_its_category(world):
    # Counterfeit upheld as the second problem of a first report (its main one not upheld) ...
    first = file(
        world["api"]["consumer"], category="not_as_described", also=("counterfeit",), photos=("product",)
    ).json()["reference"]
    to_review(world, first)
    decided = decide(
        world, first, "partly_upheld", {"not_as_described": "not_upheld", "counterfeit": "upheld"}, remedy_amount="50"
    )
    assert decided.status_code == 200, decided.content
    # ... makes a later counterfeit report of the same merchant a repeat: its points doubled (repeat_multiplier 2).
    second = file(world["api"]["consumer"], order="O-10", category="counterfeit", also=(), photos=("product",))
    ref = second.json()["reference"]
    to_review(world, ref)
    assert decide(world, ref, "upheld", None).status_code == 200
    assert Decision.objects.get(case__reference=ref).points == 24
