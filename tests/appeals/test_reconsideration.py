"""Reconsideration by a supervisor who did not take the first decision: results enforced like decisions."""

from decimal import Decimal

import pytest

from plaint.cases import actions
from plaint.cases.inputs import ReportIn, ResponseIn
from plaint.cases.models import Decision
from plaint.enforcement.models import Measure, RemedyInstruction
from plaint.enforcement.standing import total
from plaint.errors import Forbidden, InvalidInput, Refused
from plaint.evidence.actions import Upload
from tests import factories as f

from .conftest import decided, sent

pytestmark = pytest.mark.django_db


def answered(world, case, party="consumer", appealed="outcome"):
    appeal = actions.file_appeal(world[party], case, appealed, "原决定有误，新证据见附件。").appeal
    other = world["staff"] if party in ("consumer", "agent") else world["consumer"]
    if appeal.state == "answer_window":
        actions.answer_appeal(other, appeal, "维持原意见。")
    appeal.refresh_from_db()
    return appeal


def test_a_consumer_who_wins_gets_the_remedy_and_the_merchant_the_points(world, receiver):
    case = decided(world, "not_upheld")
    appeal = answered(world, case)
    actions.decide_appeal(world["supervisor"], appeal, "overturned", "标签照片证明批号不符，举报成立。")
    appeal.refresh_from_db()
    assert (appeal.state, appeal.result, appeal.decided_by) == ("decided", "overturned", world["supervisor"])
    first, new = Decision.objects.filter(case=case).order_by("id")
    assert (first.outcome, new.outcome, new.appeal) == ("not_upheld", "upheld", appeal)
    assert new.points == 12 and total(world["shop"], "serious", new.decided_at) == 12
    [instruction] = sent(receiver, "remedy.instructed")
    order = case.report.order
    assert Decimal(instruction["total"]) == order.amount_paid + order.tariff_paid
    [decided_hook] = sent(receiver, "appeal.decided")
    assert decided_hook["appeal"]["result"] == "overturned" and decided_hook["effect"]["outcome_after"] == "upheld"
    assert decided_hook["refund_on_merchant_win"] == "keep"
    [revised] = sent(receiver, "remedy.revised")
    assert revised["before"] == {"remedy": "none", "total": "0"}
    assert Decimal(revised["after"]["total"]) == order.amount_paid + order.tariff_paid
    # The statement of reasons, both languages: grounds, who decided, result, effect, what remains.
    statement = appeal.statement
    assert "原决定有误" in statement["zh"] and "撤销原决定" in statement["zh"] and "12315" in statement["zh"]
    assert "a supervisor who did not take the first decision" in statement["en"] and "DSA art. 21" in statement["en"]
    assert case.events.filter(kind="appeal_decided").count() == 1


def test_a_merchant_who_wins_loses_the_points_and_the_refund_follows_the_policy(world, receiver):
    case = decided(world, "upheld")
    assert total(world["shop"], "serious", case.decisions.get().decided_at) == 12
    appeal = answered(world, case, party="staff")
    actions.decide_appeal(world["supervisor"], appeal, "overturned", "报关单证明为正品，举报不成立。")
    new = Decision.objects.get(case=case, appeal=appeal)
    assert new.outcome == "not_upheld" and new.points == 0
    assert total(world["shop"], "serious", new.decided_at) == 0
    assert all(m.revoked_at is not None for m in Measure.objects.filter(merchant=world["shop"]))
    [revised] = sent(receiver, "remedy.revised")
    assert revised["after"] == {"remedy": "none", "total": "0.00"} or revised["after"]["total"] in ("0", "0.00")
    assert Decimal(revised["difference"]) < 0 and revised["refund_on_merchant_win"] == "keep"
    assert RemedyInstruction.objects.filter(case=case).count() == 1  # nothing new is paid


def test_a_varied_remedy_sends_the_difference(world, receiver):
    case = decided(world, "partly_upheld", remedy="refund", remedy_amount="100.00")
    appeal = answered(world, case, appealed="remedy")
    actions.decide_appeal(world["supervisor"], appeal, "varied", "退款金额应为 250 元。", {"amount": "250.00"})
    instructions = sent(receiver, "remedy.instructed")
    assert [i["amount"] for i in instructions] == ["100.00", "150.00"]


def test_varied_points_and_lifted_measures(world, receiver):
    case = decided(world, "upheld")
    [warning, restriction] = Measure.objects.filter(merchant=world["shop"]).order_by("kind")
    appeal = actions.file_appeal(world["staff"], case, "penalty", "首次违规，扣分过重。").appeal
    assert appeal.state == "awaiting_decision"
    actions.decide_appeal(
        world["supervisor"],
        appeal,
        "varied",
        "首次违规，减为 6 分并解除限制。",
        {"points": 6, "lift_measures": [restriction.pk]},
    )
    assert total(world["shop"], "serious", appeal.filed_at) == 6
    restriction.refresh_from_db()
    assert restriction.revoked_at is not None
    assert case.events.filter(kind="penalty_appeal_decided").exists()


