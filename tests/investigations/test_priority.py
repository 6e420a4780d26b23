"""An investigation's priority: the category's fixed one before rulebook version 4, computed from the terms that
apply to it under version 4's [priority] (severity and age; no order, cluster, reporter or reporter's evidence),
shown to the reviewer like any case's."""

from datetime import datetime, timedelta

import pytest

from plaint.cases import actions, priority
from plaint.cases.inputs import DecisionIn, InvestigationIn, ResponseIn
from plaint.cases.models import Case
from plaint.evidence.actions import Upload
from plaint.rulebook import loader
from tests import factories as f

from .conftest import CST, START

pytestmark = pytest.mark.django_db

V4 = datetime(2026, 12, 10, 10, 0, tzinfo=CST)  # rulebook version 4 ([priority]) in force


def investigate(world, now: datetime, *, target=("listing", "L-FAKE"), category="counterfeit") -> Case:
    data = InvestigationIn(
        target_type=target[0], target_id=target[1], category=category, description="平台抽检。Test purchase."
    )
    upload = Upload("serial.jpg", f.jpeg(), "photo_of_product")
    return actions.open_investigation(world["supervisor"], data, [upload], now=now).case


def test_under_version_4_an_investigation_gets_the_terms_that_apply_and_the_reviewer_sees_them(world):
    case = investigate(world, V4)
    weights = loader.get("4").priority
    assert case.rulebook_version == "4"
    # Severity only: no order, no cluster, no reporter, no reporter's evidence; age grows from 0.
    assert case.priority_terms == {
        "severity": weights.severity["counterfeit"], "amount": 0, "cluster": 0, "trusted_flagger": 0,
        "reporter": 0, "forensics": 0, "age": 0,
    }  # fmt: skip
    assert case.priority == weights.severity["counterfeit"] != loader.get("4").category("counterfeit").priority
    seen = world["api"]["reviewer"].get(f"/cases/{case.reference}").json()["priority_terms"]
    assert seen["computed"] is True and seen["total"] == case.priority
    assert {t["term"]: t["value"] for t in seen["terms"]}["severity"] == weights.severity["counterfeit"]


def test_an_investigation_ages_like_any_case_and_a_recomputation_gives_it_no_reporter_record(world):
    # An earlier investigation upheld: a case without a reporter, which no reporter's record may count.
    earlier = investigate(world, V4, target=("merchant", "M-FLAG"))
    actions.respond_as_merchant(world["staff"], earlier, ResponseIn(kind="contest", explanation="没有问题"), now=V4)
    actions.claim_case(world["reviewer"], Case.objects.get(pk=earlier.pk), now=V4)
    actions.decide_case(
        world["reviewer"],
        Case.objects.get(pk=earlier.pk),
        DecisionIn(
            outcome="upheld",
            reason_codes=["violation_established"],
            statement="抽检证实为假货。The test purchase proved it.",
        ),
        now=V4,
    )
    case = investigate(world, V4 + timedelta(hours=1))
    base = case.priority
    assert priority.refresh_ages(V4 + timedelta(days=3, hours=2)) == 1
    case.refresh_from_db()
    assert case.priority_terms["age"] == 3 and case.priority == base + 3
    priority.refresh(case, V4 + timedelta(days=3, hours=2))
    case.refresh_from_db()
    assert case.priority_terms["reporter"] == 0 and case.priority == base + 3


def test_before_version_4_an_investigation_keeps_the_category_priority(world):
    case = investigate(world, START)
    assert loader.get(case.rulebook_version).priority is None
    fixed = loader.get(case.rulebook_version).category("counterfeit").priority
    assert case.priority == fixed and case.priority_terms == {}
    assert priority.explained(case)["computed"] is False
