"""A negotiated partial refund (协商), through the pages at a phone's width: the merchant offers 120 yuan
back in Chinese, the consumer accepts it in English, the case is resolved and the marketplace's
receiver gets the instruction. Every page stays within 390 px."""

import json
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from plaint.accounts.models import Role
from plaint.cases import actions
from plaint.cases.inputs import ReportIn
from plaint.cases.models import Case
from plaint.evidence.actions import Upload
from plaint.notifications.delivery import deliver_due
from plaint.notifications.models import WebhookEndpoint
from tests import factories as f
from tests.browser import casework

PHONE = 390


def _fits(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE, f"{page.url} is {width}px wide at a {PHONE}px phone"


def test_a_negotiated_partial_refund_resolves_the_case_and_reaches_the_marketplace(
    page, url, sign_in, screenshot, receiver
):
    WebhookEndpoint.objects.create(name="marketplace", url=receiver.url, secret="s")
    shop = f.merchant("M-TOKYO", name="Tokyo Beauty 東京美妝 Global Store", country="JP")
    f.order(shop, "C-1001", external_id="O-A-1001", amount="389.00", tariff="35.79")
    consumer = f.consumer_user("C-1001")
    consumer.language = "en"
    consumer.save(update_fields=["language"])
    merchant_user = f.user(Role.MERCHANT, merchant=shop, language="zh-hans")
    data = ReportIn(
        target_type="order",
        target_id="O-A-1001",
        category="product_quality",
        description="面霜有异味，我的电话 13912345678。",
        remedy_wanted="refund",
    )
    case = actions.file_report(consumer, data, [Upload("p.jpg", f.jpeg(), "photo_of_product")]).case
    ref = case.reference

    # The consumer writes first, from her phone; the merchant reads it masked and offers 120 yuan back.
    buyer = casework.person(page, sign_in, consumer, width=PHONE, height=800)
    buyer.goto(url(f"/consumer/cases/{ref}/"))
    buyer.get_by_label("Your message").fill("The cream smells off. Call me on 13912345678.")
    buyer.get_by_role("button", name="Send the message").click()
    expect(buyer.locator(".thread-message")).to_contain_text("smells off")
    _fits(buyer)

    seller = casework.person(page, sign_in, merchant_user, width=PHONE, height=800)
    seller.goto(url(f"/merchant/cases/{ref}/"))
    thread = seller.locator("#thread")
    expect(thread).to_contain_text("[电话/phone]")
    assert "13912345678" not in seller.content()
    seller.get_by_label("方案内容").select_option("refund")
    seller.get_by_label("金额（部分退款时填写；留空则全额退款）").fill("120")
    seller.get_by_label("附言（选填）").fill("部分退款 120 元，商品无需退回。")
    seller.get_by_role("button", name="发送方案").click()
    expect(seller.locator(".thread-offer")).to_contain_text("待回应")
    _fits(seller)
    screenshot(seller, "negotiation-merchant-zh-phone")

    # The consumer accepts it on her phone.
    buyer.goto(url(f"/consumer/cases/{ref}/"))
    offer = buyer.locator(".thread-offer")
    expect(offer).to_contain_text("120.00")
    _fits(buyer)
    screenshot(buyer, "negotiation-consumer-en-phone")
    offer.get_by_role("button", name="Accept the offer").click()
    expect(buyer.locator(".messages")).to_contain_text("You accepted the offer.")
    expect(buyer.locator("h1 .badge")).to_be_visible()
    _fits(buyer)
    assert Case.objects.get(reference=ref).state == "resolved"

    # The marketplace's receiver gets the resolution and the partial refund.
    deliver_due(timezone.now() + timedelta(seconds=1))
    got = {r.headers["X-Plaint-Topic"]: json.loads(r.body)["data"] for r in receiver.requests}
    assert got["case.resolved"]["case"] == ref and got["case.resolved"]["settled_by"] == "negotiation"
    assert (got["remedy.instructed"]["amount"], got["remedy.instructed"]["total"]) == ("120.00", "120.00")
    assert got["remedy.instructed"]["order_id"] == "O-A-1001"
