"""Suggested categories under rulebook version 2, which has no [triage] and borrows version 3's phrases.

Only version 2's own categories may be suggested (none that versions 3 and 4 added, such as
delivery_failure), the first is chosen, and the report is filed under version 2: in Chinese on a desk,
in English at a phone's 390 px.
"""

from datetime import datetime, timedelta
from datetime import timezone as tz

import pytest
from django.utils import timezone

from plaint.cases.models import Case
from plaint.rulebook import loader
from plaint.triage.models import Suggestion
from tests import factories
from tests.browser.helpers import photo

CST = tz(timedelta(hours=8))
# Half an hour before version 3 takes effect (2026-12-07 00:00 +08:00): version 2 is still in force.
V2_LAST_EVENING = datetime(2026, 12, 6, 23, 30, tzinfo=CST)
PHONE_WIDTH = 390
LINES_OF_TITLE_AND_BADGE = """() => {
    const label = document.querySelector("label.choice");
    return [label.querySelector(":scope > span"), label.querySelector(".badge")].map(
        el => Math.round(el.getBoundingClientRect().height / parseFloat(getComputedStyle(el).lineHeight)));
}"""

# Under version 3 these words put delivery_failure (new in version 3) among the first three suggestions;
# under version 2 it must not appear at all.
ZH_WORDS = "快递送到时箱子被压扁了，打开发现精华液的瓶子碎了，漏了一地"
EN_WORDS = "The parcel arrived crushed and the bottle inside was broken, cream leaking everywhere"


@pytest.fixture
def version_2():
    """Return the codes of version 2's categories and those only versions 3 and 4 have."""
    two = {c.code for c in loader.get("2").categories}
    later = {c.code for v in ("3", "4") for c in loader.get(v).categories} - two
    assert "delivery_failure" in later  # the test means something only while version 3 adds categories
    return two, later


def _suggested_codes(page) -> list[str]:
    """Return the category codes marked "Suggested" on the category step, in the order shown."""
    marked = page.locator("label.choice:has([data-suggested])")
    return [marked.nth(i).locator("input[type=radio]").get_attribute("value") for i in range(marked.count())]


def _file(page, url, sign_in, screenshot, consumer_id: str, words: str, *, english: bool) -> list[str]:
    """Walk the filing steps from the suggestion to the case page; return the chosen category's code."""
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
        page.get_by_label("In your own words, what happened?").fill(words)
        page.get_by_role("button", name="Suggest a category").click()
    else:
        page.get_by_role("link", name="我要举报").click()
        page.get_by_role("radio", name=f"订单 {order.external_id}").check()
        page.get_by_role("button", name="下一步").click()
        page.get_by_label("请用自己的话说说发生了什么？").fill(words)
        page.get_by_role("button", name="推荐类别").click()
    page.wait_for_load_state()
    codes = _suggested_codes(page)
    first = page.locator("label.choice").first
    assert codes and first.locator("input[type=radio]").get_attribute("value") == codes[0]
    assert first.locator("[data-suggested='1']").is_visible()
    assert first.locator("input[type=radio]").is_checked()  # the first suggestion is chosen
    screenshot(page, f"consumer-file-suggested-v2-{'en-phone' if english else 'zh'}")
    return codes


def _finish(page, url, code: str, *, english: bool) -> None:
    """Go on from the category step with the chosen category: remedy, the required photo, send."""
    required = loader.get("2").category(code).required_evidence[0]
    page.get_by_role("button", name="Next" if english else "下一步").click()
    page.get_by_label("What you want" if english else "您的诉求").select_option(index=0)
    page.get_by_role("button", name="Next" if english else "下一步").click()
    page.locator("#evidence-files").set_input_files([photo("white")])
    upload = page.locator("[data-uploads] li").first
    upload.wait_for()
    upload.get_by_label("What this file shows" if english else "此文件的内容").select_option(required)
    page.get_by_role("button", name="Send the report" if english else "提交举报").click()
    page.wait_for_url(url("/consumer/cases/*/"))


def test_version_2_suggests_only_its_own_categories_in_chinese_and_files_the_first(
    page, url, sign_in, screenshot, time_machine, version_2
):
    time_machine.move_to(V2_LAST_EVENING)
    assert loader.in_force(timezone.now()).version == "2"
    own, later = version_2
    codes = _file(page, url, sign_in, screenshot, "C-V2ZH", ZH_WORDS, english=False)
    assert set(codes) <= own and not set(codes) & later, codes
    assert codes[0] == "damaged_on_arrival"
    assert "签收后 7 天内" in page.locator("label.choice").first.inner_text()  # version 2's window for it
    # The pre-selected suggestion's time limit and evidence are beside it, as if it had been clicked.
    info = page.locator("#category-info-card")
    assert info.locator("h3").inner_text() == "到货破损"
    assert info.locator(".required-evidence").inner_text() == "破损实拍图"
    _finish(page, url, codes[0], english=False)

    case = Case.objects.get(reporter__external_id="C-V2ZH")
    assert case.category == codes[0] and case.rulebook_version == "2"
    assert case.report.description == ZH_WORDS
    assert page.get_by_text(f"举报已提交，案件编号为 {case.reference}。").is_visible()
    suggestion = Suggestion.objects.get(channel="web")
    assert suggestion.rulebook_version == "2" and suggestion.top_category == codes[0]
    assert {r["category"] for r in suggestion.ranked} <= own


def test_version_2_suggests_only_its_own_categories_in_english_on_a_phone(
    _browser, live_server, transactional_db, url, sign_in, screenshot, time_machine, version_2
):
    time_machine.move_to(V2_LAST_EVENING)
    own, later = version_2
    context = _browser.new_context(viewport={"width": PHONE_WIDTH, "height": 844}, locale="zh-CN")
    context.set_default_timeout(15_000)
    phone = context.new_page()
    try:
        codes = _file(phone, url, sign_in, screenshot, "C-V2EN", EN_WORDS, english=True)
        assert set(codes) <= own and not set(codes) & later, codes
        assert codes[0] == "damaged_on_arrival"
        first = phone.locator("label.choice").first
        assert first.inner_text().startswith("Damaged on arrival")
        assert "within 7 days of delivery" in first.inner_text()
        assert phone.locator("#category-info-card .required-evidence").inner_text() == "Photo of the damage"
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
        # Its title and badge stay whole words on one line each; the window and the words go below them.
        assert phone.evaluate(LINES_OF_TITLE_AND_BADGE) == [1, 1]
        _finish(phone, url, codes[0], english=True)
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    finally:
        context.close()

    case = Case.objects.get(reporter__external_id="C-V2EN")
    assert case.category == "damaged_on_arrival" and case.rulebook_version == "2"
    assert case.report.description == EN_WORDS
