"""The penalty ladder: repeated upheld cases cost more, measures start and end by webhook, points reset
at the year's end except a serious total of 48 or more."""

import itertools
import json
from datetime import datetime, timedelta, timezone

import pytest
from django.test import Client

from plaint.accounts.models import Role
from plaint.cases import actions
from plaint.cases.inputs import DecisionIn, ReportIn, ResponseIn
from plaint.enforcement.actions import end_due_measures
from plaint.enforcement.models import Measure
from plaint.enforcement.standing import total
from plaint.evidence.actions import Upload
from plaint.notifications.delivery import deliver_due
from plaint.notifications.models import WebhookEndpoint
from tests import factories as f
from tests.api_client import ApiClient

pytestmark = pytest.mark.django_db
CST = timezone(timedelta(hours=8))
_orders = itertools.count(1)

EVIDENCE = {"counterfeit": "photo_of_product", "product_quality": "photo_of_product"}


def upheld(world, merchant, category: str) -> str:
    """File a report against the merchant, have it contested and upheld; return the case reference."""
    from django.utils import timezone as tz

    order = f.order(merchant, "C1", external_id=f"O-{next(_orders)}", delivered_at=tz.now() - timedelta(days=1))
    data = ReportIn(target_type="order", target_id=order.external_id, category=category, description="违规 violation")
    case = actions.file_report(world["consumer"], data, [Upload("p.jpg", f.jpeg(), EVIDENCE[category])]).case
    staff = world["staff"][merchant.external_id]
    actions.respond_as_merchant(staff, case, ResponseIn(kind="contest", explanation="不同意"))
    actions.claim_case(world["reviewer"], case)
    actions.decide_case(
        world["reviewer"],
        case,
        DecisionIn(
            outcome="upheld",
            reason_codes=["violation_established"],
            statement="证据充分，违规成立。Violation established.",
        ),
    )
    return case.reference


@pytest.fixture
def world(receiver, time_machine):
    time_machine.move_to(datetime(2026, 12, 1, 10, 0, tzinfo=CST))
    a = f.merchant("M-A", name="Shop A")
    b = f.merchant("M-B", name="Shop B")
    f.order(a, "C1", external_id="O-0")
    WebhookEndpoint.objects.create(name="marketplace", url=receiver.url, secret="s")
    return {
        "a": a,
        "b": b,
        "consumer": f.consumer_user("C1"),
        "reviewer": f.user(Role.REVIEWER),
        "staff": {"M-A": f.user(Role.MERCHANT, merchant=a), "M-B": f.user(Role.MERCHANT, merchant=b)},
    }


def sent(receiver, topic: str) -> list[dict]:
    deliver_due(datetime.now(tz=CST) + timedelta(seconds=1))
    return [json.loads(r.body)["data"] for r in receiver.requests if r.headers["X-Plaint-Topic"] == topic]


def test_one_merchant_up_the_ladder_and_across_the_year_end(world, receiver, time_machine):
    a = world["a"]
    first = upheld(world, a, "counterfeit")  # serious 12
    assert total(a, "serious", datetime.now(tz=CST)) == 12
    started = sent(receiver, "measure.started")
    assert sorted(m["kind"] for m in started) == ["listing_restriction", "warning"]
    restriction = next(m for m in started if m["kind"] == "listing_restriction")
    assert restriction["trigger_case"] == first and restriction["cases"] == [first]
    assert datetime.fromisoformat(restriction["ends_at"]) - datetime.fromisoformat(restriction["starts_at"]) == (
        timedelta(days=7)
    )

    for _ in range(3):
        upheld(world, a, "product_quality")  # general 4 each: 12 on the third
    assert total(a, "general", datetime.now(tz=CST)) == 12
    kinds = sorted(m["kind"] for m in sent(receiver, "measure.started"))
    assert kinds == ["demotion", "listing_restriction", "warning", "warning"]

    time_machine.shift(timedelta(days=7, minutes=1))
    assert end_due_measures() == 2  # the restriction and the demotion
    assert end_due_measures() == 0  # each ends once
    ended = sent(receiver, "measure.ended")
    assert sorted(m["kind"] for m in ended) == ["demotion", "listing_restriction"]

    standing = ApiClient(f.token(world["staff"]["M-A"])).get("/merchants/M-A/standing").json()
    assert standing["tracks"]["serious"]["total"] == 12
    assert standing["tracks"]["serious"]["next_threshold"]["points"] == 24
    assert standing["tracks"]["serious"]["next_threshold"]["measures"] == [{"kind": "takedown", "days": 14}]
    expires = datetime.fromisoformat(standing["tracks"]["general"]["entries"][0]["expires_at"])
    assert expires == datetime(2027, 1, 1, tzinfo=CST)  # local midnight at the year's end
    assert standing["active_measures"] == []
    assert {m["kind"] for m in standing["history"]} == {"warning", "listing_restriction", "demotion"}

    # The year's end: both tracks below 48 reset.
    time_machine.move_to(datetime(2027, 1, 1, 0, 0, 1, tzinfo=CST))
    assert total(a, "serious", datetime.now(tz=CST)) == 0
    assert total(a, "general", datetime.now(tz=CST)) == 0
    # Crossing 12 again in the new year starts the step again.
    upheld(world, a, "counterfeit")
    assert Measure.objects.filter(merchant=a, kind="warning", track="serious").count() == 2
    public = Client().get("/enforcement/").content.decode()
    # Published: three warnings (two serious, one general) and the new year's takedown (a repeat, x2: 24).
    # Restrictions and demotions are not published.
    assert public.count("Shop A") == 4


