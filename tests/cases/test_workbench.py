"""The reviewer's workbench in the domain (issue 17, item 8): internal notes, a supervisor's reassignment
and bulk claim, saved queue filters, the search, the forensics' warnings. Runs on SQLite and PostgreSQL."""

from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from plaint.accounts.models import Role
from plaint.cases import actions
from plaint.cases.access import visible_event_levels
from plaint.cases.forensics import outcome_warnings
from plaint.cases.models import Case, CaseEvent, SavedQueueFilter
from plaint.cases.queries import normal_phone, phone_matches, search_cases
from plaint.errors import Forbidden, InvalidInput, NotFound, Refused
from plaint.marketplace.models import Consumer
from tests import factories as f
from tests.cases.test_clocks import contested

pytestmark = pytest.mark.django_db


def in_review(people):
    return contested(people, timezone.now() - timedelta(hours=1))


def test_an_internal_note_is_a_staff_event_no_party_reads(people):
    case = in_review(people)
    event = actions.add_internal_note(people["reviewer"], case, "  Shop called: batch recalled.  ")
    assert (
        event.kind == "internal_note" and event.visibility == "staff" and event.reason == "Shop called: batch recalled."
    )
    assert [n.reason for n in actions.internal_notes(case)] == ["Shop called: batch recalled."]
    for side in ("reporter", "merchant"):
        assert not case.events.filter(pk=event.pk, visibility__in=visible_event_levels(side)).exists()
    assert case.events.filter(pk=event.pk, visibility__in=visible_event_levels("staff")).exists()


@pytest.mark.parametrize("who", ["consumer", "merchant"])
def test_parties_cannot_write_internal_notes(people, who):
    case = in_review(people)
    with pytest.raises(Forbidden):
        actions.add_internal_note(people[who], case, "let me in")
    assert not CaseEvent.objects.filter(case=case, kind="internal_note").exists()


@pytest.mark.parametrize("text", ["", " x ", "y" * 4001])
def test_an_empty_or_overlong_note_is_refused(people, text):
    with pytest.raises(InvalidInput) as error:
        actions.add_internal_note(people["reviewer"], in_review(people), text)
    assert error.value.field == "note"


def test_a_supervisor_reassigns_a_claimed_case_and_it_is_logged(people):
    case = in_review(people)
    other = f.user(Role.REVIEWER, "reviewer-li")
    actions.claim_case(people["reviewer"], case)
    moved = actions.reassign_case(people["supervisor"], case, other, reason="Li knows this shop.")
    moved.refresh_from_db()
    assert moved.claimed_by == other and moved.claim_expires_at > timezone.now()
    event = moved.events.get(kind="reassigned")
    assert event.visibility == "staff" and event.actor == people["supervisor"]
    assert event.data["from"] == people["reviewer"].username and event.data["to"] == "reviewer-li"
    assert event.reason == "Li knows this shop."
    # The new holder decides; the old one no longer can.
    with pytest.raises(Refused) as refused:
        actions.claim_case(people["reviewer"], moved)
    assert refused.value.code == "claimed_by_other"


def test_a_reviewer_cannot_reassign(people):
    case = in_review(people)
    actions.claim_case(people["reviewer"], case)
    with pytest.raises(Forbidden) as error:
        actions.reassign_case(people["reviewer"], case, f.user(Role.REVIEWER))
    assert error.value.status == 403
    case.refresh_from_db()
    assert case.claimed_by == people["reviewer"] and not case.events.filter(kind="reassigned").exists()


def test_reassigning_an_unclaimed_case_or_to_a_non_reviewer_is_refused(people):
    case = in_review(people)
    with pytest.raises(Refused) as refused:
        actions.reassign_case(people["supervisor"], case, f.user(Role.REVIEWER))
    assert refused.value.code == "not_claimed"
    actions.claim_case(people["reviewer"], case)
    with pytest.raises(InvalidInput):
        actions.reassign_case(people["supervisor"], case, people["merchant"])
    with pytest.raises(InvalidInput):
        actions.reassign_case(people["supervisor"], case, f.user(Role.REVIEWER, is_active=False))


def test_reassigning_while_waiting_on_evidence_moves_the_request_to_the_new_holder(people):
    case = in_review(people)
    actions.claim_case(people["reviewer"], case)
    actions.request_more_evidence(people["reviewer"], case, ["inspection_report"], "请提供质检报告")
    other = f.user(Role.REVIEWER)
    moved = actions.reassign_case(people["supervisor"], Case.objects.get(pk=case.pk), other)
    moved.refresh_from_db()
    assert moved.claimed_by == other
    assert moved.admissibility["review_request"]["reviewer_id"] == other.pk
    assert moved.claim_expires_at >= moved.evidence_due_at


