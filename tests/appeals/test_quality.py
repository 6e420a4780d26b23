"""The quality loop: decisions changed on appeal per reviewer, category and rulebook version, for supervisors."""

from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from plaint.accounts.models import Role
from plaint.cases import actions, quality
from plaint.cases.inputs import ReportIn
from plaint.cases.models import Appeal, Decision
from plaint.errors import InvalidInput
from plaint.evidence.actions import Upload
from plaint.notifications.worker import PERIODIC_JOBS
from tests import factories as f
from tests.api_client import ApiClient
from tests.committee.helpers import member

from .conftest import CST, decided
from .test_reconsideration import answered

pytestmark = pytest.mark.django_db

MONTHS = ["2026-07", "2026-08", "2026-09", "2026-10", "2026-11", "2026-12"]


def by_hand(world, case, *, result, decided_at, party="reporter", route="reconsideration", **decision) -> Appeal:
    """Record a decided appeal of the case's decision as it stands in the database (for dates in the past)."""
    first = case.decisions.get()
    if decision:
        Decision.objects.filter(pk=first.pk).update(**decision)
    return Appeal.objects.create(
        case=case,
        decision=first,
        party=party,
        filed_by=world["consumer"] if party == "reporter" else world["staff"],
        grounds="原决定有误。",
        appealed="outcome",
        route=route,
        state="decided",
        rulebook_version=first.rulebook_version,
        filed_at=decided_at - timedelta(days=5),
        result=result,
        reasons="理由。",
        decided_at=decided_at,
    )


@pytest.fixture
def appeals(world):
    """Six decided appeals and one still open, over three reviewers' kinds, two categories and versions 1 and 2."""
    reviewer, second = world["reviewer"], f.user(Role.REVIEWER, username="second-reviewer")
    # Through the actions: the consumer wins (A), the merchant loses (B), an inadmissibility is overturned (C).
    a = answered(world, decided(world, "not_upheld"))
    actions.decide_appeal(world["supervisor"], a, "overturned", "标签照片证明批号不符，举报成立。")
    b = answered(world, decided(world, "upheld"), party="staff")
    actions.decide_appeal(world["supervisor"], b, "confirmed", "报关单不足以证明为正品，维持原决定。")
    old = f.order(world["shop"], "C1", external_id="O-OLD", delivered_at=datetime(2025, 10, 1, tzinfo=CST))
    data = ReportIn(target_type="order", target_id=old.external_id, category="product_quality", description="坏了")
    inadmissible = actions.file_report(world["consumer"], data, [Upload("p.jpg", f.jpeg(), "photo_of_product")]).case
    c = answered(world, inadmissible, appealed="inadmissibility")
    actions.decide_appeal(world["supervisor"], c, "overturned", "收货日期登记错误，应予受理。")
    # Earlier months, recorded by hand: the second reviewer under version 1 (D varied in September; F
    # overturned in April, outside the six months), and an automated decision confirmed (E) half an hour
    # into July in Beijing, still June in UTC.
    by_hand(
        world,
        decided(world, "partly_upheld", category="product_quality", remedy="refund", remedy_amount="10.00"),
        result="varied",
        decided_at=datetime(2026, 9, 15, 12, tzinfo=CST),
        decided_by=second,
        rulebook_version="1",
    )
    by_hand(
        world,
        decided(world, "upheld"),
        result="confirmed",
        decided_at=datetime(2026, 7, 1, 0, 30, tzinfo=CST),
        party="merchant",
        decided_by=None,
        automated=True,
    )
    by_hand(
        world,
        decided(world, "not_upheld"),
        result="overturned",
        decided_at=datetime(2026, 4, 10, 12, tzinfo=CST),
        route="committee",
        decided_by=second,
        rulebook_version="1",
    )
    # Filed, not decided: not counted.
    answered(world, decided(world, "not_upheld"))
    quality.refresh()
    return {"reviewer": reviewer, "second": second}


def trend(*months: tuple[int, int]) -> list[dict]:
    return [
        {"month": m, "decided": d, "changed": c, "rate": round(c / d, 4) if d else None}
        for m, (d, c) in zip(MONTHS, months, strict=True)
    ]


def test_the_figures_per_reviewer_category_and_version_with_the_monthly_trend(world, appeals):
    figures = quality.quality()
    assert figures["months"] == MONTHS
    assert figures["total"] == {
        "decided": 6,
        "changed": 4,
        "overturned": 3,
        "varied": 1,
        "rate": 0.6667,
        "trend": trend((1, 0), (0, 0), (1, 1), (0, 0), (0, 0), (3, 2)),
    }
    rows = {(r["kind"], r["reviewer"] and r["reviewer"]["username"]): r for r in figures["by_reviewer"]}
    second = rows[("reviewer", "second-reviewer")]
    assert (second["decided"], second["changed"], second["overturned"], second["varied"]) == (2, 2, 1, 1)
    assert second["rate"] == 1.0 and second["trend"] == trend((0, 0), (0, 0), (1, 1), (0, 0), (0, 0), (0, 0))
    first = rows[("reviewer", appeals["reviewer"].username)]
    assert (first["decided"], first["changed"], first["rate"]) == (2, 1, 0.5)
    assert (rows[("admissibility", None)]["decided"], rows[("admissibility", None)]["changed"]) == (1, 1)
    assert (rows[("automated", None)]["decided"], rows[("automated", None)]["rate"]) == (1, 0.0)
    # Most changed first.
    assert [r["kind"] for r in figures["by_reviewer"]] == ["reviewer", "reviewer", "admissibility", "automated"]
    assert figures["by_reviewer"][0]["reviewer"]["id"] == appeals["second"].pk
    assert [(r["category"], r["decided"], r["changed"]) for r in figures["by_category"]] == [
        ("counterfeit", 4, 2),
        ("product_quality", 2, 2),
    ]
    assert [(r["rulebook_version"], r["decided"], r["changed"], r["rate"]) for r in figures["by_rulebook_version"]] == [
        ("1", 2, 2, 1.0),
        ("2", 4, 2, 0.5),
    ]


