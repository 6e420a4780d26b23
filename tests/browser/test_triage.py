"""The suggested category in a real browser: a description that names no category puts the right one first."""

from datetime import datetime, timedelta
from datetime import timezone as tz

from django.utils import timezone

from plaint.cases.models import Case
from plaint.triage.models import Suggestion
from tests import factories

CST = tz(timedelta(hours=8))
V3 = datetime(2026, 12, 8, 10, 0, tzinfo=CST)  # rulebook v3 ([triage]) is in force


def _to_category_step(page, url, sign_in, consumer_id: str, *, english: bool) -> str:
    shop = factories.merchant(name="Tokyo Beauty 東京美妝")
    order = factories.order(shop, consumer_id, delivered_at=timezone.now() - timedelta(days=2))
    sign_in(page, factories.consumer_user(consumer_id))
    page.goto(url("/consumer/"))
    if english:
        page.get_by_role("button", name="English").click()
        page.wait_for_load_state()
        page.get_by_role("link", name="Report a problem").first.click()
        page.get_by_role("radio", name=f"Order {order.external_id}").check()
        page.get_by_role("button", name="Next").click()
    else:
        page.get_by_role("link", name="我要举报").click()
        page.get_by_role("radio", name=f"订单 {order.external_id}").check()
        page.get_by_role("button", name="下一步").click()
    return order.external_id


def test_a_chinese_description_puts_late_shipment_first_and_the_report_is_filed(page, url, sign_in, time_machine):
    time_machine.move_to(V3)
    _to_category_step(page, url, sign_in, "C-T1", english=False)
    words = "付款都十天了，卖家还一直没把东西寄出来，问了只说在排队"
    page.get_by_label("请用自己的话说说发生了什么？").fill(words)
    page.get_by_role("button", name="推荐类别").click()

    first = page.locator("label.choice").first
    assert "延迟发货" in first.inner_text()
    assert first.locator("[data-suggested='1']").inner_text() == "推荐"
    assert "签收后 30 天内" in first.inner_text()  # its window, beside it
    assert first.locator("input[type=radio]").is_checked()  # the first suggestion is chosen, the consumer may change it
    page.get_by_role("button", name="下一步").click()

    # The words are the description already; the consumer goes on as before.
    assert page.get_by_label("情况描述").input_value() == words
    page.get_by_label("您的诉求").select_option(label="赔偿")
    page.get_by_role("button", name="下一步").click()
    page.get_by_role("button", name="提交举报").click()
    page.wait_for_url(url("/consumer/cases/*/"))
    case = Case.objects.get(reporter__external_id="C-T1")
    assert case.category == "late_shipment" and case.report.description == words
    assert Suggestion.objects.get(channel="web").top_category == "late_shipment"


def test_an_english_description_puts_delivery_failure_first(page, url, sign_in, time_machine):
    time_machine.move_to(V3)
    _to_category_step(page, url, sign_in, "C-T2", english=True)
    page.get_by_label("In your own words, what happened?").fill(
        "The app says the courier handed it over and someone signed, but I never got anything at my door"
    )
    page.get_by_role("button", name="Suggest a category").click()
    first = page.locator("label.choice").first
    assert first.inner_text().startswith("Delivery failure")
    assert first.locator("[data-suggested='1']").inner_text() == "Suggested"
    assert "within 30 days of delivery" in first.inner_text()
    assert "from your words:" in first.inner_text()
    page.get_by_role("button", name="Next").click()
    assert page.get_by_label("What happened").input_value().startswith("The app says the courier")
