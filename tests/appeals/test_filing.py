"""Filing an appeal and the other party's answer: who may appeal what, the windows, one per party, the answer."""

from datetime import timedelta

import pytest
from django.utils import timezone

from plaint.cases import actions, clocks
from plaint.cases.models import Appeal, CaseClock
from plaint.cases.reading import describe_case
from plaint.errors import Forbidden, InvalidInput, NotFound, Refused
from plaint.evidence.actions import Upload
from plaint.notifications.models import Notification, OutboxMessage
from tests import factories as f

from .conftest import decided, sent

pytestmark = pytest.mark.django_db


def test_the_consumer_appeals_a_decision_not_upheld_with_a_new_photo_and_the_merchant_answers(world, receiver):
    case = decided(world, "not_upheld")
    photo = Upload("label.jpg", f.jpeg("blue"), "photo_of_product")
    filed = actions.file_appeal(world["consumer"], case, "outcome", " 新拍的标签照片显示批号不符。 ", [photo])
    appeal = filed.appeal
    assert (appeal.party, appeal.appealed, appeal.route, appeal.state) == (
        "reporter",
        "outcome",
        "reconsideration",
        "answer_window",
    )
    assert appeal.grounds == "新拍的标签照片显示批号不符。"
    assert appeal.answer_due_at == appeal.filed_at + timedelta(days=5)  # v2 [appeals] answer_days
    assert appeal.window_closes_at == appeal.decision.decided_at + timedelta(days=15)  # outcome_days
    [evidence] = case.evidence.filter(pk__in=appeal.evidence_ids)
    assert (evidence.party, evidence.original_name) == ("reporter", "label.jpg")
    # The merchant is told at once, by e-mail and in its portal.
    told = Notification.objects.filter(event="appeal_received", case_reference=case.reference)
    assert [n.user for n in told] == [world["staff"]]
    assert OutboxMessage.objects.filter(channel="email", topic="case.appeal_received").count() == 1
    [hook] = sent(receiver, "appeal.filed")
    assert hook["case"] == case.reference
    assert hook["appeal"] | {} == hook["appeal"] and hook["appeal"]["party"] == "reporter"
    assert hook["appeal"]["answer_due_at"] == appeal.answer_due_at.isoformat()
    # The case shows it is under appeal, to both sides.
    for viewer in (world["consumer"], world["staff"]):
        data = describe_case(case, viewer)
        assert data["under_appeal"] is True
        assert data["appeals"][0]["id"] == appeal.pk
        assert "appeal_filed" in [e["kind"] for e in data["timeline"]]

    answer = actions.answer_appeal(
        world["staff"], appeal, "批号与报关单一致。", [Upload("customs.png", f.jpeg(), "order_screenshot")]
    )
    appeal.refresh_from_db()
    assert (appeal.state, appeal.answer, appeal.answered_by) == (
        "awaiting_decision",
        "批号与报关单一致。",
        world["staff"],
    )
    assert case.evidence.get(pk=appeal.answer_evidence_ids[0]).party == "merchant"
    assert answer.rejected_files == []
    # Now the reconsideration's clock runs, and the supervisors are told.
    assert CaseClock.objects.get(case=case, stage="appeal", subject_id=appeal.pk).stopped_at is None
    assert Notification.objects.filter(event="appeal_awaiting_decision", user=world["supervisor"]).exists()
    with pytest.raises(Refused) as twice:
        actions.answer_appeal(world["staff"], appeal, "再答复一次")
    assert twice.value.code == "appeal_transition_not_allowed"


def test_one_appeal_per_party_per_decision_the_second_names_the_first(world):
    case = decided(world, "partly_upheld", remedy="refund", remedy_amount="100.00")
    first = actions.file_appeal(world["agent"], case, "remedy", "退款金额不足。").appeal
    with pytest.raises(Refused) as again:
        actions.file_appeal(world["consumer"], case, "outcome", "应全部支持。")
    assert again.value.code == "appeal_exists" and again.value.details == {"appeal_id": first.pk}
    assert f"appeal {first.pk}" in again.value.message
    # The other party keeps its own appeal.
    mine = actions.file_appeal(world["staff"], case, "outcome", "不应支持。").appeal
    assert mine.party == "merchant"
    assert Appeal.objects.filter(case=case).count() == 2


def test_an_appeal_after_the_window_is_refused_with_the_window_dates(world, time_machine):
    case = decided(world, "not_upheld")
    decided_at = case.decisions.get().decided_at
    time_machine.shift(timedelta(days=15, minutes=1))
    with pytest.raises(Refused) as late:
        actions.file_appeal(world["consumer"], case, "outcome", "晚了")
    assert late.value.code == "appeal_window_closed"
    assert late.value.details == {
        "opens_at": decided_at.isoformat(),
        "closes_at": (decided_at + timedelta(days=15)).isoformat(),
    }
    assert not Appeal.objects.exists()


