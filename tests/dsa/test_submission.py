"""Submission to the DSA Transparency Database: batched by 100, retried, never sent twice."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from plaint.cases.models import Case
from plaint.dsa.models import DsaStatement, StatementState
from plaint.dsa.submission import queue_new, requeue, run
from plaint.enforcement.models import Measure

from .conftest import decided
from .receiver import validate

pytestmark = pytest.mark.django_db


def more_measures(count: int) -> None:
    """Add `count` takedowns on shop A's latest case (volume for batching; each gets its own statement)."""
    model = Measure.objects.exclude(kind="warning").first()
    Measure.objects.bulk_create(
        Measure(
            merchant=model.merchant,
            kind="takedown",
            track=model.track,
            threshold=model.threshold,
            starts_at=model.starts_at,
            ends_at=model.starts_at + timedelta(days=14),
            rulebook_version=model.rulebook_version,
            trigger_case=model.trigger_case,
            cases=model.cases,
        )
        for _ in range(count)
    )


def test_nothing_is_queued_or_sent_without_an_endpoint(world, settings):
    settings.PLAINT_DSA_ENDPOINT = ""
    decided(world, "counterfeit")
    assert run() is None
    assert not DsaStatement.objects.exists()


def test_each_restricting_decision_and_measure_is_sent_once_and_recorded(world, dsa_db):
    refs = [decided(world, "counterfeit") for _ in range(2)]  # 12 then 24: warning, restriction, takedown
    decided(world, "not_as_described", outcome="not_upheld")

    report = run()

    states = dict(DsaStatement.objects.values_list("puid", "state"))
    sent = {puid for puid, state in states.items() if state == StatementState.SUBMITTED}
    assert set(dsa_db.stored) == sent
    # Two decisions (the second a repeat, its points doubled) and every measure but the warning.
    assert Measure.objects.count() == 4  # warning, listing restriction, takedown at 24 and at 36
    assert len(sent) == 2 + 3
    assert report.submitted == 5 and report.queued == 7
    assert sorted(s for s in states.values() if s != StatementState.SUBMITTED) == ["not_required", "not_required"]
    assert all(not validate(s) for s in dsa_db.stored.values())
    assert all(row.uuid for row in DsaStatement.objects.filter(state=StatementState.SUBMITTED))
    assert {p.split("-decision-")[0].removeprefix("plaint-") for p in sent if "-decision-" in p} == set(refs)
    # Another pass, and another worker's pass, send nothing again.
    requests = len(dsa_db.requests)
    assert run().claimed == 0
    assert queue_new() == 0
    assert len(dsa_db.requests) == requests and dsa_db.duplicates_refused == 0


def test_statements_go_in_batches_of_at_most_100(world, dsa_db):
    decided(world, "counterfeit")
    more_measures(248)
    queue_new()
    total = DsaStatement.objects.filter(state=StatementState.PENDING).count()
    assert total == 250  # the decision, the listing restriction, 248 takedowns (the warning needs none)

    report = run()

    assert report.submitted == total
    assert [count for _, count, _ in dsa_db.requests] == [100, 100, 50]
    assert all(path == "/api/v1/statements" for path, _, _ in dsa_db.requests)
    assert len(dsa_db.stored) == total


def test_a_failing_database_is_retried_later_and_a_wrong_token_too(world, dsa_db, settings, time_machine):
    decided(world, "counterfeit")
    dsa_db.fail_first = 1
    first = run()
    assert first.failed == 2 and first.submitted == 0
    row = DsaStatement.objects.filter(state=StatementState.PENDING).first()
    assert row.attempts == 1 and "HTTP 500" in row.last_error and row.next_attempt_at > timezone.now()
    assert run().claimed == 0  # not due yet: the backoff

    settings.PLAINT_DSA_TOKEN = "wrong"
    time_machine.shift(timedelta(minutes=1))
    assert run().failed == 2
    assert "HTTP 401" in DsaStatement.objects.get(pk=row.pk).last_error

    settings.PLAINT_DSA_TOKEN = "dsa-secret"
    time_machine.shift(timedelta(minutes=5))
    assert run().submitted == 2
    assert len(dsa_db.stored) == 2
    assert not DsaStatement.objects.filter(state=StatementState.PENDING).exists()


def test_after_too_many_failures_a_statement_is_given_up(world, dsa_db, settings, time_machine):
    settings.PLAINT_DELIVERY_MAX_ATTEMPTS = 2
    decided(world, "counterfeit")
    dsa_db.fail_first = 10
    run()
    time_machine.shift(timedelta(hours=2))
    assert run().dead == 2
    assert DsaStatement.objects.filter(state=StatementState.DEAD).count() == 2


def test_a_statement_the_database_already_has_is_not_sent_twice(world, dsa_db):
    """A crash after the database stored a batch but before Plaint marked it: the puid makes the resend harmless."""
    decided(world, "counterfeit")
    decided(world, "product_quality", outcome="partly_upheld", remedy="replacement")
    queue_new()
    stored_before_crash = DsaStatement.objects.exclude(body="").order_by("id").first()
    dsa_db.stored[stored_before_crash.puid] = json.loads(stored_before_crash.body)

    report = run()

    # The database refused the whole batch for the known puid; Plaint marked it and resent the others.
    assert report.already_there == 1
    assert dsa_db.duplicates_refused == 1
    assert [status for _, _, status in dsa_db.requests] == [422, 201]
    row = DsaStatement.objects.get(pk=stored_before_crash.pk)
    assert row.state == StatementState.SUBMITTED and row.uuid == ""
    assert DsaStatement.objects.filter(state=StatementState.PENDING).count() == 0
    assert len(dsa_db.stored) == DsaStatement.objects.filter(state=StatementState.SUBMITTED).count() == 3


def test_a_statement_the_database_refuses_is_set_aside_and_the_rest_still_go(world, dsa_db):
    decided(world, "counterfeit")
    queue_new()
    broken = DsaStatement.objects.exclude(body="").order_by("id").last()
    body = json.loads(broken.body) | {"category": "STATEMENT_CATEGORY_UNSAFE_AND_ILLEGAL_PRODUCTS"}
    DsaStatement.objects.filter(pk=broken.pk).update(body=json.dumps(body))

    report = run()

    assert report.rejected == 1 and report.submitted == 1
    broken.refresh_from_db()
    assert broken.state == StatementState.REJECTED and "category" in broken.last_error
    assert broken.puid not in dsa_db.stored and len(dsa_db.stored) == 1


def test_an_unmapped_category_is_recorded_naming_it_and_never_sent(world, dsa_db):
    reference = decided(world, "counterfeit")
    Case.objects.filter(reference=reference).update(category="grey_imports")
    run()
    unmapped = DsaStatement.objects.filter(state=StatementState.UNMAPPED)
    assert unmapped.count() == 2  # the decision and the listing restriction it triggered
    assert all("'grey_imports'" in row.last_error for row in unmapped)
    assert dsa_db.stored == {}


def test_an_unmapped_statement_is_rebuilt_and_sent_once_the_mapping_covers_it(world, dsa_db):
    reference = decided(world, "counterfeit")
    Case.objects.filter(reference=reference).update(category="grey_imports")
    run()
    ids = list(DsaStatement.objects.values_list("pk", flat=True))
    Case.objects.filter(reference=reference).update(category="counterfeit")  # as if the mapping now had it

    assert requeue(ids) == 2  # the warning's row (not required) is left alone
    run()

    assert DsaStatement.objects.filter(state=StatementState.SUBMITTED).count() == len(dsa_db.stored) == 2
    assert requeue(ids) == 0  # a submitted statement is never rebuilt