def test_an_overturned_inadmissibility_readmits_the_case(world):
    from datetime import timedelta

    from django.utils import timezone

    old = f.order(world["shop"], "C1", external_id="O-OLD", delivered_at=timezone.now() - timedelta(days=400))
    data = ReportIn(target_type="order", target_id=old.external_id, category="product_quality", description="坏了")
    case = actions.file_report(world["consumer"], data, [Upload("p.jpg", f.jpeg(), "photo_of_product")]).case
    appeal = answered(world, case, appealed="inadmissibility")
    with pytest.raises(InvalidInput):
        actions.decide_appeal(world["supervisor"], appeal, "varied", "只能撤销或维持。", {"points": 1})
    actions.decide_appeal(world["supervisor"], appeal, "overturned", "收货日期登记错误，应予受理。")
    case.refresh_from_db()
    assert case.state == "awaiting_merchant" and case.closed_at is None and case.response_due_at is not None
    assert case.events.filter(kind="readmit_on_appeal", from_state="inadmissible").exists()
    actions.respond_as_merchant(world["staff"], case, ResponseIn(kind="accept", explanation="同意退款"))


def test_who_may_reconsider(world):
    case = decided(world, "not_upheld")
    first = case.decisions.get()
    appeal = answered(world, case)
    with pytest.raises(Forbidden) as reviewer:
        actions.decide_appeal(world["reviewer"], appeal, "confirmed", "维持原决定，理由充分。")
    assert reviewer.value.code == "not_a_supervisor"
    Decision.objects.filter(pk=first.pk).update(decided_by=world["supervisor"])
    appeal.refresh_from_db()
    with pytest.raises(Forbidden) as same:
        actions.decide_appeal(world["supervisor"], appeal, "confirmed", "维持原决定，理由充分。")
    assert same.value.code == "took_first_decision"
    with pytest.raises(InvalidInput):
        actions.decide_appeal(world["other_supervisor"], appeal, "confirmed", "短")
    actions.decide_appeal(world["other_supervisor"], appeal, "confirmed", "维持原决定，理由充分。")
    appeal.refresh_from_db()
    assert appeal.result == "confirmed" and Decision.objects.filter(case=case).count() == 1
    with pytest.raises(Refused):
        actions.decide_appeal(world["other_supervisor"], appeal, "overturned", "再改一次结果试试看可以吗。")


def test_an_appeal_in_its_answer_window_is_not_decided_yet(world):
    case = decided(world, "not_upheld")
    appeal = actions.file_appeal(world["consumer"], case, "outcome", "证据充分").appeal
    with pytest.raises(Refused) as early:
        actions.decide_appeal(world["supervisor"], appeal, "overturned", "还在答复期内不能决定。")
    assert early.value.code == "appeal_transition_not_allowed"


def test_the_first_statement_names_the_appeal_open_to_each_party_with_its_deadline(world):
    from datetime import timedelta

    not_upheld = decided(world, "not_upheld").decisions.get()
    appeal = not_upheld.statement["appeal"]
    assert appeal["reporter_appeal_until"] == (not_upheld.decided_at + timedelta(days=15)).isoformat()
    assert appeal["merchant_appeal_until"] is None and appeal["penalty_appeal_until"] is None
    assert "The reporter (or an agent for them) may appeal until" in appeal["en"]
    assert "has no appeals committee yet" not in appeal["en"]
    upheld = decided(world, "upheld").decisions.get()
    appeal = upheld.statement["appeal"]
    assert appeal["reporter_appeal_until"] is None
    assert appeal["merchant_appeal_until"] == (upheld.decided_at + timedelta(days=15)).isoformat()
    assert appeal["penalty_appeal_until"] == (upheld.decided_at + timedelta(days=7)).isoformat()
    assert "商家对扣分及处罚措施不服的" in appeal["zh"]


def test_the_supervisor_who_decided_cannot_decide_the_penalty_appeal_either(world):
    case = decided(world, "upheld")
    first = case.decisions.get()
    Decision.objects.filter(pk=first.pk).update(decided_by=world["supervisor"])
    appeal = actions.appeal_penalty(world["staff"], first, "首次违规，请求减轻。")
    with pytest.raises(Forbidden) as same:
        actions.decide_penalty_appeal(world["supervisor"], appeal, overturn=True, reasons="商家已整改，撤销扣分。")
    assert same.value.code == "took_first_decision"
    actions.decide_penalty_appeal(world["other_supervisor"], appeal, overturn=True, reasons="商家已整改，撤销扣分。")
    appeal.refresh_from_db()
    assert appeal.result == "overturned"