def test_who_may_appeal_what(world):
    not_upheld = decided(world, "not_upheld")
    with pytest.raises(Refused) as merchant:
        actions.file_appeal(world["staff"], not_upheld, "outcome", "我们赢了也要申诉")
    assert merchant.value.code == "not_appealable"
    with pytest.raises(Forbidden):
        actions.file_appeal(world["stranger"], not_upheld, "outcome", "别家的案子")
    with pytest.raises(InvalidInput) as empty:
        actions.file_appeal(world["consumer"], not_upheld, "outcome", "   ")
    assert empty.value.field == "grounds"
    with pytest.raises(InvalidInput) as what:
        actions.file_appeal(world["consumer"], not_upheld, "everything", "不服")
    assert what.value.field == "appealed"
    upheld = decided(world, "upheld")
    with pytest.raises(Refused) as consumer:
        actions.file_appeal(world["consumer"], upheld, "outcome", "赢了还申诉")
    assert consumer.value.code == "not_appealable"
    assert actions.file_appeal(world["staff"], upheld, "points", "扣分过重").appeal.state == "awaiting_decision"
    assert actions.appeals.open_appeals(upheld, "merchant", timezone.now()) == []  # it has appealed


def test_the_other_party_answers_once_and_only_the_other_party(world, time_machine):
    case = decided(world, "not_upheld")
    appeal = actions.file_appeal(world["consumer"], case, "outcome", "证据充分").appeal
    with pytest.raises(Forbidden):
        actions.answer_appeal(world["consumer"], appeal, "自己答复自己")
    with pytest.raises(NotFound):
        actions.answer_appeal(world["stranger"], appeal, "别家")
    with pytest.raises(InvalidInput):
        actions.answer_appeal(world["staff"], appeal, " ")
    time_machine.shift(timedelta(days=5, minutes=1))
    with pytest.raises(Refused) as late:
        actions.answer_appeal(world["staff"], appeal, "迟到的答复")
    assert late.value.code == "answer_window_closed"


def test_the_answer_window_closing_unanswered_moves_the_appeal_on(world):
    case = decided(world, "not_upheld")
    appeal = actions.file_appeal(world["consumer"], case, "outcome", "证据充分").appeal
    assert clocks.tick(appeal.answer_due_at - timedelta(minutes=1)).appeal_answers_closed == 0
    report = clocks.tick(appeal.answer_due_at + timedelta(seconds=1))
    assert report.appeal_answers_closed == 1
    appeal.refresh_from_db()
    assert appeal.state == "awaiting_decision" and appeal.answer == ""
    assert case.events.filter(kind="appeal_answer_window_closed").count() == 1
    assert clocks.tick(appeal.answer_due_at + timedelta(minutes=5)).appeal_answers_closed == 0  # once


def test_an_inadmissible_report_is_appealed_by_the_reporter_once(world):
    from plaint.cases.inputs import ReportIn

    old = f.order(world["shop"], "C1", external_id="O-OLD", delivered_at=timezone.now() - timedelta(days=400))
    data = ReportIn(target_type="order", target_id=old.external_id, category="product_quality", description="坏了")
    case = actions.file_report(world["consumer"], data, [Upload("p.jpg", f.jpeg(), "photo_of_product")]).case
    assert case.state == "inadmissible"
    with pytest.raises(Refused):
        actions.file_appeal(world["staff"], case, "inadmissibility", "商家不能申诉受理")
    appeal = actions.file_appeal(world["consumer"], case, "inadmissibility", "收货日期记录有误。").appeal
    assert appeal.decision is None and appeal.state == "answer_window"
    with pytest.raises(Refused) as again:
        actions.file_appeal(world["consumer"], case, "inadmissibility", "再次")
    assert again.value.code == "appeal_exists"


def test_under_the_first_rulebook_only_the_merchant_appeals_the_penalty(world, time_machine):
    from datetime import datetime

    from .conftest import CST

    time_machine.move_to(datetime(2026, 11, 20, 10, tzinfo=CST))  # before v2
    case = decided(world, "not_upheld")
    assert case.rulebook_version == "1"
    with pytest.raises(Refused) as refused:
        actions.file_appeal(world["consumer"], case, "outcome", "不服")
    assert refused.value.code == "not_appealable" and refused.value.details == {"appealable": []}


def test_the_timeline_tells_appeal_events_in_both_languages():
    from django.utils import translation

    from plaint.web.common import event_sentence

    with translation.override("zh-hans"):
        assert event_sentence({"kind": "appeal_filed", "data": {"party": "reporter"}}) == "举报人对决定提出了申诉。"
        assert event_sentence({"kind": "readmit_on_appeal", "data": {}}) == "经申诉复核，举报予以受理。"
    with translation.override("en"):
        assert (
            event_sentence({"kind": "appeal_filed", "data": {"party": "merchant"}})
            == "The merchant appealed the decision."
        )
        assert event_sentence({"kind": "appeal_decided", "data": {}}) == "The appeal was decided."
