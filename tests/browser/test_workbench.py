"""The reviewer's workbench in Chromium (issue 17, item 8): the reviewer asks for evidence from the page,
then decides the case with the keyboard only (claim, photos, the outcome, its template, send), sees the
forensics' warning, and the pages fit a 390 px phone in both languages."""

import re

from playwright.sync_api import expect

from plaint.cases.models import Case, Decision
from tests import factories as f
from tests.web import casework_world


def test_reviewer_asks_for_evidence_then_decides_with_the_keyboard_only(page, url, sign_in, screenshot):
    world = casework_world.build()
    case = world["in_review"]
    ref = case.reference
    (later,) = f.queue_cases(1, merchants=[world["shop"]], priority=9)
    reviewer = world["users"]["reviewer"]
    sign_in(page, reviewer)
    page.goto(url(f"/review/cases/{ref}/"))

    # ? lists the shortcuts; Escape closes the list.
    page.keyboard.press("?")
    help_box = page.locator("#shortcuts")
    expect(help_box).to_be_visible()
    expect(help_box).to_contain_text("键盘快捷键")
    screenshot(page, "review-shortcuts-zh")
    page.keyboard.press("Escape")
    expect(help_box).to_be_hidden()

    # c claims.
    page.keyboard.press("c")
    expect(page.locator(f"#claim-{ref}")).to_contain_text("您已领取")
    # j zooms the next photo, Escape closes the zoom.
    photo = case.evidence.get()
    page.keyboard.press("j")
    expect(page.locator(f"#zoom-{photo.pk}")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator(f"#zoom-{photo.pk}")).to_be_hidden()

    # Ask for more evidence from the page: first with nothing ticked (the error at the top and by the
    # field, the note kept), then properly.
    form = page.locator("#more-evidence form")
    form.locator("textarea[name=note]").fill("请提供该批次的质检报告。")
    form.get_by_role("button", name="要求补充这些证据").click()
    expect(page.locator("#more-evidence [data-error-summary]")).to_be_visible()
    expect(form.locator("textarea[name=note]")).to_have_value("请提供该批次的质检报告。")
    form.locator("input[name=kinds][value=inspection_report]").check()
    form.get_by_role("button", name="要求补充这些证据").click()
    expect(page.locator(".msg-success")).to_contain_text("已要求举报人补充证据")
    assert Case.objects.get(pk=case.pk).state == "needs_evidence"

    # Decide with the keyboard only: d goes to the outcome, Space picks "upheld", whose template fills
    # the statement and whose warning (photo taken before delivery) shows; Tab, Space ticks the first
    # reason code; Ctrl+Enter sends.
    decision = page.locator("#decision-form")
    warning = decision.locator('[data-warning="photos_before_delivery"]')
    expect(warning).to_be_hidden()
    page.keyboard.press("d")
    expect(decision.locator("input[name=outcome]").first).to_be_focused()
    page.keyboard.press("Space")
    expect(page.locator("#decide_statement")).to_have_value(re.compile(r"^订单 O-2 的商品在 .+ 签收时已过期"))
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("expiry.jpg")
    screenshot(page, "review-decision-warning-zh")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    page.keyboard.press("Control+Enter")
    expect(page.locator(".msg-success")).to_be_visible()
    made = Decision.objects.get(case=case)
    assert made.outcome == "upheld" and made.decided_by == reviewer and "签收时已过期" in str(made.statement)

    # n claims and opens the next case.
    page.keyboard.press("n")
    page.wait_for_url(url(f"/review/cases/{later.reference}/"))
    assert Case.objects.get(pk=later.pk).claimed_by == reviewer


def test_workbench_pages_fit_a_390px_phone_in_both_languages(page, url, sign_in, screenshot):
    world = casework_world.build()
    ref = world["in_review"].reference
    supervisor = world["users"]["supervisor"]
    page.set_viewport_size({"width": 390, "height": 800})
    for language, path in (("zh-hans", "zh"), ("en", "en")):
        supervisor.language = language
        supervisor.save(update_fields=["language"])
        sign_in(page, supervisor)
        page.goto(url(f"/review/cases/{ref}/"))
        page.keyboard.press("c")
        expect(page.locator("#reassign")).to_be_visible()
        for target in (f"/review/cases/{ref}/", "/review/?category=expired_goods", "/review/?q=O-2"):
            page.goto(url(target))
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, (target, language, width)
        page.goto(url(f"/review/cases/{ref}/"))
        screenshot(page, f"review-workbench-phone-{path}")
        page.context.clear_cookies()
