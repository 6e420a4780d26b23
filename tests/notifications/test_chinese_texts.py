"""What a Chinese reader is told is all in Chinese: roles and money in the decision's e-mail and portal
notification read 举报人 and ¥389.00, never "(reporter)" or "389.00 CNY"; the English text keeps them."""

import re

import pytest

from plaint.accounts.models import Role
from plaint.cases import actions, statements
from plaint.cases.inputs import DecisionIn, ReportIn, ResponseIn
from plaint.evidence.actions import Upload
from plaint.notifications.models import Notification
from tests import factories as f

pytestmark = pytest.mark.django_db


def _english_words(text: str) -> list[str]:
    """Return the Latin words of a Chinese text, leaving out links, case references and the uploaders' file names."""
    text = re.sub(r"https?://\S+|PL-[\w-]+|\d{4}-\d\d-\d\dT[\d:.+]+|[\w-]+\.(?:jpg|png|webp|pdf|txt)", "", text)
    return re.findall(r"[A-Za-z]{2,}", text)


@pytest.fixture
def decided():
    shop = f.merchant()
    order = f.order(shop, "C1", amount="389.00", tariff="35.79")
    reporter = f.consumer_user("C1")
    data = ReportIn(target_type="order", target_id=order.external_id, category="expired_goods", description="过期了")
    case = actions.file_report(reporter, data, [Upload("e.jpg", f.jpeg(), "photo_of_expiry_date")]).case
    actions.respond_as_merchant(
        f.user(Role.MERCHANT, merchant=shop), case, ResponseIn(kind="contest", explanation="未过期")
    )
    reviewer = f.user(Role.REVIEWER)
    actions.claim_case(reviewer, case)
    decision = actions.decide_case(
        reviewer,
        case,
        DecisionIn(outcome="upheld", reason_codes=["unfounded"], statement="照片显示商品已过期，举报成立。"),
    )
    return reporter, case, decision


def test_the_chinese_decision_names_roles_and_money_in_chinese(decided):
    reporter, case, decision = decided
    statement = statements.render(decision.statement, "zh-hans")
    assert "e.jpg（举报人提交）" in statement and "sha256" not in statement
    assert "补救措施：退款 ¥389.00，另退已缴税费 ¥35.79" in statement
    assert "CNY" not in statement and "reporter" not in statement
    assert _english_words(statement) == []
    # The notice says the outcome and the remedy in Chinese money, and nothing in English.
    body = Notification.objects.get(user=reporter, event="decided").body
    assert "补救：退款 ¥389.00，另退已缴税费 ¥35.79" in body
    assert "CNY" not in body and _english_words(body) == []
    assert "sha256" not in body


def test_the_english_decision_keeps_its_wording(decided):
    reporter, case, decision = decided
    english = statements.render(decision.statement, "en")
    assert "e.jpg (from the reporter)" in english and "Refund 389.00 CNY plus the tariff paid, 35.79 CNY" in english


def test_other_currencies_keep_their_code_after_the_number():
    assert statements.money_zh("1234.5", "CNY") == "¥1,234.50"
    assert statements.money_zh("20", "usd") == "20.00 USD"