def test_a_serious_total_of_48_or_more_does_not_reset_and_removes_the_merchant(world, receiver, time_machine):
    b = world["b"]
    for _ in range(3):
        upheld(world, b, "counterfeit")  # 12, then repeats at x2: 24 and 24
    assert total(b, "serious", datetime.now(tz=CST)) == 60
    kinds = [m["kind"] for m in sent(receiver, "measure.started")]
    assert kinds.count("takedown") == 2 and kinds.count("removal") == 1
    takedowns = Measure.objects.filter(merchant=b, kind="takedown").order_by("threshold")
    assert [(m.threshold, (m.ends_at - m.starts_at).days) for m in takedowns] == [(24, 14), (36, 21)]
    removal = Measure.objects.get(merchant=b, kind="removal")
    assert removal.ends_at is None and len(removal.cases) == 3

    time_machine.move_to(datetime(2027, 1, 2, 9, 0, tzinfo=CST))
    assert total(b, "serious", datetime.now(tz=CST)) == 60
    standing = ApiClient(f.token(f.user(Role.SUPERVISOR))).get("/merchants/M-B/standing").json()
    assert standing["tracks"]["serious"]["next_threshold"] is None
    assert all(e["expires_at"] is None for e in standing["tracks"]["serious"]["entries"])
    assert any(m["kind"] == "removal" for m in standing["active_measures"])


def test_a_repeat_offence_carries_the_rulebook_multiplier_and_says_so(world):
    upheld(world, world["a"], "counterfeit")
    second = upheld(world, world["a"], "counterfeit")
    assert total(world["a"], "serious", datetime.now(tz=CST)) == 12 + 24
    text = ApiClient(f.token(world["consumer"])).get(f"/cases/{second}", lang="en").json()["decisions"][0]
    assert text["points"] == 24
    assert "repeat offence ×2" in text["statement_text"]
    upheld(world, world["a"], "product_quality")  # general: no multiplier in the rulebook
    upheld(world, world["a"], "product_quality")
    assert total(world["a"], "general", datetime.now(tz=CST)) == 8


def test_standing_is_for_the_merchant_itself_and_staff(world):
    assert ApiClient(f.token(world["staff"]["M-B"])).get("/merchants/M-A/standing").status_code == 404
    assert ApiClient(f.token(world["consumer"])).get("/merchants/M-A/standing").status_code == 404
    assert ApiClient(f.token(world["staff"]["M-A"])).get("/merchants/M-A/standing").status_code == 200
    assert ApiClient(f.token(world["reviewer"])).get("/merchants/M-404/standing").status_code == 404


def test_an_overturned_penalty_reverses_its_points_and_lifts_what_it_alone_triggered(world, receiver, time_machine):
    a = world["a"]
    first = upheld(world, a, "counterfeit")  # 12: warning + listing restriction
    second = upheld(world, a, "counterfeit")  # a repeat, x2: 36, two takedowns
    assert total(a, "serious", datetime.now(tz=CST)) == 36
    merchant = ApiClient(f.token(world["staff"]["M-A"]))
    supervisor = ApiClient(f.token(f.user(Role.SUPERVISOR)))

    filed = merchant.post_json(f"/cases/{second}/penalty-appeal", {"grounds": "该批次有海关报关单证明为正品。"})
    assert filed.status_code == 201, filed.content
    again = merchant.post_json(f"/cases/{second}/penalty-appeal", {"grounds": "再次申诉"})
    assert again.status_code == 409 and again.json()["code"] == "appeal_exists"
    assert ApiClient(f.token(world["reviewer"])).get("/appeals").status_code == 403
    [pending] = supervisor.get("/appeals").json()
    assert pending["case"] == second

    decided = supervisor.post_json(
        f"/appeals/{pending['id']}/decision",
        {"overturn": True, "reasons": "报关单与批次一致，原决定证据不足，撤销处罚。"},
    )
    assert decided.status_code == 200 and decided.json()["state"] == "overturned"
    assert total(a, "serious", datetime.now(tz=CST)) == 12
    takedowns = Measure.objects.filter(merchant=a, kind="takedown")
    restriction = Measure.objects.get(merchant=a, kind="listing_restriction")
    assert len(takedowns) == 2
    assert all(t.revoked_at is not None for t in takedowns)  # only the overturned points reached 24 and 36
    assert restriction.revoked_at is None  # the first case still reaches 12
    lifted = sent(receiver, "measure.lifted")
    assert [m["kind"] for m in lifted] == ["takedown", "takedown"]
    assert sent(receiver, "points.revoked")[0]["track_total"] == 12
    timeline = ApiClient(f.token(world["consumer"])).get(f"/cases/{second}").json()["timeline"]
    assert [e["kind"] for e in timeline][-2:] == ["penalty_appeal_filed", "penalty_appeal_decided"]
    assert first != second


