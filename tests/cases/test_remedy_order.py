"""An upheld listing or merchant report instructs its remedy on the consumer's order, or says why none applies
(issue 18, fault 2).

The order is the one the report names, else the reporter's latest order of the listing or merchant
received within the category's window before the report. A statement never names a remedy that is
not instructed: both the statement and the instruction (row and webhook) are checked.
"""

import json
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from plaint.accounts.models import Role
from plaint.cases import actions, clocks, statements
from plaint.cases.inputs import DecisionIn, ReportIn, ResponseIn
from plaint.cases.models import Case
from plaint.enforcement.models import RemedyInstruction
from plaint.evidence.actions import Upload
from plaint.notifications.models import OutboxMessage
from tests import factories as f

SH = ZoneInfo("Asia/Shanghai")
FILED = datetime(2026, 12, 8, 10, tzinfo=SH)


def listing_report(people, listing, category="expired_goods", kind="photo_of_expiry_date") -> Case:
    data = ReportIn(target_type="listing", target_id=listing.external_id, category=category, description="过期商品")
    return actions.file_report(people["consumer"], data, [Upload("p.jpg", f.jpeg(), kind)], now=FILED).case


def upheld_for_silence(case: Case) -> Case:
    """Let the merchant stay silent: expired goods are upheld then (an automated decision)."""
    case.refresh_from_db()
    assert clocks.tick(case.response_due_at).silence_handled == 1
    return Case.objects.get(pk=case.pk)


def remedy_webhooks() -> list[dict]:
    return [
        json.loads(m.body)["data"] for m in OutboxMessage.objects.filter(topic="remedy.instructed", channel="webhook")
    ]


def test_an_upheld_listing_report_refunds_the_consumers_order_of_that_listing(people):
    listing = f.listing(people["shop"], "L-CREAM")
    # The consumer's orders: an older one of the listing, the latest of it, and a later one of another.
    f.order(people["shop"], "C1", external_id="O-OLD", listing_obj=listing, delivered_at=FILED - timedelta(days=20))
    bought = f.order(
        people["shop"], "C1", external_id="O-NEW", listing_obj=listing, amount="120.00", tariff="11.04",
        delivered_at=FILED - timedelta(days=5),
    )  # fmt: skip
    f.order(people["shop"], "C1", external_id="O-OTHER", delivered_at=FILED - timedelta(days=1))
    case = upheld_for_silence(listing_report(people, listing))
    decision = case.decisions.get()
    assert (decision.outcome, decision.remedy) == ("upheld", "refund")
    instruction = RemedyInstruction.objects.get(case=case)
    assert instruction.order == bought
    assert (instruction.kind, instruction.amount, instruction.tariff_amount) == (
        "refund",
        Decimal("120.00"),
        Decimal("11.04"),
    )
    [hook] = remedy_webhooks()
    assert (hook["order_id"], hook["total"]) == ("O-NEW", "131.04")
    text = statements.render(decision.statement, "en")
    assert "Remedy: Refund 120.00 CNY plus the tariff paid, 11.04 CNY" in text


def test_an_upheld_listing_report_without_an_order_says_no_remedy_applies(people):
    listing = f.listing(people["shop"], "L-CREAM")
    # Bought, but outside expired goods' 30-day window before the report: not this report's order.
    f.order(people["shop"], "C1", external_id="O-LATE", listing_obj=listing, delivered_at=FILED - timedelta(days=45))
    case = upheld_for_silence(listing_report(people, listing))
    decision = case.decisions.get()
    assert decision.outcome == "upheld"
    assert decision.remedy == "none"  # what was instructed: nothing
    assert not RemedyInstruction.objects.filter(case=case).exists()
    assert remedy_webhooks() == []
    for language, says, never in (
        ("en", "No remedy applies: no order of this listing", "Remedy: Refund"),
        ("zh-hans", "不适用补救措施：未找到举报人", "补救措施：退款"),
    ):
        text = statements.render(decision.statement, language)
        assert says in text and "30" in text
        assert never not in text
    hook = json.loads(OutboxMessage.objects.get(topic="case.decided", channel="webhook").body)["data"]
    assert hook["remedy"] == "none"


def test_an_upheld_merchant_report_refunds_the_latest_order_from_that_merchant(people):
    other_shop = f.merchant("M-B")
    f.order(people["shop"], "C1", external_id="O-1", delivered_at=FILED - timedelta(days=30))
    latest = f.order(people["shop"], "C1", external_id="O-2", amount="88.00", delivered_at=FILED - timedelta(days=10))
    f.order(other_shop, "C1", external_id="O-3", delivered_at=FILED - timedelta(days=2))  # another merchant's
    data = ReportIn(target_type="merchant", target_id="M-A", category="counterfeit", description="假货")
    case = actions.file_report(
        people["consumer"], data, [Upload("p.jpg", f.jpeg(), "photo_of_product")], now=FILED
    ).case
    actions.respond_as_merchant(
        people["merchant"], case, ResponseIn(kind="contest", explanation="正品"), now=FILED + timedelta(hours=2)
    )
    reviewer = f.user(Role.REVIEWER)
    actions.claim_case(reviewer, case, now=FILED + timedelta(hours=3))
    decision = actions.decide_case(
        reviewer,
        case,
        DecisionIn(outcome="upheld", reason_codes=["violation_established"], statement="鉴定为假货，举报成立。"),
        now=FILED + timedelta(hours=4),
    )
    assert decision.remedy == "refund"
    assert RemedyInstruction.objects.get(case=case).order == latest
    assert "Remedy: Refund 88.00 CNY" in statements.render(decision.statement, "en")


def test_an_order_report_still_refunds_its_own_order(people):
    order = f.order(people["shop"], "C1", external_id="O-9", delivered_at=FILED - timedelta(days=2))
    data = ReportIn(target_type="order", target_id="O-9", category="expired_goods", description="过期")
    case = actions.file_report(
        people["consumer"], data, [Upload("p.jpg", f.jpeg(), "photo_of_expiry_date")], now=FILED
    ).case
    case = upheld_for_silence(case)
    assert RemedyInstruction.objects.get(case=case).order == order
