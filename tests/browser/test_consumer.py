"""The consumer portal in a real browser: filing in steps with two photos, an inadmissible report."""

from datetime import timedelta

from django.utils import formats, timezone, translation

from plaint.cases.models import Case
from plaint.evidence.models import Evidence
from tests import factories
from tests.browser.helpers import assert_fields_labelled, drop, photo


def test_consumer_files_a_report_with_two_photos_in_steps(page, url, sign_in, screenshot):
    shop = factories.merchant(name="Tokyo Beauty 東京美妝")
    delivered = timezone.now() - timedelta(days=4)
    order = factories.order(shop, "C-A", delivered_at=delivered)
    consumer = factories.consumer_user("C-A")
    sign_in(page, consumer)

    page.goto(url("/consumer/"))
    screenshot(page, "consumer-my-reports-empty-zh")
    page.get_by_role("link", name="我要举报").click()
    page.get_by_role("radio", name=f"订单 {order.external_id}").check()
    screenshot(page, "consumer-file-1-target-zh")
    page.get_by_role("button", name="下一步").click()

    # Before anything is sent, the category shows its window, the date it closes for this order,
    # and the evidence it requires (from the rulebook's own evaluation).
    page.get_by_role("radio", name="过期商品").check()
    info = page.locator("#category-info-card")
    info.get_by_text("保质期（生产日期）实拍图").wait_for()
    with translation.override("zh-hans"):
        closes = formats.date_format(timezone.localtime(delivered + timedelta(days=30)), "DATETIME_FORMAT")
    assert "签收后 30 天内" in info.inner_text()
    assert closes in info.inner_text()
    assert "还剩 26 天" in info.inner_text()
    screenshot(page, "consumer-file-2-category-zh")
    page.get_by_role("button", name="下一步").click()

    page.get_by_label("情况描述").fill(
        "面霜外包装破损，而且已经过期。The box was broken and the cream is past its date."
    )
    page.get_by_label("您的诉求").select_option(label="退款")
    screenshot(page, "consumer-file-3-describe-zh")
    page.get_by_role("button", name="下一步").click()

    # Two photos: one chosen with the file picker, one dropped on the drop zone; a kind for each.
    page.locator("#evidence-files").set_input_files([photo("brown")])
    page.locator("[data-uploads] li").first.wait_for()  # the upload script has taken the file
    drop(page, "[data-dropzone]", photo("white"))
    uploads = page.locator("[data-uploads] li")
    assert uploads.count() == 2
    assert uploads.locator("img").count() == 2  # previews before sending
    uploads.nth(0).get_by_label("此文件的内容").select_option("photo_of_packaging")
    uploads.nth(1).get_by_label("此文件的内容").select_option("photo_of_expiry_date")
    assert "✓" in page.locator("[data-required-kind=photo_of_expiry_date]").inner_text()
    review = page.locator("#review-title").locator("..")
    assert "面霜外包装破损" in review.inner_text()
    assert_fields_labelled(page)
    screenshot(page, "consumer-file-4-evidence-review-zh")
    page.get_by_role("button", name="提交举报").click()

    page.wait_for_url(url("/consumer/cases/*/"))
    case = Case.objects.get(reporter__external_id="C-A")
    assert page.url.endswith(f"/consumer/cases/{case.reference}/")
    assert case.state == "awaiting_merchant"
    assert case.channel == "web"
    kinds = sorted(Evidence.objects.filter(case=case).values_list("kind", flat=True))
    assert kinds == ["photo_of_expiry_date", "photo_of_packaging"]
    assert page.get_by_text(f"举报已提交，案件编号为 {case.reference}。").is_visible()
    assert page.locator(".badge").first.inner_text() == "等待商家答复"
    assert page.locator(".thumbs img").count() == 2
    assert page.get_by_text("举报已受理，已转交商家答复。").is_visible()
    # The file progress reached the end before the page moved on; the filed case is read back whole.
    screenshot(page, "consumer-case-awaiting-merchant-zh")
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    screenshot(page, "consumer-case-awaiting-merchant-en")


