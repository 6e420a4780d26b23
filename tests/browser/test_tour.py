"""Every page of the consumer portal, the agent console, home and sign-in: in both languages, at a
desktop's and a phone's width, with screenshots (test-artifacts/screenshots/), and usable by keyboard."""

from datetime import timedelta

from django.utils import timezone

from plaint.accounts.models import Role
from plaint.cases import actions
from plaint.cases.inputs import DecisionIn, ReportIn, ResponseIn
from plaint.evidence.actions import Upload
from tests import factories
from tests.browser.helpers import assert_fields_labelled, photo


def _world():
    shop = factories.merchant(name="Tokyo Beauty 東京美妝")
    fresh = factories.order(shop, "C-TOUR", delivered_at=timezone.now() - timedelta(days=3))
    old = factories.order(shop, "C-TOUR", delivered_at=timezone.now() - timedelta(days=120))
    consumer = factories.consumer_user("C-TOUR")
    merchant_staff = factories.user(Role.MERCHANT, merchant=shop)
    reviewer = factories.user(Role.REVIEWER)
    photo = Upload("expiry.jpg", factories.jpeg("#dddddd", (320, 240), "2026:11:20 10:00:00"), "photo_of_expiry_date")
    decided = actions.file_report(
        consumer,
        ReportIn(target_type="order", target_id=fresh.external_id, category="expired_goods", description="已过期。"),
        [photo],
    ).case
    actions.respond_as_merchant(merchant_staff, decided, ResponseIn(kind="contest", explanation="发货时未过期。"))
    actions.claim_case(reviewer, decided)
    actions.decide_case(
        reviewer,
        decided,
        DecisionIn(
            outcome="upheld",
            reason_codes=["violation_established"],
            statement="保质期实拍图显示签收时已过期；商家未提供发货时在保质期内的证明。",
        ),
    )
    inadmissible = actions.file_report(
        consumer,
        ReportIn(target_type="order", target_id=old.external_id, category="product_quality", description="皮肤过敏。"),
        [Upload("p.jpg", factories.jpeg("orange"), "photo_of_product")],
    ).case
    needs = actions.file_report(
        consumer,
        ReportIn(target_type="order", target_id=fresh.external_id, category="not_as_described", description="不符。"),
    ).case
    return consumer, fresh, {"decided": decided, "inadmissible": inadmissible, "needs": needs}


def _pages(consumer, order, cases):
    return {
        "consumer": [
            ("consumer-my-reports", "/consumer/"),
            ("consumer-case-decided", f"/consumer/cases/{cases['decided'].reference}/"),
            ("consumer-case-needs-evidence", f"/consumer/cases/{cases['needs'].reference}/"),
            ("consumer-case-inadmissible-tour", f"/consumer/cases/{cases['inadmissible'].reference}/"),
            ("consumer-withdraw", f"/consumer/cases/{cases['needs'].reference}/withdraw/"),
            ("consumer-file-1-target", "/consumer/report/new/?restart=1"),
        ],
        "agent": [
            ("agent-home", "/agent/?q=C-TOUR"),
            ("agent-consumer-page", "/agent/consumers/C-TOUR/"),
            ("agent-file-form", f"/agent/consumers/C-TOUR/report/?target=order:{order.external_id}"),
            ("agent-case-decided", f"/agent/cases/{cases['decided'].reference}/"),
        ],
    }


def _no_sideways_scroll(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url


def test_every_page_in_both_languages_on_desktop_and_phone(page, phone, url, sign_in, screenshot):
    consumer, order, cases = _world()
    agent = factories.user(Role.AGENT)
    for name, path in (("home", "/"), ("sign-in", "/accounts/login/")):
        page.goto(url(path))
        screenshot(page, f"{name}-zh")
        phone.goto(url(path))
        _no_sideways_scroll(phone, 375)
    for user, role in ((consumer, "consumer"), (agent, "agent")):
        sign_in(page, user)
        sign_in(phone, user)
        for language in ("zh", "en"):
            for name, path in _pages(consumer, order, cases)[role]:
                response = page.goto(url(path))
                assert response.status == 200, path
                screenshot(page, f"{name}-{language}")
                assert_fields_labelled(page)
                phone.goto(url(path))
                _no_sideways_scroll(phone, 375)
                if name in ("consumer-case-decided", "agent-home"):
                    screenshot(phone, f"{name}-phone-{language}")
            if language == "zh":
                page.get_by_role("button", name="English").click()
                page.wait_for_load_state()
                phone.reload()
        # Back to Chinese for the next person (the choice is stored on the account).
        page.get_by_role("button", name="中文").click()
        page.wait_for_load_state()
        page.context.clear_cookies()
        phone.context.clear_cookies()
    page.goto(url("/"))
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    screenshot(page, "home-en")
    page.goto(url("/accounts/login/"))
    screenshot(page, "sign-in-en")


def test_filing_works_with_the_keyboard_alone(page, url, sign_in):
    shop = factories.merchant()
    order = factories.order(shop, "C-KEY")
    sign_in(page, factories.consumer_user("C-KEY"))
    page.goto(url("/consumer/report/new/?restart=1"))
    # A skip link first, then the radios of the targets, reachable and chosen with the keyboard.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    radio = page.get_by_role("radio", name=f"订单 {order.external_id}")
    radio.focus()
    page.keyboard.press("Space")
    assert radio.is_checked()
    page.keyboard.press("Enter")  # submits the form
    page.wait_for_url(url("/consumer/report/new/?step=category"))
    assert_fields_labelled(page)
    category = page.get_by_role("radio", name="过期商品")
    category.focus()
    page.keyboard.press("Space")
    page.locator("#category-info-card").wait_for()
    page.keyboard.press("Enter")
    page.wait_for_url(url("/consumer/report/new/?step=describe"))
    assert_fields_labelled(page)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.get_by_label("情况描述").focus()
    page.keyboard.type("键盘填写。")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "remedy_wanted"


def test_filing_steps_in_english(page, url, sign_in, screenshot):
    shop = factories.merchant()
    order = factories.order(shop, "C-EN", delivered_at=timezone.now() - timedelta(days=2))
    consumer = factories.consumer_user("C-EN")
    consumer.language = "en"
    consumer.save()
    sign_in(page, consumer)
    page.goto(url("/consumer/report/new/?restart=1"))
    page.get_by_role("radio", name=f"Order {order.external_id}").check()
    screenshot(page, "consumer-file-1-target-en")
    page.get_by_role("button", name="Next").click()
    page.get_by_role("radio", name="Expired goods").check()
    info = page.locator("#category-info-card")
    info.get_by_text("Photo of the expiry date").wait_for()
    assert "within 30 days of delivery" in info.inner_text()
    assert "28 days left" in info.inner_text()
    screenshot(page, "consumer-file-2-category-en")
    page.get_by_role("button", name="Next").click()
    page.get_by_label("What happened").fill("The cream is past its expiry date.")
    screenshot(page, "consumer-file-3-describe-en")
    page.get_by_role("button", name="Next").click()
    page.locator("#evidence-files").set_input_files([photo("white")])
    page.locator("[data-uploads] li").first.wait_for()
    assert "Photo of the expiry date ✓" in page.locator("[data-required-kind]").inner_text()
    screenshot(page, "consumer-file-4-evidence-review-en")
