"""The penalty ladder: repeated upheld cases cost more, measures start and end by webhook, points reset
at the year's end except a serious total of 48 or more."""

import itertools
import json
from datetime import datetime, timedelta, timezone

import pytest

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


def test_a_serious_total_of_48_does_not_reset_and_removes_the_merchant(world, receiver, time_machine):
    b = world["b"]
    for _ in range(4):
        upheld(world, b, "counterfeit")
    assert total(b, "serious", datetime.now(tz=CST)) == 48
    kinds = [m["kind"] for m in sent(receiver, "measure.started")]
    assert kinds.count("takedown") == 2 and kinds.count("removal") == 1
    takedowns = Measure.objects.filter(merchant=b, kind="takedown").order_by("threshold")
    assert [(m.threshold, (m.ends_at - m.starts_at).days) for m in takedowns] == [(24, 14), (36, 21)]
    removal = Measure.objects.get(merchant=b, kind="removal")
    assert removal.ends_at is None and len(removal.cases) == 4

    time_machine.move_to(datetime(2027, 1, 2, 9, 0, tzinfo=CST))
    assert total(b, "serious", datetime.now(tz=CST)) == 48
    standing = ApiClient(f.token(f.user(Role.SUPERVISOR))).get("/merchants/M-B/standing").json()
    assert standing["tracks"]["serious"]["next_threshold"] is None
    assert all(e["expires_at"] is None for e in standing["tracks"]["serious"]["entries"])
    assert any(m["kind"] == "removal" for m in standing["active_measures"])


def test_standing_is_for_the_merchant_itself_and_staff(world):
    assert ApiClient(f.token(world["staff"]["M-B"])).get("/merchants/M-A/standing").status_code == 404
    assert ApiClient(f.token(world["consumer"])).get("/merchants/M-A/standing").status_code == 404
    assert ApiClient(f.token(world["staff"]["M-A"])).get("/merchants/M-A/standing").status_code == 200
    assert ApiClient(f.token(world["reviewer"])).get("/merchants/M-404/standing").status_code == 404
