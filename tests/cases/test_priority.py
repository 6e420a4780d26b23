"""Priority that explains itself (issue 15, item 7): the rulebook's terms, stored with the case, followed by
the review queue and claim-next, kept with what overdue clocks add, and grown with age by the worker."""

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from plaint.accounts.models import Role
from plaint.cases import actions, priority
from plaint.cases.inputs import ReportIn, ResponseIn
from plaint.cases.models import Case
from plaint.evidence.actions import Upload
from plaint.rulebook import loader
from plaint.rulebook.schema import PriorityWeights
from tests import factories as f
from tests.api_client import ApiClient
from tests.evidence.test_forensics import jpeg, scene

CST = timezone(timedelta(hours=8))
V4 = datetime(2026, 12, 8, 10, 0, tzinfo=CST)
V3 = datetime(2026, 12, 6, 10, 0, tzinfo=CST)

WEIGHTS = PriorityWeights(
    severity={"expired_goods": 40},
    default_severity=5,
    amount_per_100=1,
    amount_max=20,
    cluster_per_report=2,
    cluster_max=30,
    trusted_flagger=15,
    reporter_upheld=2,
    reporter_unfounded=-5,
    reporter_max=10,
    forensics_per_flag=-5,
    forensics_flags_counted=3,
    age_per_day=1,
    age_max=10,
)


def test_each_term_is_weighted_and_bounded_and_the_total_is_their_sum():
    total, terms = priority.compute(
        WEIGHTS,
        priority.Inputs(
            category="expired_goods",
            amount=Decimal("389.00"),
            cluster_size=4,
            reporter_upheld=1,
            reporter_unfounded=0,
            forensics_flags=1,
            age_days=2,
        ),
    )
    assert terms == {
        "severity": 40,
        "amount": 3,
        "cluster": 6,
        "trusted_flagger": 0,
        "reporter": 2,
        "forensics": -5,
        "age": 2,
    }
    assert total == 48
    # Every bound holds: a huge order, cluster, record, flags and age.
    _, capped = priority.compute(
        WEIGHTS,
        priority.Inputs(
            category="service_attitude",
            amount=Decimal("1000000"),
            cluster_size=500,
            trusted_flagger=True,
            reporter_unfounded=9,
            forensics_flags=20,
            age_days=400,
        ),
    )
    assert capped == {
        "severity": 5,
        "amount": 20,
        "cluster": 30,
        "trusted_flagger": 15,
        "reporter": -10,
        "forensics": -15,
        "age": 10,
    }
    # No order (a listing report), a lone report and a clock behind count nothing.
    _, lone = priority.compute(WEIGHTS, priority.Inputs(category="x", cluster_size=1, age_days=-1))
    assert lone["amount"] == lone["cluster"] == lone["age"] == 0


def file(consumer: str, shop, category: str, evidence_kind: str, amount: str = "100.00", **order) -> Case:
    f.order(shop, consumer, external_id=f"O-{consumer}-{category}", amount=amount, **order)
    photo = Upload("p.jpg", jpeg(scene(hash(consumer) % 1000, (300, 200)), taken="2026:12:07 20:00:00"), evidence_kind)
    data = ReportIn(
        target_type="order",
        target_id=f"O-{consumer}-{category}",
        category=category,
        description="面霜已过期，客服态度也很差",
        remedy_wanted="refund" if category == "expired_goods" else "compensation",
    )
    return actions.file_report(f.consumer_user(consumer), data, [photo]).case


@pytest.mark.django_db
def test_claim_next_and_the_queue_follow_the_computed_priority(time_machine):
    time_machine.move_to(V4, tick=False)
    shop = f.merchant("M-1")
    staff = f.user(Role.MERCHANT, merchant=shop)
    # The service complaint comes first and is the costlier order; the expired goods outrank it.
    service = file("C1", shop, "service_attitude", "chat_log", amount="900.00")
    time_machine.shift(timedelta(minutes=5))
    cream = file("C2", shop, "expired_goods", "photo_of_expiry_date")
    for case in (service, cream):
        answer = ResponseIn(kind="contest", explanation="不同意")
        actions.respond_as_merchant(staff, Case.objects.get(pk=case.pk), answer)
    service, cream = Case.objects.get(pk=service.pk), Case.objects.get(pk=cream.pk)
    weights = loader.in_force(V4).priority
    assert service.priority_terms["amount"] == 9 and cream.priority_terms["amount"] == 1
    assert cream.priority == weights.severity["expired_goods"] + 1 > service.priority
    reviewer = ApiClient(f.token(f.user(Role.REVIEWER)))
    queue = reviewer.get("/review/queue").json()
    assert [item["reference"] for item in queue["results"]] == [cream.reference, service.reference]
    first = reviewer.post_json("/review/next", {})
    assert first.status_code == 200 and first.json()["reference"] == cream.reference
    terms = {t["term"]: t["value"] for t in first.json()["priority_terms"]["terms"]}
    assert terms["severity"] == weights.severity["expired_goods"] and terms["trusted_flagger"] == 0


@pytest.mark.django_db
def test_a_clocks_raise_is_kept_when_the_terms_change_and_age_is_added_by_the_worker(time_machine):
    time_machine.move_to(V4, tick=False)
    shop = f.merchant("M-1")
    case = file("C1", shop, "expired_goods", "photo_of_expiry_date")
    base = case.priority
    actions.escalate(case, stage="decision", due=V4, escalate=False, raise_by=3)
    case = Case.objects.get(pk=case.pk)
    assert case.priority == base + 3 and priority.raised(case) == 3
    # Three days on, the worker's pass adds the age; a refresh keeps the clock's 3.
    time_machine.shift(timedelta(days=3, hours=1))
    assert priority.refresh_ages() == 1
    assert priority.refresh_ages() == 0  # already right: nothing written
    case = Case.objects.get(pk=case.pk)
    assert case.priority_terms["age"] == 3 and case.priority == base + 3 + 3
    priority.refresh(case, datetime.now(tz=CST))
    case = Case.objects.get(pk=case.pk)
    assert case.priority == base + 3 + 3 and priority.explained(case)["raised"] == 3


@pytest.mark.django_db
def test_under_version_3_the_category_priority_stands_and_no_cluster_is_made(time_machine):
    time_machine.move_to(V3, tick=False)
    shop = f.merchant("M-1")
    cream = f.listing(shop, "L-1")
    case = file("C1", shop, "expired_goods", "photo_of_expiry_date", listing_obj=cream)
    other = file("C2", shop, "expired_goods", "photo_of_expiry_date", listing_obj=cream)
    for c in (case, other):
        c = Case.objects.get(pk=c.pk)
        assert c.priority == loader.in_force(V3).category("expired_goods").priority
        assert c.priority_terms == {} and c.cluster_id is None
    assert priority.explained(case)["computed"] is False
