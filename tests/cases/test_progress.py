"""Where a case is and what happens next (issue 17, item 3): cases.progress.progress, stage by stage.

The consequences are the rulebook's: the category's `silence` (uphold or review), the decision clock's
`on_breach`, the evidence deadline, v3's reply days and the decision's appeal windows.
"""

from datetime import datetime, timedelta, timezone

import pytest

from plaint.accounts.models import Role
from plaint.cases import actions
from plaint.cases.access import MERCHANT, REPORTER, STAFF
from plaint.cases.inputs import DecisionIn, ReportIn, ResponseIn
from plaint.cases.progress import STAGES, progress
from plaint.evidence.actions import Upload
from tests import factories as f

CST = timezone(timedelta(hours=8))


@pytest.fixture
def world(db, time_machine):
    time_machine.move_to(datetime(2026, 12, 8, 10, 0, tzinfo=CST), tick=False)  # rulebook v3
    shop = f.merchant("M-A", name="Shop A")
    return {
        "shop": shop,
        "order": f.order(shop, "C1", external_id="O-1"),
        "consumer": f.consumer_user("C1"),
        "staff": f.user(Role.MERCHANT, merchant=shop),
        "reviewer": f.user(Role.REVIEWER),
    }


def _file(world, category: str, kind: str | None, remedy: str = "refund"):
    files = [Upload("p.jpg", f.jpeg(), kind)] if kind else []
    data = ReportIn(
        target_type="order", target_id="O-1", category=category, description="问题 problem", remedy_wanted=remedy
    )
    return actions.file_report(world["consumer"], data, files).case


def _statuses(result) -> dict[str, str]:
    return {s["stage"]: s["status"] for s in result["stages"]}


def test_awaiting_the_merchant_says_the_categorys_silence_rule_with_the_deadline(world):
    case = _file(world, "expired_goods", "photo_of_expiry_date")  # silence = "uphold", 3 days
    mine = progress(case, REPORTER)
    assert [s["stage"] for s in mine["stages"]] == list(STAGES)
    assert mine["current"] == "merchant_answer"
    assert _statuses(mine) == {
        "filed": "done",
        "merchant_answer": "current",
        "review": "upcoming",
        "decision": "upcoming",
        "remedy": "upcoming",
        "appeal_window": "upcoming",
    }
    current = mine["stages"][1]
    assert datetime.fromisoformat(current["due_at"]) == datetime(2026, 12, 11, 10, 0, tzinfo=CST)
    assert current["if_passes"] == {
        "zh": "若商家未在 12月11日 10:00 前答复，您的举报将自动认定成立。",
        "en": "If the merchant does not answer by 11 Dec 10:00, your report is upheld automatically.",
    }
    assert progress(case, MERCHANT)["stages"][1]["if_passes"]["en"] == (
        "If you do not answer by 11 Dec 10:00, the report is upheld automatically."
    )


def test_a_category_whose_silence_goes_to_review_says_so(world):
    case = _file(world, "counterfeit", "photo_of_product")  # silence = "review"
    assert progress(case, REPORTER)["stages"][1]["if_passes"]["en"] == (
        "If the merchant does not answer by 11 Dec 10:00, the case goes to a reviewer without the answer."
    )


def test_in_review_the_decision_deadline_the_escalation_and_the_reporters_reply_window(world):
    case = _file(world, "counterfeit", "photo_of_product")
    actions.respond_as_merchant(world["staff"], case, ResponseIn(kind="contest", explanation="正品 genuine"))
    case.refresh_from_db()
    mine = progress(case, REPORTER)
    assert mine["current"] == "review"
    assert _statuses(mine)["merchant_answer"] == "done"
    review = mine["stages"][2]
    assert datetime.fromisoformat(review["due_at"]) == case.decision_due_at
    assert review["if_passes"]["en"].endswith("a supervisor takes the case up.")
    assert review["note"]["en"] == "You may answer the merchant's answer and evidence once, until 10 Dec 10:00."
    assert progress(case, STAFF)["stages"][2]["note"]["en"].startswith("The reporter may answer")
    actions.reply_to_merchant(world["consumer"], case, "批次不符 the batch differs")
    assert progress(case, REPORTER)["stages"][2]["note"] is None


def test_needing_evidence_at_intake_the_filed_stage_carries_the_deadline(world):
    case = _file(world, "counterfeit", None)
    mine = progress(case, REPORTER)
    assert mine["current"] == "filed"
    assert mine["stages"][0]["if_passes"]["en"].startswith("If the evidence asked for is not added by 15 Dec 10:00")


def test_decided_the_remedy_is_instructed_and_the_appeal_window_runs_for_the_side_that_may_appeal(world):
    case = _file(world, "counterfeit", "photo_of_product")
    actions.respond_as_merchant(world["staff"], case, ResponseIn(kind="contest", explanation="正品 genuine"))
    actions.claim_case(world["reviewer"], case)
    actions.decide_case(
        world["reviewer"],
        case,
        DecisionIn(outcome="upheld", reason_codes=["violation_established"], statement="依据证据作出决定。Decided."),
    )
    case.refresh_from_db()
    merchant = progress(case, MERCHANT)
    assert _statuses(merchant) == {
        "filed": "done",
        "merchant_answer": "done",
        "review": "done",
        "decision": "done",
        "remedy": "done",
        "appeal_window": "current",
    }
    window = merchant["stages"][5]
    assert window["if_passes"]["en"].startswith("After ") and window["due_at"]
    # Upheld: the reporter has no appeal of the outcome; their window is not open.
    assert progress(case, REPORTER)["current"] is None


def test_resolved_by_the_merchant_skips_review_and_decision(world):
    case = _file(world, "expired_goods", "photo_of_expiry_date")
    actions.respond_as_merchant(world["staff"], case, ResponseIn(kind="accept", explanation="同意退款 we refund"))
    case.refresh_from_db()
    result = progress(case, REPORTER)
    assert _statuses(result) == {
        "filed": "done",
        "merchant_answer": "done",
        "review": "skipped",
        "decision": "skipped",
        "remedy": "done",
        "appeal_window": "skipped",
    }
    assert result["current"] is None


def test_withdrawn_every_later_stage_is_skipped(world):
    case = _file(world, "expired_goods", "photo_of_expiry_date")
    actions.withdraw_report(world["consumer"], case, "已与商家协商 settled")
    case.refresh_from_db()
    result = progress(case, REPORTER)
    assert set(_statuses(result).values()) == {"done", "skipped"}
    assert result["stages"][0]["note"]["en"] == "The report was withdrawn."
