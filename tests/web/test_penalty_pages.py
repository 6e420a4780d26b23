"""After a decision, through the pages: the merchant's penalty appeal and rectification proof, the
reviewer's check of the proof, the supervisor's decision on the appeal."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from plaint.cases import actions
from plaint.cases.inputs import DecisionIn, RectificationIn
from plaint.cases.models import Appeal
from plaint.enforcement.models import PointEntry, Rectification
from tests.web import casework_world

pytestmark = pytest.mark.django_db


# Written for rulebook version 1, in force until 1 December 2026 00:00 +08:00: the tests run on a day of it
# (version 2 and later are tested on their own days elsewhere).
@pytest.fixture(autouse=True)
def under_version_1(time_machine):
    time_machine.move_to(datetime(2026, 11, 30, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")))


@pytest.fixture
def decided():
    world = casework_world.build()
    case = world["in_review"]
    actions.claim_case(world["users"]["reviewer"], case)
    actions.decide_case(
        world["users"]["reviewer"],
        case,
        DecisionIn(
            outcome="upheld",
            reason_codes=["violation_established"],
            statement="The cream was past its date on delivery.",
            rectification=RectificationIn(kind="withdraw_batch", instructions="Withdraw batch B2026-07 from sale."),
        ),
    )
    return world


def signed_in(user) -> Client:
    user.language = "en"
    user.save(update_fields=["language"])
    client = Client()
    client.force_login(user)
    return client


def test_merchant_appeals_the_penalty_and_a_supervisor_overturns_it(decided):
    ref = decided["in_review"].reference
    merchant = signed_in(decided["users"]["merchant"])
    page = merchant.get(f"/merchant/cases/{ref}/").content.decode()
    assert "Appeal this decision" in page and "Withdraw batch B2026-07 from sale." in page
    assert "The points and the measures they bring (the penalty)" in page  # the one thing open under v1
    empty = merchant.post(f"/merchant/cases/{ref}/appeal/", {"grounds": "  "})
    assert empty.status_code == 422 and "This field is required." in empty.content.decode()
    assert merchant.post(f"/merchant/cases/{ref}/appeal/", {"grounds": "The batch was fine."}).status_code == 302
    appeal = Appeal.objects.get(decision__case__reference=ref)
    page = merchant.get(f"/merchant/cases/{ref}/").content.decode()
    assert "Awaiting the decision" in page and "Reconsideration by a supervisor" in page
    chinese = signed_in(decided["users"]["merchant"])
    decided["users"]["merchant"].language = "zh-hans"
    decided["users"]["merchant"].save(update_fields=["language"])
    assert "等待决定" in chinese.get(f"/merchant/cases/{ref}/").content.decode()  # the appeal's state, in Chinese
    # Another merchant cannot appeal this case's penalty.
    other = signed_in(decided["users"]["other_merchant"])
    assert other.post(f"/merchant/cases/{ref}/appeal/", {"grounds": "x"}).status_code == 404

    supervisor = signed_in(decided["users"]["supervisor"])
    assert "The batch was fine." in supervisor.get("/review/supervisor/").content.decode()
    assert signed_in(decided["users"]["reviewer"]).post(f"/review/appeals/{appeal.pk}/decision/").status_code == 403
    supervisor.post(f"/review/appeals/{appeal.pk}/decision/", {"overturn": "1", "reasons": "short"})
    appeal.refresh_from_db()
    assert appeal.legacy_state == "pending"  # reasons too short: refused with a message, nothing changed
    supervisor.post(
        f"/review/appeals/{appeal.pk}/decision/", {"overturn": "1", "reasons": "The expiry photo shows another batch."}
    )
    appeal.refresh_from_db()
    assert appeal.legacy_state == "overturned"
    assert not PointEntry.objects.filter(case__reference=ref, revoked_at__isnull=True).exists()


def test_merchant_sends_rectification_proof_and_a_reviewer_accepts_it(decided):
    ref = decided["in_review"].reference
    rect = Rectification.objects.get(case__reference=ref)
    merchant = signed_in(decided["users"]["merchant"])
    missing = merchant.post(f"/merchant/cases/{ref}/rectifications/{rect.pk}/proof/", {"evidence_kind": "other"})
    assert missing.status_code == 422
    sent = merchant.post(
        f"/merchant/cases/{ref}/rectifications/{rect.pk}/proof/",
        {"proof": "Batch B2026-07 withdrawn; listing relabelled.", "evidence_kind": "other"},
    )
    assert sent.status_code == 302
    rect.refresh_from_db()
    assert rect.state == "submitted"

    reviewer = signed_in(decided["users"]["reviewer"])
    page = reviewer.get(f"/review/cases/{ref}/").content.decode()
    assert "Batch B2026-07 withdrawn; listing relabelled." in page and "Accept the proof" in page
    assert merchant.post(f"/review/cases/{ref}/rectifications/{rect.pk}/review/", {"accept": "1"}).status_code == 403
    refused = reviewer.post(f"/review/cases/{ref}/rectifications/{rect.pk}/review/", {"accept": "1", "reasons": ""})
    assert refused.status_code == 422
    reviewer.post(
        f"/review/cases/{ref}/rectifications/{rect.pk}/review/", {"accept": "1", "reasons": "Checked the listing."}
    )
    rect.refresh_from_db()
    assert rect.state == "accepted" and rect.review_reasons == "Checked the listing."