def test_inadmissible_report_shows_reasons_and_alternatives(page, url, sign_in, screenshot):
    shop = factories.merchant()
    order = factories.order(shop, "C-OLD", delivered_at=timezone.now() - timedelta(days=120))
    consumer = factories.consumer_user("C-OLD")
    sign_in(page, consumer)

    page.goto(url("/consumer/report/new/?restart=1"))
    page.get_by_role("radio", name=f"订单 {order.external_id}").check()
    page.get_by_role("button", name="下一步").click()
    page.get_by_role("radio", name="商品质量问题").check()
    info = page.locator("#category-info-card")
    info.get_by_text("举报时限已于").wait_for()
    # Warned before sending: the window closed, and what else there is.
    assert "12315" in info.inner_text()
    screenshot(page, "consumer-file-2-category-closed-zh")
    page.get_by_role("button", name="下一步").click()
    page.get_by_label("情况描述").fill("防晒乳用了以后皮肤过敏。")
    page.get_by_role("button", name="下一步").click()
    page.locator("#evidence-files").set_input_files([photo("orange")])
    page.get_by_role("button", name="提交举报").click()
    page.wait_for_url(url("/consumer/cases/*/"))

    case = Case.objects.get(reporter__external_id="C-OLD")
    assert case.state == "inadmissible"
    reasons = page.locator("section", has=page.get_by_role("heading", name="举报不予受理的原因"))
    text = reasons.inner_text()
    assert "30 天内" in text and "签收后第 120 天" in text
    assert "签收时间" in text and "时限截止" in text and "举报时间" in text
    assert "12315" in text and "人民法院" in text and "客服" in text
    # Not a dead end: the listing itself can still be reported.
    assert "针对商品" in text
    screenshot(page, "consumer-case-inadmissible-zh")
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert "Why this report could not be accepted" in page.content()
    screenshot(page, "consumer-case-inadmissible-en")


def test_my_reports_and_filing_fit_a_phone(phone, url, sign_in, screenshot):
    shop = factories.merchant()
    factories.order(shop, "C-PH")
    consumer = factories.consumer_user("C-PH")
    sign_in(phone, consumer)
    phone.goto(url("/consumer/report/new/?restart=1"))
    # Nothing wider than the screen: no sideways scrolling on a 375px phone.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(phone, "consumer-file-1-target-phone-zh")


def test_a_refused_file_is_named_with_its_reason_and_the_report_is_kept(page, url, sign_in, screenshot):
    shop = factories.merchant()
    order = factories.order(shop, "C-BAD")
    sign_in(page, factories.consumer_user("C-BAD"))
    page.goto(url("/consumer/report/new/?restart=1"))
    page.get_by_role("radio", name=f"订单 {order.external_id}").check()
    page.get_by_role("button", name="下一步").click()
    page.get_by_role("radio", name="过期商品").check()
    page.get_by_role("button", name="下一步").click()
    page.get_by_label("情况描述").fill("过期了。")
    page.get_by_role("button", name="下一步").click()
    broken = {"name": "cut-short.jpg", "mimeType": "image/jpeg", "buffer": factories.jpeg("red")[:300]}
    page.locator("#evidence-files").set_input_files([photo("white"), broken])
    page.locator("[data-uploads] li").nth(1).wait_for()
    page.get_by_role("button", name="提交举报").click()
    page.wait_for_url(url("/consumer/cases/*/"))
    case = Case.objects.get(reporter__external_id="C-BAD")
    assert case.state == "awaiting_merchant" and case.evidence.count() == 1
    refused = page.locator(".refused-files").inner_text()
    assert "cut-short.jpg" in refused and "图片已损坏或不完整" in refused
    screenshot(page, "consumer-case-refused-file-zh")


def test_a_failed_send_says_so_and_keeps_the_files_for_another_try(page, url, sign_in):
    shop = factories.merchant()
    order = factories.order(shop, "C-RETRY")
    sign_in(page, factories.consumer_user("C-RETRY"))
    page.goto(url("/consumer/report/new/?restart=1"))
    page.get_by_role("radio", name=f"订单 {order.external_id}").check()
    page.get_by_role("button", name="下一步").click()
    page.get_by_role("radio", name="过期商品").check()
    page.get_by_role("button", name="下一步").click()
    page.get_by_label("情况描述").fill("过期了。")
    page.get_by_role("button", name="下一步").click()
    page.locator("#evidence-files").set_input_files([photo("white")])
    page.locator("[data-uploads] li").first.wait_for()
    # The first try meets a proxy that refuses large requests; the second goes through.
    refusals = []

    def refuse_once(route):
        if not refusals:
            refusals.append(route.request.url)
            route.fulfill(status=413, body="Request Entity Too Large")
        else:
            route.continue_()

    page.route("**/consumer/report/new/?step=submit", refuse_once)
    page.get_by_role("button", name="提交举报").click()
    error = page.locator("[data-upload-error]")
    error.wait_for()
    assert "错误 413" in error.inner_text()
    assert Case.objects.count() == 0
    assert page.locator("[data-uploads] li").count() == 1
    page.get_by_role("button", name="提交举报").click()
    page.wait_for_url(url("/consumer/cases/*/"))
    assert Case.objects.get(reporter__external_id="C-RETRY").evidence.count() == 1