def test_a_supervisor_claims_several_cases_and_hears_which_were_not_claimed(people):
    cases = f.queue_cases(4, merchants=[people["shop"]])
    held = cases[3]
    actions.claim_case(people["reviewer"], held)
    claimed, refused = actions.claim_cases(people["supervisor"], cases)
    assert {c.pk for c in claimed} == {c.pk for c in cases[:3]}
    assert refused == {held.reference: "claimed_by_other"}
    assert Case.objects.filter(claimed_by=people["supervisor"]).count() == 3
    assert CaseEvent.objects.filter(kind="claimed", actor=people["supervisor"]).count() == 3


def test_only_supervisors_claim_several_and_at_most_a_page(people):
    cases = f.queue_cases(2, merchants=[people["shop"]])
    with pytest.raises(Forbidden):
        actions.claim_cases(people["reviewer"], cases)
    with pytest.raises(InvalidInput):
        actions.claim_cases(people["supervisor"], [])
    with pytest.raises(InvalidInput):
        actions.claim_cases(people["supervisor"], cases * 13)
    assert not Case.objects.filter(claimed_by__isnull=False).exists()


def test_saved_filters_belong_to_their_reviewer(people):
    mine = actions.save_queue_filter(people["reviewer"], "Expired, overdue", "?category=expired_goods&overdue=1")
    assert mine.query == "category=expired_goods&overdue=1"
    again = actions.save_queue_filter(people["reviewer"], "Expired, overdue", "category=expired_goods")
    assert again.pk == mine.pk and SavedQueueFilter.objects.get(pk=mine.pk).query == "category=expired_goods"
    with pytest.raises(NotFound):
        actions.delete_queue_filter(people["supervisor"], mine.pk)
    with pytest.raises(InvalidInput):
        actions.save_queue_filter(people["reviewer"], "", "category=x")
    with pytest.raises(InvalidInput):
        actions.save_queue_filter(people["reviewer"], "all", "")
    with pytest.raises(Forbidden):
        actions.save_queue_filter(people["consumer"], "mine", "category=x")
    for i in range(19):
        actions.save_queue_filter(people["reviewer"], f"f{i}", f"priority={i}")
    with pytest.raises(InvalidInput) as error:
        actions.save_queue_filter(people["reviewer"], "one too many", "priority=99")
    assert error.value.code == "too_many_filters"
    actions.delete_queue_filter(people["reviewer"], mine.pk)
    assert SavedQueueFilter.objects.filter(user=people["reviewer"]).count() == 19


def test_search_finds_cases_by_reference_order_phone_and_merchant(people):
    case = in_review(people)
    Consumer.objects.filter(external_id="C1").update(phone="138-0000 1001")
    other = f.merchant("M-SEOUL", name="Seoul Health")
    (elsewhere,) = f.queue_cases(1, merchants=[other])

    def refs(q):
        return [c.reference for c in search_cases(q)[0]]

    assert refs(case.reference.lower()) == [case.reference]
    assert refs(case.report.order.external_id) == [case.reference]
    # Spaces and dashes are ignored on both sides.
    for phone in ("13800001001", "138 0000 1001", "138-0000-1001", " 138 0000-1001 "):
        assert refs(phone) == [case.reference], phone
    assert refs("M-SEOUL") == [elsewhere.reference]
    assert refs("Seoul") == [elsewhere.reference]
    assert refs("nothing-like-it") == [] and refs("   ") == []


def test_phone_matching_ignores_spaces_and_dashes_and_uses_the_key_index():
    assert normal_phone("138 0000-1001") == "13800001001"
    Consumer.objects.create(external_id="C-P", name="王芳", phone="139 1234-5678")
    assert [c.external_id for c in phone_matches("13912345678")] == ["C-P"]
    assert [c.external_id for c in phone_matches("139-1234-5678")] == ["C-P"]
    assert list(phone_matches("")) == []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny table: make the planner show the index
    assert "consumer_phone_key" in phone_matches("139 1234 5678").explain()


def test_forensics_warn_an_upheld_outcome_on_photos_taken_before_delivery():
    delivered = datetime(2026, 11, 20, 12, tzinfo=timezone.get_current_timezone())
    photo = {"party": "reporter", "content_type": "image/jpeg", "file_name": "a.jpg"}
    early = photo | {"captured_at": delivered - timedelta(days=2)}
    late = photo | {"captured_at": delivered + timedelta(hours=3), "file_name": "b.jpg"}
    (warning,) = outcome_warnings([early, late], delivered)
    assert warning["code"] == "photos_before_delivery" and warning["files"] == ["a.jpg"]
    assert warning["outcomes"] == ("upheld", "partly_upheld") and not warning["all"]
    # After delivery, without a capture time, the merchant's own, or no delivery date: nothing to say.
    assert outcome_warnings([late, photo | {"captured_at": None}], delivered) == []
    assert outcome_warnings([early | {"party": "merchant"}], delivered) == []
    assert outcome_warnings([early], None) == []
