"""Two people acting on one case at the same moment cannot both succeed."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from plaint.accounts.models import Role
from plaint.cases import actions
from plaint.cases.inputs import ReportIn, ResponseIn
from plaint.cases.models import Case
from plaint.errors import Refused
from tests import factories as f


def filed_case() -> Case:
    shop = f.merchant("M-A")
    f.order(shop, "C1", external_id="O-1", delivered_at=timezone.now() - timedelta(days=1))
    consumer = f.consumer_user("C1")
    data = ReportIn(target_type="order", target_id="O-1", category="product_quality", description="坏了")
    case = actions.file_report(consumer, data, [f_upload()]).case
    merchant = f.user(Role.MERCHANT, merchant=shop)
    actions.respond_as_merchant(merchant, case, ResponseIn(kind="contest", explanation="不是质量问题"))
    return Case.objects.get(pk=case.pk)


def f_upload():
    from plaint.evidence.actions import Upload

    return Upload("p.jpg", f.jpeg(), "photo_of_product")


@pytest.mark.django_db
def test_a_stale_copy_of_the_case_cannot_overwrite_a_newer_change():
    case = filed_case()
    first, second = Case.objects.get(pk=case.pk), Case.objects.get(pk=case.pk)
    now = timezone.now()
    actions._change(first, now, priority=5)
    with pytest.raises(Refused) as exc:
        actions._change(second, now, priority=1)
    assert exc.value.code == "concurrent_change"
    assert Case.objects.get(pk=case.pk).priority == 5


@pytest.mark.django_db(transaction=True)
def test_two_reviewers_claiming_at_once_one_wins():
    case = filed_case()
    reviewers = [f.user(Role.REVIEWER), f.user(Role.REVIEWER)]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def claim(reviewer):
        barrier.wait()
        try:
            actions.claim_case(reviewer, Case.objects.get(pk=case.pk))
            outcomes.append("claimed")
        except Refused as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(r,)) for r in reviewers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["claimed", "claimed_by_other"]
    case.refresh_from_db()
    assert case.claimed_by in reviewers
    assert case.events.filter(kind="claimed").count() == 1


@pytest.mark.django_db(transaction=True)
def test_withdraw_and_decide_at_once_one_wins():
    case = filed_case()
    reviewer = f.user(Role.REVIEWER)
    actions.claim_case(reviewer, case)
    consumer = case.reporter.user
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def run(label, fn):
        barrier.wait()
        try:
            fn()
            outcomes.append(label)
        except Refused as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    from plaint.cases.inputs import DecisionIn

    decision = DecisionIn(
        outcome="upheld",
        reason_codes=["violation_established"],
        statement="照片清楚显示商品存在质量问题，商家答辩不成立。",
    )
    threads = [
        threading.Thread(
            target=run,
            args=("withdrawn", lambda: actions.withdraw_report(consumer, Case.objects.get(pk=case.pk), "算了")),
        ),
        threading.Thread(
            target=run,
            args=("decided", lambda: actions.decide_case(reviewer, Case.objects.get(pk=case.pk), decision)),
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len([o for o in outcomes if o in ("withdrawn", "decided")]) == 1, outcomes
    # The loser is refused (by the state machine, or because withdrawing ended the claim).
    assert len(outcomes) == 2 and set(outcomes) - {"withdrawn", "decided"} <= {
        "transition_not_allowed",
        "claim_required",
        "concurrent_change",
    }, outcomes
    case.refresh_from_db()
    assert case.state in ("withdrawn", "decided")
    assert case.events.filter(kind__in=["withdraw", "decide"]).count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_same_complaint_filed_twice_at_once_makes_one_case():
    shop = f.merchant("M-A")
    f.order(shop, "C1", external_id="O-1", delivered_at=timezone.now() - timedelta(days=1))
    consumer, agent = f.consumer_user("C1"), f.user(Role.AGENT)
    data = ReportIn(target_type="order", target_id="O-1", category="product_quality", description="坏了")
    as_agent = data.model_copy(update={"consumer_id": "C1", "channel_reference": "CALL-1"})
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def file(actor, report):
        barrier.wait()
        try:
            outcomes.append(actions.file_report(actor, report, [f_upload()]).case.reference)
        except Refused as exc:
            outcomes.append(f"{exc.code}:{exc.details['case']}")
        finally:
            connection.close()

    # The consumer on the web and an agent on the phone, for one matter, at the same moment.
    threads = [
        threading.Thread(target=file, args=(consumer, data)),
        threading.Thread(target=file, args=(agent, as_agent)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    [case] = Case.objects.all()
    assert sorted(outcomes) == sorted([case.reference, f"duplicate_report:{case.reference}"])
    assert case.events.filter(kind="filed").count() == 1
    # Once that case is closed, the matter can be raised again.
    actions.withdraw_report(consumer, case, "已协商")
    assert actions.file_report(consumer, data).created
