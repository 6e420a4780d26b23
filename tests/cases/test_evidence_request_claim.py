"""A reviewer who asks the reporter for evidence keeps the case (issue 18, fault 1).

The claim does not lapse while the case waits on the reporter; when the evidence comes, or its
deadline passes, the case goes back to that reviewer with a fresh claim, unless they released it or
(rulebook version 3, [intake] claim_kept_days) have not been seen at work for longer than that.
Dates are real: version 3 is in force from 7 December 2026 (a Monday), version 4 from the 8th.
"""

from datetime import timedelta

import pytest

from plaint.accounts.models import Role
from plaint.cases import actions, clocks
from plaint.cases.inputs import DecisionIn
from plaint.cases.models import Case
from plaint.cases.queries import review_queue
from plaint.errors import Refused
from plaint.evidence.actions import Upload
from plaint.rulebook import loader
from tests import factories as f
from tests.cases.test_clocks import at, contested

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def asked(people, when, reviewer=None):
    reviewer = reviewer or people["reviewer"]
    case = contested(people, when)
    actions.claim_case(reviewer, case, now=when + timedelta(minutes=30))
    actions.request_more_evidence(
        reviewer, case, ["inspection_report"], "请提供质检报告", now=when + timedelta(minutes=45)
    )
    return Case.objects.get(pk=case.pk)


def evidence(people, case, when):
    actions.add_evidence(people["consumer"], case, [Upload("r.pdf", PDF, "inspection_report")], now=when)
    return Case.objects.get(pk=case.pk)


def test_the_claim_does_not_lapse_while_the_case_waits_on_the_reporter(people):
    case = asked(people, at(2026, 12, 8, 10))
    assert case.rulebook_version == "4"  # version 3's rule, kept
    timeout = loader.get("4").intake.claim_timeout_minutes
    # Days past the claim timeout, the reporter has not answered yet: the claim is still the reviewer's.
    report = clocks.tick(at(2026, 12, 10, 10))
    assert report.claims_lapsed == 0
    case.refresh_from_db()
    assert case.claimed_by == people["reviewer"]
    assert not case.events.filter(kind="claim_lapsed").exists()
    # Nobody else takes it meanwhile.
    with pytest.raises(Refused) as refused:
        actions.claim_case(f.user(Role.REVIEWER), case, now=at(2026, 12, 10, 11))
    assert refused.value.code == "claimed_by_other"

    back = at(2026, 12, 10, 14)
    case = evidence(people, case, back)
    assert case.state == "awaiting_review"
    assert case.claimed_by == people["reviewer"]
    assert case.claim_expires_at == back + timedelta(minutes=timeout)  # a fresh claim timeout
    kept = case.events.get(kind="claim_kept")
    assert kept.data["holder"] == people["reviewer"].username and kept.visibility == "staff"
    # The reviewer finds it among their own cases, and can decide it.
    assert list(review_queue(back, mine=people["reviewer"])) == [case]
    decision = actions.decide_case(
        people["reviewer"],
        case,
        DecisionIn(outcome="not_upheld", reason_codes=["unfounded"], statement="质检报告显示商品合格，举报不成立。"),
        now=back + timedelta(hours=1),
    )
    assert decision.decided_by == people["reviewer"]


def test_a_deadline_that_returns_the_case_returns_it_to_the_reviewer(people):
    case = asked(people, at(2026, 12, 8, 10))
    due = case.evidence_due_at
    people["reviewer"].last_login = due - timedelta(days=1)  # at work, waiting
    people["reviewer"].save(update_fields=["last_login"])
    report = clocks.tick(due)
    assert (report.returned_to_review, report.claims_lapsed) == (1, 0)
    case.refresh_from_db()
    assert case.state == "awaiting_review" and case.claimed_by == people["reviewer"]
    assert case.claim_expires_at == due + timedelta(minutes=loader.get("3").intake.claim_timeout_minutes)
    # The renewed claim lapses as any claim does when the reviewer does nothing with it.
    assert clocks.tick(case.claim_expires_at).claims_lapsed == 1


def test_a_released_case_goes_to_the_queue_when_the_evidence_comes(people):
    case = asked(people, at(2026, 12, 8, 10))
    actions.release_case(people["reviewer"], case, now=at(2026, 12, 8, 12))
    case = evidence(people, case, at(2026, 12, 9, 10))
    assert case.state == "awaiting_review" and case.claimed_by is None
    assert list(review_queue(at(2026, 12, 9, 10))) == [case]


def test_a_reviewer_away_beyond_the_rulebook_limit_loses_the_case_to_the_queue(people):
    kept_days = loader.get("3").intake.claim_kept_days
    assert kept_days is not None
    case = asked(people, at(2026, 12, 8, 10))
    # Not signed in, no decision, no other claim since asking: away once claim_kept_days have passed.
    back = at(2026, 12, 8, 10, 45) + timedelta(days=kept_days, hours=1)
    case = evidence(people, case, back)
    assert case.state == "awaiting_review" and case.claimed_by is None
    event = case.events.get(kind="claim_returned_to_queue")
    assert event.data["claim_kept_days"] == kept_days


@pytest.mark.parametrize("seen", ["signed_in", "holds_another_claim"])
def test_a_reviewer_seen_at_work_keeps_the_case_past_the_limit(people, seen):
    kept_days = loader.get("3").intake.claim_kept_days
    case = asked(people, at(2026, 12, 8, 10))
    back = at(2026, 12, 8, 10, 45) + timedelta(days=kept_days, hours=1)
    if seen == "signed_in":
        people["reviewer"].last_login = back - timedelta(hours=2)
        people["reviewer"].save(update_fields=["last_login"])
    else:
        other = contested(people, back - timedelta(hours=2), order_id="O-2")
        actions.claim_case(people["reviewer"], other, now=back - timedelta(hours=1))
    case = evidence(people, case, back)
    assert case.claimed_by == people["reviewer"]


def test_evidence_that_comes_in_the_evening_keeps_the_reviewer_overnight(people):
    # Version 4 ([intake] returned_claim_time = "working_hours"): the fresh claim counts the reviewers'
    # working hours (the acknowledgement clock's calendar, 09:00-18:00 on working days).
    case = asked(people, at(2026, 12, 14, 10))  # Monday
    assert case.rulebook_version == "4"
    timeout = timedelta(minutes=loader.get("4").intake.claim_timeout_minutes)
    assert timeout == timedelta(hours=4)
    case = evidence(people, case, at(2026, 12, 15, 20))  # Tuesday evening
    assert case.claimed_by == people["reviewer"]
    assert case.claim_expires_at == at(2026, 12, 16, 13)  # Wednesday 09:00 + 4 working hours
    assert clocks.tick(at(2026, 12, 16, 8)).claims_lapsed == 0
    assert list(review_queue(at(2026, 12, 16, 9), mine=people["reviewer"])) == [case]
    assert clocks.tick(at(2026, 12, 16, 13)).claims_lapsed == 1


def test_version_3_counted_every_minute_of_a_returned_claim(people):
    case = asked(people, at(2026, 12, 7, 10))  # Monday, version 3 in force
    assert case.rulebook_version == "3"
    case = evidence(people, case, at(2026, 12, 7, 20))
    assert case.claim_expires_at == at(2026, 12, 8, 0)
    assert clocks.tick(at(2026, 12, 8, 1)).claims_lapsed == 1
