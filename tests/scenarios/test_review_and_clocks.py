"""The review queue's order, claims that lapse, merchant silence, and decisions that outlive rule changes."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from plaint.accounts.models import Role
from plaint.cases import actions, clocks
from plaint.cases.inputs import DecisionIn, ReportIn, ResponseIn
from plaint.cases.models import Case
from plaint.evidence.actions import Upload
from plaint.rulebook import loader
from plaint.rulebook.models import RulebookVersion
from tests import factories as f
from tests.api_client import ApiClient

pytestmark = pytest.mark.django_db


def contested(consumer, merchant_user, order_id: str, category: str, kind: str) -> Case:
    data = ReportIn(target_type="order", target_id=order_id, category=category, description="问题 problem")
    case = actions.file_report(consumer, data, [Upload("p.jpg", f.jpeg(), kind)]).case
    actions.respond_as_merchant(merchant_user, case, ResponseIn(kind="contest", explanation="不同意"))
    return Case.objects.get(pk=case.pk)


@pytest.fixture
def shop():
    merchant = f.merchant("M-A")
    for number in range(1, 4):
        f.order(merchant, "C1", external_id=f"O-{number}", delivered_at=timezone.now() - timedelta(days=1))
    return merchant, f.consumer_user("C1"), f.user(Role.MERCHANT, merchant=merchant)


def test_queue_puts_serious_cases_first_then_the_earliest_due(shop, time_machine):
    merchant, consumer, staff = shop
    time_machine.move_to(timezone.now())
    first_quality = contested(consumer, staff, "O-1", "product_quality", "photo_of_product")
    time_machine.shift(timedelta(hours=1))
    second_quality = contested(consumer, staff, "O-2", "product_quality", "photo_of_product")
    time_machine.shift(timedelta(hours=1))
    counterfeit = contested(consumer, staff, "O-3", "counterfeit", "photo_of_product")
    reviewer = ApiClient(f.token(f.user(Role.REVIEWER)))
    queue = reviewer.get("/review/queue").json()
    assert [c["reference"] for c in queue["results"]] == [
        counterfeit.reference,  # serious track: rulebook priority 2
        first_quality.reference,
        second_quality.reference,
    ]
    only_quality = reviewer.get("/review/queue", category="product_quality").json()
    assert only_quality["count"] == 2
    assert reviewer.get("/review/queue", state="resolved").status_code == 422


def test_a_claim_lapses_after_the_rulebook_timeout(shop, time_machine):
    merchant, consumer, staff = shop
    time_machine.move_to(timezone.now())
    case = contested(consumer, staff, "O-1", "product_quality", "photo_of_product")
    first, second = f.user(Role.REVIEWER), f.user(Role.REVIEWER)
    actions.claim_case(first, case)
    timeout = loader.get("1").intake.claim_timeout_minutes
    time_machine.shift(timedelta(minutes=timeout - 1))
    assert clocks.tick().claims_lapsed == 0
    time_machine.shift(timedelta(minutes=2))
    assert clocks.tick().claims_lapsed == 1
    case.refresh_from_db()
    assert case.claimed_by is None
    actions.claim_case(second, case)
    assert case.events.filter(kind="claim_lapsed").count() == 1


def test_merchant_silence_sends_a_quality_case_to_review(shop, time_machine):
    merchant, consumer, staff = shop
    time_machine.move_to(timezone.now())
    data = ReportIn(target_type="order", target_id="O-1", category="product_quality", description="坏了")
    case = actions.file_report(consumer, data, [Upload("p.jpg", f.jpeg(), "photo_of_product")]).case
    time_machine.shift(timedelta(days=3, seconds=1))
    clocks.tick()
    case.refresh_from_db()
    assert case.state == "awaiting_review"
    assert case.decision_due_at is not None
    assert not case.decisions.exists()
    late = ApiClient(f.token(staff)).post_form(
        f"/cases/{case.reference}/response", {"kind": "accept", "explanation": "ok"}
    )
    assert late.status_code == 409


def test_a_deadline_passed_while_plaint_was_down_fires_once_on_return(shop, time_machine):
    merchant, consumer, staff = shop
    time_machine.move_to(timezone.now())
    data = ReportIn(target_type="order", target_id="O-1", category="not_as_described", description="不符")
    case = actions.file_report(consumer, data, []).case
    time_machine.shift(timedelta(days=30))  # down for a month
    assert clocks.tick().evidence_closed == 1
    assert clocks.tick().evidence_closed == 0
    assert case.decisions.count() == 1


def test_a_new_rulebook_version_does_not_change_an_old_decision(shop, tmp_path):
    merchant, consumer, staff = shop
    case = contested(consumer, staff, "O-1", "expired_goods", "photo_of_expiry_date")
    reviewer = f.user(Role.REVIEWER)
    actions.claim_case(reviewer, case)
    actions.decide_case(
        reviewer,
        case,
        DecisionIn(
            outcome="upheld", reason_codes=["violation_established"], statement="保质期照片显示已过期，商家未能反驳。"
        ),
    )
    reader = ApiClient(f.token(consumer))
    before = reader.get(f"/cases/{case.reference}", lang="en").json()["decisions"][0]["statement_text"]

    # The case was filed under the version in force now; a later version is published beside it.
    current = case.rulebook_version
    assert current == loader.in_force(timezone.now()).version
    text = RulebookVersion.objects.get(version=current).source_text
    starts = (timezone.now() - timedelta(minutes=1)).isoformat()
    later = re.sub(r"(?m)^effective_from = .*$", f"effective_from = {starts}", text)
    later = later.replace(f'version = "{current}"', 'version = "later"').replace(
        'en = "Expired goods"', 'en = "Goods past their date"'
    )
    (tmp_path / "current.toml").write_text(text, encoding="utf-8")
    (tmp_path / "later.toml").write_text(later, encoding="utf-8")
    original = settings.PLAINT_RULEBOOK_DIR
    settings.PLAINT_RULEBOOK_DIR = tmp_path
    try:
        loader.check()
        assert loader.publish_all() == ["later"]
        after = reader.get(f"/cases/{case.reference}", lang="en").json()
        assert after["decisions"][0]["statement_text"] == before
        assert "Expired goods" in before and f"rulebook version {current}" in before
        assert after["rulebook_version"] == current
        # A case filed now is judged under the later version.
        data = ReportIn(target_type="order", target_id="O-2", category="expired_goods", description="过期")
        new = actions.file_report(consumer, data, [Upload("e.jpg", f.jpeg(), "photo_of_expiry_date")]).case
        assert new.rulebook_version == "later"
    finally:
        settings.PLAINT_RULEBOOK_DIR = original
        loader.check()


def test_openapi_document_and_docs_are_served():
    schema = Client().get("/api/openapi.json").json()
    assert "/api/reports" in schema["paths"]
    assert "/api/review/cases/{reference}/decision" in schema["paths"]
    docs = Client().get("/api/docs")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()


def test_a_signed_in_session_uses_the_api_with_the_same_permissions(shop):
    merchant, consumer, staff = shop
    client = Client()
    client.force_login(consumer)
    assert client.get("/api/cases").status_code == 200
    client.force_login(staff)
    assert client.get("/api/review/queue").status_code == 403
