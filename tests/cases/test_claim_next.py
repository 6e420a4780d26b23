"""Claim the next case: the head of the queue, the reviewer's filters, one claim per case however many race."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from plaint.accounts.models import Role
from plaint.cases import actions
from plaint.cases.clocks import CaseClock
from plaint.cases.inputs import DecisionIn
from plaint.cases.models import Case
from plaint.cases.queries import review_queue
from plaint.errors import Forbidden, InvalidInput
from plaint.rulebook import loader
from tests import factories as f
from tests.cases.test_concurrency import filed_case


@pytest.mark.django_db
def test_claims_the_queue_in_its_order_passing_over_live_claims_and_taking_lapsed_ones():
    now = timezone.now()
    cases = f.queue_cases(12)
    reviewer, other = f.user(Role.REVIEWER), f.user(Role.SUPERVISOR)
    order = [c.pk for c in review_queue(now)]
    # The head is held by another reviewer; the second case's claim has lapsed.
    Case.objects.filter(pk=order[0]).update(claimed_by=other, claim_expires_at=now + timedelta(minutes=5))
    Case.objects.filter(pk=order[1]).update(claimed_by=other, claim_expires_at=now - timedelta(minutes=1))
    claimed = []
    while (case := actions.claim_next(reviewer, {}, now)) is not None:
        claimed.append(case.pk)
    assert claimed == order[1:]
    assert len(claimed) == len(cases) - 1
    assert set(Case.objects.filter(claimed_by=reviewer).values_list("pk", flat=True)) == set(order[1:])
    assert Case.objects.get(pk=order[0]).claimed_by == other


@pytest.mark.django_db
def test_the_reviewers_filters_are_honoured():
    now = timezone.now()
    shops = [f.merchant(), f.merchant()]
    f.queue_cases(24, merchants=shops)
    f.queue_cases(3, merchants=shops, state="needs_evidence", decision_due_at=None)
    f.queue_cases(2, merchants=shops, decision_due_at=now - timedelta(hours=1), escalated_at=now)
    reviewer = f.user(Role.REVIEWER)
    wanted = {"category": "counterfeit", "channel": "app", "merchant_id": shops[1].pk, "priority": 1}
    expected = set(review_queue(now, **wanted).values_list("pk", flat=True))
    assert expected
    got = set()
    while (case := actions.claim_next(reviewer, wanted, now)) is not None:
        assert (case.category, case.channel, case.merchant_id, case.priority) == tuple(wanted.values())
        got.add(case.pk)
    assert got == expected
    waiting = actions.claim_next(reviewer, {"state": "needs_evidence"}, now)
    assert waiting.state == "needs_evidence"
    overdue = actions.claim_next(reviewer, {"overdue": True, "escalated": True}, now)
    assert overdue.decision_due_at < now and overdue.escalated_at
    with pytest.raises(InvalidInput):
        actions.claim_next(reviewer, {"state": "decided"}, now)
    with pytest.raises(InvalidInput) as refused:
        actions.claim_next(reviewer, {"mine": reviewer}, now)
    assert refused.value.field == "mine"


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.CONSUMER, Role.MERCHANT, Role.AGENT, Role.ADMIN])
def test_only_reviewers_and_supervisors_claim(role):
    f.queue_cases(2)
    with pytest.raises(Forbidden):
        actions.claim_next(f.user(role), {}, timezone.now())
    assert not Case.objects.filter(claimed_by__isnull=False).exists()


@pytest.mark.django_db
def test_the_claim_is_claim_cases_own_clock_event_and_expiry_and_the_case_can_be_decided():
    case = filed_case()  # in review, its acknowledgement clock running
    reviewer = f.user(Role.REVIEWER)
    now = timezone.now()
    version = Case.objects.get(pk=case.pk).version
    claimed = actions.claim_next(reviewer, {}, now)
    assert claimed.pk == case.pk
    case.refresh_from_db()
    timeout = loader.get(case.rulebook_version).intake.claim_timeout_minutes
    assert case.claimed_by == reviewer and case.claim_expires_at == now + timedelta(minutes=timeout)
    assert case.version == version + 1
    event = case.events.get(kind="claimed")
    assert event.actor == reviewer and event.visibility == "staff" and event.data["next"] is True
    assert not CaseClock.objects.filter(case=case, stage="acknowledgement", stopped_at__isnull=True).exists()
    assert CaseClock.objects.get(case=case, stage="acknowledgement").stopped_by == "claimed"
    assert actions.claim_next(reviewer, {}, now) is None
    actions.decide_case(
        reviewer,
        case,
        DecisionIn(outcome="not_upheld", reason_codes=["insufficient_evidence"], statement="Nothing shows a defect."),
        now=now,
    )
    assert Case.objects.get(pk=case.pk).state == "decided"


@pytest.mark.django_db
def test_a_case_under_an_older_rulebook_gets_its_own_versions_claim_timeout():
    now = timezone.now()
    versions = sorted(loader.versions(), key=lambda rb: rb.effective_from)
    timeouts = {rb.version: rb.intake.claim_timeout_minutes for rb in versions}
    older = next((v for v, t in timeouts.items() if t != loader.in_force(now).intake.claim_timeout_minutes), None)
    if older is None:
        pytest.skip("every rulebook version has the same claim timeout")
    (case,) = f.queue_cases(1, rulebook_version=older)
    claimed = actions.claim_next(f.user(Role.REVIEWER), {}, now)
    assert claimed.pk == case.pk
    assert Case.objects.get(pk=case.pk).claim_expires_at == now + timedelta(minutes=timeouts[older])


def _race(threads: int, cases: int) -> tuple[list[int], list[Exception]]:
    """Let `threads` reviewers claim next until the queue is empty; return the cases claimed and any errors."""
    reviewers = [f.user(Role.REVIEWER) for _ in range(threads)]
    f.queue_cases(cases)
    barrier = threading.Barrier(threads)
    claimed: list[int] = []
    errors: list[Exception] = []

    def work(reviewer):
        barrier.wait()
        try:
            while (case := actions.claim_next(reviewer, {})) is not None:
                claimed.append(case.pk)
        except Exception as exc:  # noqa: BLE001 - every error is a failure of the test, reported below
            errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=work, args=(r,)) for r in reviewers]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return claimed, errors


@pytest.mark.django_db(transaction=True)
def test_many_reviewers_claiming_at_once_never_share_a_case_nor_meet_a_conflict():
    # 32 on PostgreSQL; SQLite runs one writer at a time, so fewer threads say the same there.
    threads = 32 if connection.vendor == "postgresql" else 8
    claimed, errors = _race(threads, 200)
    assert errors == []
    assert len(claimed) == 200 and len(set(claimed)) == 200
    assert Case.objects.filter(claimed_by__isnull=False).count() == 200
    per_case = Case.objects.filter(events__kind="claimed").values_list("pk", flat=True)
    assert len(per_case) == 200 and len(set(per_case)) == 200
