"""The suggested category: the rulebook's cold start in both languages, a trained model, the record of each."""

from datetime import datetime, timedelta, timezone

import pytest
from django.core.management import CommandError, call_command

from plaint.accounts.models import Role
from plaint.cases.models import Report
from plaint.errors import InvalidInput, Refused
from plaint.rulebook import loader
from plaint.rulebook.models import RulebookVersion
from plaint.triage import coldstart
from plaint.triage.models import Suggestion, TriageModel
from plaint.triage.suggest import suggest
from plaint.triage.training import train
from tests import factories as f

CST = timezone(timedelta(hours=8))
V3 = datetime(2026, 12, 8, 10, 0, tzinfo=CST)  # rulebook v3, with [triage], is in force from 7 December
V1 = datetime(2026, 11, 20, 10, 0, tzinfo=CST)

# Clear texts, none of them a phrase or example of the rulebook word for word.
CLEAR = [
    ("late_shipment", "付款已经八天了，订单还是待发货，卖家一直说在排单"),
    ("late_shipment", "I paid nine days ago and the seller still has not dispatched my order"),
    ("broken_promise", "客服答应买两件送一个帆布袋，收到货发现赠品没有"),
    ("broken_promise", "They promised a free charging cable with the order, but there was no gift in the box"),
    ("after_sales_refusal", "我在七天内申请退货，商家驳回了好几次，不给退款"),
    ("after_sales_refusal", "The shop accepted my return two weeks ago and the refund never arrived"),
    ("delivery_failure", "物流显示已签收，但我没收到货，快递员说放驿站了也找不到"),
    ("delivery_failure", "Tracking says the parcel was delivered and signed for, but nobody here received it"),
    ("invoice_problem", "公司报销要发票，商家说开票要加百分之六的税点"),
    ("invoice_problem", "The seller refuses to issue a VAT invoice for my company"),
    ("price_protection", "买了五天就降价一百元，页面写着保价，商家不给补差价"),
    ("price_protection", "The price dropped a week after I bought it and they refuse to refund the difference"),
    ("installation_service", "空调说好免费安装，安装师傅上门却收了三百元材料费"),
    ("installation_service", "The installer charged a call-out fee although installation was meant to be free"),
    ("expired_goods", "收到的奶粉已经过期两个月了"),
    ("counterfeit", "The brand's website says this serial number is not genuine, it is a fake"),
]


@pytest.mark.parametrize(("expected", "text"), CLEAR)
def test_the_cold_start_ranks_the_right_category_first_for_a_clear_text(expected, text):
    ranked = coldstart.score(coldstart.index_for(loader.get("3")), text)
    assert ranked[0].code == expected, [(r.code, r.score, r.words) for r in ranked[:3]]
    assert ranked[0].words  # the words that weighed most are named
    assert ranked[0].score > ranked[1].score


@pytest.mark.django_db
def test_a_suggestion_is_recorded_with_the_cold_start_as_its_model(time_machine):
    time_machine.move_to(V3)
    f.order(f.merchant(), "C1")
    consumer = f.consumer_user("C1")
    result = suggest("快递显示已签收，我根本没收到", user=consumer, channel="api", now=V3)
    assert result.top == "delivery_failure"
    row = Suggestion.objects.get(pk=result.suggestion_id)
    assert (row.model, row.rulebook_version, row.top_category, row.user) == (None, "4", "delivery_failure", consumer)
    assert row.text_length == len("快递显示已签收，我根本没收到") and len(row.text_sha256) == 64
    assert row.ranked[0]["category"] == "delivery_failure"


@pytest.mark.django_db
def test_words_that_name_no_category_get_no_suggestion():
    for text in ("请问会员积分怎么兑换", "How do I change the password of my account?"):
        result = suggest(text, user=None, channel="api", now=V3)
        assert result.ranked == [] and result.top == ""
    assert set(Suggestion.objects.values_list("top_category", flat=True)) == {""}


@pytest.mark.django_db
def test_blank_or_too_long_text_is_invalid():
    with pytest.raises(InvalidInput) as blank:
        suggest("   ", user=None, channel="api", now=V3)
    assert blank.value.field == "text"
    limit = loader.get("3").intake.description_max_chars
    with pytest.raises(InvalidInput):
        suggest("货" * (limit + 1), user=None, channel="api", now=V3)
    assert not Suggestion.objects.exists()


def test_a_version_without_triage_borrows_the_nearest_later_versions_phrases_for_its_own_categories():
    v2, v3 = loader.get("2"), loader.get("3")
    lent = coldstart.sources(v2, [loader.get("1"), v2, v3, loader.get("4")])
    assert lent.triage == v3.triage
    assert lent.borrowed == {c.code: "3" for c in v2.categories}
    assert [c.code for c in lent.categories] == [c.code for c in v2.categories]  # its own nine, not v3's sixteen
    assert coldstart.sources(v2, [loader.get("1"), v2]).triage is None  # nothing later lends: nothing


