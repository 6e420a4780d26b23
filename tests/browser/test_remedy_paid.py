"""The marketplace confirms a remedy's payment through the API; the consumer sees *paid* on her case page."""

from datetime import timedelta

from django.utils import timezone

from plaint.accounts.models import Role
from plaint.cases import actions
from plaint.cases.inputs import ReportIn, ResponseIn
from plaint.evidence.actions import Upload
from tests import factories
from tests.api_client import ApiClient


def test_the_marketplace_confirms_payment_and_the_consumer_sees_paid(page, url, sign_in, screenshot):
    shop = factories.merchant(name="Tokyo Beauty 東京美妝")
    order = factories.order(shop, "C-PAID", delivered_at=timezone.now() - timedelta(days=2))
    consumer = factories.consumer_user("C-PAID")
    case = actions.file_report(
        consumer,
        ReportIn(
            target_type="order",
            target_id=order.external_id,
            category="product_quality",
            description="面霜结块 / the cream is lumpy",
            remedy_wanted="refund",
        ),
        [Upload("cream.jpg", factories.jpeg("white"), "photo_of_product")],
    ).case
    actions.respond_as_merchant(
        factories.user(Role.MERCHANT, merchant=shop), case, ResponseIn(kind="accept", explanation="同意退款")
    )
    sign_in(page, consumer)
    page.goto(url(f"/consumer/cases/{case.reference}/"))
    remedy = page.locator("[data-remedy]")
    assert remedy.get_attribute("data-remedy-state") == "instructed"
    assert "等待平台确认付款" in remedy.inner_text()

    marketplace = ApiClient(factories.token(factories.user(Role.MARKETPLACE)))
    remedy_id = int(remedy.get_attribute("data-remedy"))
    confirmed = marketplace.post_json(
        f"/remedies/{remedy_id}/executed",
        {
            "amount": "424.79",
            "currency": "CNY",
            "executed_at": (timezone.now() - timedelta(minutes=5)).isoformat(),
            "reference": "ALIPAY-20261130-7781",
        },
    )
    assert confirmed.status_code == 200, confirmed.content

    page.reload()
    remedy = page.locator("[data-remedy]")
    assert remedy.get_attribute("data-remedy-state") == "executed"
    text = remedy.inner_text()
    assert "已通知执行" in text and "已到账" in text and "ALIPAY-20261130-7781" in text and "¥424.79" in text
    assert page.get_by_text("平台确认补救（退款）已付款").is_visible()  # the timeline
    screenshot(page, "consumer-remedy-paid-zh")

    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    remedy = page.locator("[data-remedy]")
    text = remedy.inner_text()
    assert "Instructed" in text and "Paid" in text and "ALIPAY-20261130-7781" in text
    assert page.get_by_role("heading", name="The remedy").is_visible()
    screenshot(page, "consumer-remedy-paid-en")