def test_a_penalty_appeal_after_the_window_or_by_another_merchant_is_refused(world, time_machine):
    ref = upheld(world, world["a"], "counterfeit")
    assert (
        ApiClient(f.token(world["staff"]["M-B"]))
        .post_json(f"/cases/{ref}/penalty-appeal", {"grounds": "x"})
        .status_code
        == 404
    )
    time_machine.shift(timedelta(days=6, hours=23))
    assert (
        ApiClient(f.token(world["staff"]["M-A"]))
        .post_json(f"/cases/{ref}/penalty-appeal", {"grounds": "及时"})
        .status_code
        == 201
    )
    ref = upheld(world, world["a"], "product_quality")
    time_machine.shift(timedelta(days=7, minutes=1))
    late = ApiClient(f.token(world["staff"]["M-A"])).post_json(f"/cases/{ref}/penalty-appeal", {"grounds": "晚了"})
    assert late.status_code == 409 and late.json()["code"] == "appeal_window_closed"


def test_a_rejected_penalty_appeal_keeps_the_points_and_gives_reasons(world):
    ref = upheld(world, world["a"], "counterfeit")
    appeal = (
        ApiClient(f.token(world["staff"]["M-A"])).post_json(f"/cases/{ref}/penalty-appeal", {"grounds": "不服"}).json()
    )
    supervisor = ApiClient(f.token(f.user(Role.SUPERVISOR)))
    short = supervisor.post_json(f"/appeals/{appeal['id']}/decision", {"overturn": False, "reasons": "不"})
    assert short.status_code == 422 and short.json()["field"] == "reasons"
    done = supervisor.post_json(
        f"/appeals/{appeal['id']}/decision", {"overturn": False, "reasons": "申诉未提供新证据，维持原处罚决定。"}
    )
    assert done.json()["state"] == "rejected"
    assert total(world["a"], "serious", datetime.now(tz=CST)) == 12
    twice = supervisor.post_json(
        f"/appeals/{appeal['id']}/decision", {"overturn": True, "reasons": "改判改判改判改判改判"}
    )
    assert twice.status_code == 409


def test_warnings_suspensions_and_removals_are_published_on_a_public_page(world, client):
    b = world["b"]
    for _ in range(4):
        upheld(world, b, "counterfeit")
    page = client.get("/enforcement/")  # nobody signed in: Chinese by default
    assert page.status_code == 200
    html = page.content.decode()
    assert "Shop B" in html
    assert "清退" in html and "全店商品下架" in html and "警告" in html
    assert "Removed from the platform" not in html
    client.cookies["django_language"] = "en"  # a visitor's language switch
    html = client.get("/enforcement/").content.decode()
    assert "Removed from the platform" in html and "All listings taken down" in html and "Warning" in html
    version = Measure.objects.filter(merchant=b).latest("starts_at").rulebook_version
    assert f"48 points (rulebook version {version})" in html
    assert "Listing restriction" not in html  # restrictions are not among the published kinds
    assert "清退" not in html


def test_the_merchant_portal_shows_the_record_to_the_merchant_only(world):
    upheld(world, world["a"], "counterfeit")
    client = Client()
    assert client.get("/merchant/standing/").status_code == 302  # sign in first
    staff = world["staff"]["M-A"]
    staff.language = "en"  # the record page speaks the merchant's language
    staff.save(update_fields=["language"])
    signed_in = client.post("/accounts/login/", {"username": staff.username, "password": "pw-for-tests"})
    assert signed_in.status_code == 302
    page = client.get("/merchant/standing/").content.decode()
    assert "Shop A" in page and "Serious violations: 12 points" in page
    assert "12 more points reach 24, which brings:" in page and "All listings taken down (14 days)" in page
    assert ">2027-01-01</td>" in page  # the entry expires at the year's end, local time
    reviewer = Client()
    reviewer.force_login(world["reviewer"])
    assert reviewer.get("/merchant/standing/").status_code == 403
