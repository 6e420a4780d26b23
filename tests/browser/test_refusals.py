"""Refusals in the browser (another merchant's case, the review console for parties); phone width; keyboard use."""

from playwright.sync_api import expect

from plaint.cases import actions
from plaint.cases.inputs import ReportIn, ResponseIn
from plaint.evidence.actions import Upload
from tests import factories as f
from tests.browser import casework


def _contested(world):
    case = actions.file_report(
        world["consumer"],
        ReportIn(target_type="order", target_id="O-A-1001", category="expired_goods", description="面霜已过期。"),
        [Upload("expiry.jpg", f.jpeg("white", (320, 240)), "photo_of_expiry_date")],
    ).case
    actions.respond_as_merchant(world["merchant"], case, ResponseIn(kind="contest", explanation="发货时未过期。"))
    return case


def test_a_merchant_opening_another_merchants_case_gets_a_refusal_page(page, url, sign_in, screenshot):
    world = casework.marketplace()
    case = _contested(world)
    sign_in(page, world["other_merchant"])
    response = page.goto(url(f"/merchant/cases/{case.reference}/"))
    assert response.status == 404
    expect(page.get_by_role("heading", name="这里没有您可以查看的内容")).to_be_visible()
    assert "面霜已过期" not in page.content() and "Tokyo Beauty" not in page.content()
    screenshot(page, "merchant-refused-other-case-zh")
    # Nor can it reach the case through the review console.
    response = page.goto(url(f"/review/cases/{case.reference}/"))
    assert response.status == 403
    expect(page.get_by_role("heading", name="您无法打开此页面")).to_be_visible()
    # Its own list does not show the other shop's case.
    page.goto(url("/merchant/?show=all"))
    expect(page.locator("main")).not_to_contain_text(case.reference)


def test_consumer_is_refused_the_review_console(page, url, sign_in):
    world = casework.marketplace()
    case = _contested(world)
    sign_in(page, world["consumer"])
    for path in ("/review/", f"/review/cases/{case.reference}/", "/merchant/"):
        response = page.goto(url(path))
        assert response.status == 403, path
        expect(page.get_by_role("heading", name="您无法打开此页面")).to_be_visible()


def test_merchant_and_review_pages_at_phone_width(page, url, sign_in, screenshot):
    world = casework.marketplace()
    case = _contested(world)
    for user, path, name in (
        (world["merchant"], "/merchant/?show=all", "merchant-home-phone-zh"),
        (world["merchant"], f"/merchant/cases/{case.reference}/", "merchant-case-phone-zh"),
        (world["reviewer"], "/review/", "review-queue-phone-zh"),
        (world["reviewer"], f"/review/cases/{case.reference}/", "review-case-phone-zh"),
    ):
        phone = casework.person(page, sign_in, user, width=375, height=740)
        phone.goto(url(path))
        # Nothing wider than the screen: the page does not scroll sideways.
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, (path, width)
        screenshot(phone, name)
        phone.context.close()


def test_reviewer_claims_zooms_and_decides_with_the_keyboard(page, url, sign_in):
    world = casework.marketplace()
    case = _contested(world)
    sign_in(page, world["reviewer"])
    page.goto(url(f"/review/cases/{case.reference}/"))
    page.get_by_role("button", name="领取").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".msg-success")).to_be_visible()
    page.locator(".gallery a[href^='#zoom-']").first.focus()
    page.keyboard.press("Enter")
    expect(page.locator(".zoom:target")).to_be_visible()
    page.locator(".zoom:target a").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".zoom:target")).to_have_count(0)
    page.get_by_role("radio", name="举报成立", exact=True).focus()
    page.keyboard.press("Space")
    # The outcome's template fills the statement (the form starts neutral).
    expect(page.locator("#decide_statement")).not_to_have_value("")
    page.get_by_role("checkbox", name="违规成立").focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="提交决定").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".msg-success")).to_contain_text("决定已提交")