def test_filters_narrow_every_table_and_a_longer_trend_reaches_back(world, appeals):
    def total(**given):
        return quality.quality(quality.check_filter(**given))["total"]

    assert (total(category="product_quality")["decided"], total(category="product_quality")["changed"]) == (2, 2)
    assert total(rulebook_version="1")["decided"] == 2
    assert total(rulebook_version="2")["decided"] == 4  # the inadmissibility counts under its case's version
    assert total(reviewer_id=appeals["second"].pk)["decided"] == 2
    assert total(route="committee")["decided"] == 1
    year = total(months=12)["trend"]
    assert [m["month"] for m in year][0] == "2026-01" and year[3] == {
        "month": "2026-04",
        "decided": 1,
        "changed": 1,
        "rate": 1.0,
    }


def test_bad_filters_are_refused_with_the_field():
    for given, field in [
        ({"category": "nope"}, "category"),
        ({"rulebook_version": "99"}, "rulebook_version"),
        ({"route": "court"}, "route"),
        ({"reviewer_id": 10**9}, "reviewer"),
        ({"months": 0}, "months"),
        ({"months": 25}, "months"),
    ]:
        with pytest.raises(InvalidInput) as refused:
            quality.check_filter(**given)
        assert refused.value.field == field


def test_nothing_decided_gives_zeros_and_no_rate(db):
    quality.refresh()
    figures = quality.quality()
    assert figures["total"]["decided"] == 0 and figures["total"]["rate"] is None
    assert figures["by_reviewer"] == figures["by_category"] == figures["by_rulebook_version"] == []


def test_the_api_is_for_supervisors(world, appeals):
    body = ApiClient(f.token(world["supervisor"])).get("/quality?category=counterfeit&months=3").json()
    assert body["total"]["decided"] == 4 and body["months"] == MONTHS[3:]
    assert body["filters"] == {
        "category": "counterfeit",
        "rulebook_version": None,
        "reviewer": None,
        "route": None,
        "months": 3,
    }
    refused = ApiClient(f.token(world["supervisor"])).get("/quality?months=99")
    assert refused.status_code == 422 and refused.json()["field"] == "months"
    assert ApiClient(f.token(world["supervisor"])).get("/quality?months=six").status_code == 422
    committee_member = member("consumer_rep").user
    for user in (world["reviewer"], world["staff"], world["consumer"], world["agent"], committee_member):
        answer = ApiClient(f.token(user)).get("/quality")
        assert answer.status_code == 403 and answer.json()["code"] == "not_a_supervisor", user.role


def test_the_page_is_for_supervisors_in_both_languages(client, world, appeals):
    supervisor = world["supervisor"]
    client.force_login(supervisor)
    page = client.get("/review/quality/")
    text = page.content.decode()
    assert page.status_code == 200 and "申诉改判" in text and "second-reviewer" in text and "66.7%" in text
    assert '<option value="6" selected>' in text  # the trend's default, as shown
    supervisor.language = "en"
    supervisor.save(update_fields=["language"])
    text = client.get("/review/quality/?category=product_quality").content.decode()
    assert "Decisions changed on appeal" in text and "Product quality" in text and "100.0%" in text
    assert client.get("/review/quality/?months=5").status_code == 422
    assert client.get("/review/quality/?reviewer=999999").status_code == 422
    assert "/review/quality/" in client.get("/review/supervisor/").content.decode()
    for user in (world["reviewer"], world["staff"], member("lawyer").user):
        client.force_login(user)
        assert client.get("/review/quality/").status_code == 403, user.role


def test_the_queries_do_not_grow_with_the_appeals(client, world, appeals, django_assert_num_queries):
    with django_assert_num_queries(2):  # the groups, and the reviewers' names
        quality.quality()
    client.force_login(world["supervisor"])

    def page_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/review/quality/").status_code == 200
        return len(queries)

    before = page_queries()
    for n in range(4):
        case = decided(world, "upheld", category="product_quality")
        reviewer = f.user(Role.REVIEWER, username=f"more-{n}")
        by_hand(world, case, result="overturned", decided_at=datetime(2026, 10, 2, tzinfo=CST), decided_by=reviewer)
    quality.refresh()
    assert page_queries() == before
    with django_assert_num_queries(2):
        assert len(quality.quality()["by_reviewer"]) == 8


def test_the_worker_counts_again_once_the_figures_are_old_enough(world, appeals, time_machine, settings):
    settings.PLAINT_QUALITY_REFRESH_SECONDS = 300
    counted = quality.quality()["as_of"]
    assert counted is not None
    case = decided(world, "upheld", category="product_quality")
    by_hand(world, case, result="overturned", decided_at=timezone.now())
    assert quality.refresh_if_due() is None  # counted less than five minutes ago
    assert quality.quality()["total"]["decided"] == 6
    time_machine.shift(timedelta(minutes=6))
    assert quality.refresh_if_due() > 0
    figures = quality.quality()
    assert figures["total"]["decided"] == 7 and figures["as_of"] > counted
    assert "plaint.cases.quality.refresh_if_due" in PERIODIC_JOBS
