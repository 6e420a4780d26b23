"""Switching the pages' language on a case page: remembered after reload, and on the account."""

from plaint.accounts.models import User
from plaint.cases import actions
from plaint.cases.inputs import ReportIn
from plaint.evidence.actions import Upload
from tests import factories


def _case_for_consumer():
    shop = factories.merchant()
    order = factories.order(shop, "C-LANG")
    user = factories.consumer_user("C-LANG")
    filed = actions.file_report(
        user,
        ReportIn(
            target_type="order",
            target_id=order.external_id,
            category="expired_goods",
            description="面霜已过期 / the cream is past its date",
        ),
        [Upload("expiry.jpg", factories.jpeg("white"), "photo_of_expiry_date")],
    )
    return user, filed.case


def test_switch_to_english_and_back_on_a_case_page(page, url, sign_in, screenshot):
    user, case = _case_for_consumer()
    sign_in(page, user)
    page.goto(url(f"/consumer/cases/{case.reference}/"))
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    assert page.get_by_role("heading", name="处理进程").is_visible()
    screenshot(page, "consumer-case-zh")

    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/consumer/cases/{case.reference}/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", name="What happened so far").is_visible()
    assert page.get_by_text("The report was accepted and sent to the merchant for an answer.").is_visible()
    screenshot(page, "consumer-case-en")

    page.reload()
    assert page.get_by_role("heading", name="What happened so far").is_visible()
    user.refresh_from_db()
    assert user.language == "en"

    # Remembered for the person, not the browser: a new browser context signed in as them is in English.
    context = page.context.browser.new_context(locale="zh-CN")
    other = context.new_page()
    sign_in(other, user)
    other.goto(url(f"/consumer/cases/{case.reference}/"))
    assert other.get_by_role("heading", name="What happened so far").is_visible()
    context.close()

    page.get_by_role("button", name="中文").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="处理进程").is_visible()
    assert page.get_by_text("举报已受理，已转交商家答复。").is_visible()
    assert User.objects.get(pk=user.pk).language == "zh-hans"