@pytest.mark.django_db
def test_before_version_3_the_version_in_force_suggests_only_its_own_categories(time_machine):
    time_machine.move_to(V1)
    in_force = {c.code for c in loader.in_force(V1).categories}
    result = suggest("收到的奶粉已经过期两个月了，生产日期是前年的", user=None, channel="api", now=V1)
    assert result.rulebook.version == "1" and result.top == "expired_goods" and result.ranked[0].words
    assert Suggestion.objects.get(pk=result.suggestion_id).rulebook_version == "1"
    # A parcel signed for and never received is version 3's delivery_failure: version 1 has no such category.
    lost = suggest("快递显示已签收，我根本没收到，快递员说放驿站了也找不到", user=None, channel="api", now=V1)
    assert {r.code for r in lost.ranked} <= in_force and "delivery_failure" not in in_force


@pytest.mark.django_db
def test_a_version_no_published_version_lends_phrases_to_refuses(time_machine):
    RulebookVersion.objects.filter(version__in=["3", "4"]).delete()
    loader.forget_published()
    try:
        with pytest.raises(Refused) as old:
            suggest("没收到货", user=None, channel="api", now=V1)
        assert old.value.code == "no_suggestions"
        assert not Suggestion.objects.exists()
    finally:
        loader.forget_published()


def test_the_words_shown_are_the_consumers_own_not_the_stems_compared():
    ranked = coldstart.score(coldstart.index_for(loader.get("3")), "The parcel arrived crushed and it was leaking")
    assert ranked[0].code == "damaged_on_arrival"
    words = set(ranked[0].words)
    assert {"crushed", "leaking"} <= words, words
    assert not words & {"crush", "leak", "arriv"}, words


def test_traditional_characters_and_full_width_digits_are_read_as_simplified_and_half_width():
    index = coldstart.index_for(loader.get("3"))
    traditional = coldstart.score(index, "收到的奶粉已經過期兩個月了，生產日期是前年的")
    simplified = coldstart.score(index, "收到的奶粉已经过期两个月了，生产日期是前年的")
    assert traditional[0].code == "expired_goods" and "生产日期" in traditional[0].words
    assert traditional[0] == simplified[0]
    assert (
        coldstart.score(index, "ＯＫ，退款１５天了还没到账")[0].score
        == coldstart.score(index, "ok，退款15天了还没到账")[0].score
    )


TRAINING = {
    "late_shipment": ["下单{}天了还没发货", "The order from {} days ago is still not dispatched", "催了{}次还是不发"],
    "invoice_problem": ["要了{}次发票都不给开", "Asked {} times for an invoice, none issued", "发票抬头错了{}个字"],
    "installation_service": ["安装师傅多收了{}元", "The fitter charged {} for installing it", "约了{}次都没来安装"],
}


def _decided_cases(per_category: int) -> None:
    codes = list(TRAINING)
    cases = f.queue_cases(per_category * len(codes), category=lambda i: codes[i % len(codes)], state="decided")
    reports = []
    for i, case in enumerate(cases):
        report = case.report
        report.description = TRAINING[case.category][i % 3].format(i + 2)
        reports.append(report)
    Report.objects.bulk_update(reports, ["description"])


@pytest.mark.django_db
def test_train_triage_fits_a_model_on_decided_cases_and_suggestions_name_it(time_machine):
    time_machine.move_to(V3)
    f.user(Role.AGENT)
    _decided_cases(15)
    call_command("train_triage")
    model = TriageModel.objects.get()
    assert (model.version, model.active, model.rulebook_version) == (1, True, "4")
    assert model.labels == sorted(TRAINING)
    assert model.cases["train"] + model.cases["test"] == 45
    assert set(model.metrics) == {"model", "cold_start"} and 0 <= model.metrics["model"]["macro_f1"] <= 1

    result = suggest("安装师傅上门多收了两百元", user=None, channel="api", now=V3)
    assert result.model == model and result.top == "installation_service"
    assert 0 < result.ranked[0].score <= 1 and result.ranked[0].words
    assert Suggestion.objects.get(pk=result.suggestion_id).model == model

    second = train(V3)  # a new version becomes the active one; the first is kept
    assert second.version == 2
    assert list(TriageModel.objects.filter(active=True)) == [second]
    assert TriageModel.objects.count() == 2


@pytest.mark.django_db
def test_train_triage_refuses_with_too_few_decided_cases(time_machine):
    time_machine.move_to(V3)
    f.user(Role.AGENT)
    _decided_cases(2)
    with pytest.raises(CommandError, match="decided cases"):
        call_command("train_triage")
    assert not TriageModel.objects.exists()
