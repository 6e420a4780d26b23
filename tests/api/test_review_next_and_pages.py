"""POST /api/review/next and the keyset pages of GET /api/cases and GET /api/review/queue."""

from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.utils import timezone

from plaint.accounts.models import Role
from plaint.cases.models import Case
from plaint.cases.queries import review_queue
from plaint.keyset import capped_counts
from tests import factories as f
from tests.api_client import ApiClient

pytestmark = pytest.mark.django_db


def api(role: str, **fields) -> ApiClient:
    return ApiClient(f.token(f.user(role, **fields)))


def claim_next(client: ApiClient, **filters):
    return client.post_json("/review/next" + ("?" + urlencode(filters) if filters else ""), {})


def test_next_claims_the_head_of_the_queue_and_answers_the_case():
    f.queue_cases(5)
    reviewer = api(Role.REVIEWER)
    head = review_queue(timezone.now()).first()
    response = claim_next(reviewer)
    assert response.status_code == 200
    body = response.json()
    assert body["reference"] == head.reference and body["claim"]["claimed_by"]
    assert "decide" in body["allowed_actions"]
    assert Case.objects.get(pk=head.pk).claimed_by.role == Role.REVIEWER
    assert claim_next(reviewer).json()["reference"] != head.reference


def test_next_with_filters_and_an_empty_queue_answers_404_queue_empty():
    shops = [f.merchant("M-ONE"), f.merchant("M-TWO")]
    f.queue_cases(12, merchants=shops)
    supervisor = api(Role.SUPERVISOR)
    filters = {"category": "counterfeit", "merchant": "M-TWO", "channel": "app"}
    wanted = set(
        review_queue(timezone.now(), category="counterfeit", merchant_id=shops[1].pk, channel="app").values_list(
            "reference", flat=True
        )
    )
    got = set()
    while (response := claim_next(supervisor, **filters)).status_code == 200:
        got.add(response.json()["reference"])
    assert got == wanted and wanted
    assert response.status_code == 404
    assert response.json()["code"] == "queue_empty" and response.json()["hint"]
    assert claim_next(supervisor, merchant="NO-SUCH-SHOP").json()["code"] == "queue_empty"
    refused = claim_next(supervisor, state="decided")
    assert refused.status_code == 422


@pytest.mark.parametrize("role", [Role.CONSUMER, Role.MERCHANT, Role.AGENT, Role.ADMIN, Role.MARKETPLACE])
def test_next_is_refused_to_everyone_but_reviewers_and_supervisors(role):
    f.queue_cases(2)
    response = claim_next(api(role))
    assert response.status_code == 403 and response.json()["code"] == "not_a_reviewer"
    assert not Case.objects.filter(claimed_by__isnull=False).exists()


def _walk(client: ApiClient, path: str, between=None, **params) -> list[str]:
    """Return the references of every page of a list, calling `between(page_number)` after each page."""
    seen, cursor, number = [], None, 0
    while True:
        body = client.get(path, **params, **({"cursor": cursor} if cursor else {})).json()
        seen += [row["reference"] for row in body["results"]]
        number += 1
        cursor = body["next"]
        if between:
            between(number)
        if not cursor:
            return seen


def test_staff_case_list_pages_have_no_duplicates_or_gaps_while_cases_are_added():
    before = f.queue_cases(130)
    staff = api(Role.AGENT)

    def file_more(number: int) -> None:
        # Newer cases arrive between pages (they belong before the cursor: the list is newest first).
        f.queue_cases(3, opened_at=lambda i: timezone.now())

    seen = _walk(staff, "/cases", between=file_more)
    assert len(seen) == len(set(seen))
    assert {c.reference for c in before} <= set(seen)
    first = staff.get("/cases").json()
    assert first["count"] == Case.objects.count() and first["count_capped"] is False
    assert len(first["results"]) == 50
    by_state = _walk(staff, "/cases", state="awaiting_review")
    assert by_state == list(Case.objects.order_by("-opened_at", "-id").values_list("reference", flat=True))


def test_review_queue_pages_follow_the_queue_order_while_cases_join_at_both_ends():
    now = timezone.now()
    before = f.queue_cases(120, decision_due_at=lambda i: now + timedelta(hours=1 + i % 7))
    reviewer = api(Role.REVIEWER)
    order = list(review_queue(now).values_list("reference", flat=True))
    added_after = []

    def join(number: int) -> None:
        # One case more urgent than any (before the cursor: not shown) and one least urgent (still ahead).
        f.queue_cases(1, priority=99)
        added_after.extend(c.reference for c in f.queue_cases(1, priority=-1))

    seen = _walk(reviewer, "/review/queue", between=join)
    assert len(seen) == len(set(seen))
    assert [r for r in seen if r in set(order)] == order
    assert set(added_after[:-1]) <= set(seen)  # those added before the last page was read
    assert {c.reference for c in before} <= set(seen)
    # Filters and the cursor together: a page of one category continues in that category.
    first = reviewer.get("/review/queue", category="counterfeit", priority=2).json()
    assert first["results"] and all(r["category"] == "counterfeit" and r["priority"] == 2 for r in first["results"])


def test_a_cursor_is_only_good_for_its_own_list_and_page_numbers_are_refused():
    f.queue_cases(60)
    staff = api(Role.SUPERVISOR)
    cursor = staff.get("/cases").json()["next"]
    assert cursor
    for path, params in [
        ("/review/queue", {"cursor": cursor}),
        ("/review/queue", {"cursor": "not-a-cursor"}),
        ("/cases", {"cursor": "eyJ4Ijp0cnVlfQ"}),
        ("/cases", {"cursor": cursor[:-4]}),
    ]:
        response = staff.get(path, **params)
        assert response.status_code == 422, (path, params)
        assert response.json()["code"] in ("invalid_cursor", "invalid_input"), response.json()
    refused = staff.get("/cases", page=2)
    assert refused.status_code == 422 and refused.json()["field"] == "page" and "cursor" in refused.json()["hint"]
    assert staff.get("/cases", page=1).status_code == 200


def test_the_queue_is_refused_to_parties_and_agents():
    for role in (Role.CONSUMER, Role.MERCHANT, Role.AGENT):
        assert api(role).get("/review/queue").status_code == 403


def test_capped_counts_stop_past_the_cap_in_one_statement():
    f.queue_cases(30)
    everything = Case.objects.all()
    assert capped_counts([everything, everything.filter(priority=1), everything.none()], 10) == [11, 8, 0]
    assert capped_counts([everything], 100) == [30]
