"""Case A through the pages, by three people: imported skincare arrives broken and expired.

The consumer files with two photos, the merchant contests with counter-evidence, the reviewer claims
the case and upholds it with a reason code and an edited template statement; the consumer then reads
the decision and its reasons. Screenshots of the merchant and review pages in both languages.
"""

import re
from datetime import timedelta

from django.utils import formats, timezone, translation
from playwright.sync_api import expect

from plaint.cases.models import Case, Decision
from plaint.enforcement.models import PointEntry
from plaint.marketplace.models import Order
from tests import factories as f
from tests.browser import casework


def test_case_a_filed_contested_and_upheld_through_the_pages(page, url, sign_in, screenshot):
    world = casework.marketplace()
    # The photos were taken the day after delivery (EXIF times are local, as cameras write them).
    taken = timezone.localtime(Order.objects.get(external_id="O-A-1001").delivered_at) + timedelta(days=1)
    day = f"{taken:%Y:%m:%d}"

    # The consumer files the report with a photo of the damage and a photo of the expiry date.
    sign_in(page, world["consumer"])
    ref = casework.file_report(
        page,
        url,
        order="O-A-1001",
        category="过期商品",
        description="收到的面霜外包装破损，而且已经过期（瓶底日期 2026-09-30）。<b>请处理</b>",
        remedy="refund",
        files=[
            ("damage.jpg", f.jpeg("#b08968", (320, 240), exif_time=f"{day} 10:15:00"), "photo_of_packaging"),
            ("expiry.jpg", f.jpeg("#eeeeee", (320, 240), exif_time=f"{day} 10:16:30"), "photo_of_expiry_date"),
        ],
    )
    case = Case.objects.get(reference=ref)
    assert case.state == "awaiting_merchant" and case.evidence.count() == 2

    # The merchant sees the report among those waiting for an answer, with its deadline.
    merchant = casework.person(page, sign_in, world["merchant"])
    merchant.goto(url("/merchant/"))
    row = merchant.locator("tr", has_text=ref)
    expect(row).to_contain_text("过期商品")
    expect(row.locator(".due")).to_be_visible()
    screenshot(merchant, "merchant-home-zh")
    row.get_by_role("link", name=ref).click()
    expect(merchant.get_by_role("heading", name="举报人陈述")).to_be_visible()
    body = merchant.locator("main").inner_text()
    assert "<b>请处理</b>" in body  # the consumer's text, shown as text
    assert "13800000000" not in merchant.content() and "c-1001@example.cn" not in merchant.content()
    assert merchant.locator(".thumbs img").count() == 2
    screenshot(merchant, "merchant-case-zh")

    # The plan box belongs to the rectification answer only; the file button speaks the page's language.
    plan = merchant.get_by_label("您提出的整改方案")
    expect(plan).to_be_hidden()  # "contest" is chosen at first
    merchant.get_by_label("提出整改方案", exact=True).check()
    expect(plan).to_be_visible()
    expect(merchant.locator("#answer [data-pick]")).to_be_visible()
    expect(merchant.locator("#answer [data-pick]")).to_have_text("选择文件")

    # It contests, with counter-evidence, using the labelled form.
    merchant.get_by_label("对举报提出异议").check()
    expect(plan).to_be_hidden()
    merchant.get_by_label("说明", exact=True).fill("发货时该批次在保质期内，破损为物流造成。附发货单。")
    merchant.get_by_label("反证文件").set_input_files(
        [{"name": "waybill.jpg", "mimeType": "image/jpeg", "buffer": f.jpeg("#999999", (320, 240))}]
    )
    merchant.get_by_label("这些文件的类型").select_option("order_screenshot")
    merchant.get_by_role("button", name="提交答复").click()
    expect(merchant.locator(".msg-success")).to_contain_text("您的答复已提交")
    expect(merchant.locator(".badge").first).to_have_text("审核中")
    casework.switch_language(merchant, "English")
    expect(merchant.get_by_role("heading", name="Your answers")).to_be_visible()
    screenshot(merchant, "merchant-case-en")
    merchant.goto(url("/merchant/?show=all"))
    screenshot(merchant, "merchant-home-en")
    merchant.goto(url("/merchant/standing/"))
    screenshot(merchant, "merchant-standing-en")

    # The reviewer finds it in the queue and claims it there (htmx swaps the claim box).
    reviewer = casework.person(page, sign_in, world["reviewer"])
    reviewer.goto(url("/review/"))
    expect(reviewer.locator(".facets")).to_contain_text("过期商品")
    row = reviewer.locator("tr", has_text=ref)
    row.get_by_role("button", name="领取").click()
    expect(row.locator(".claimbox")).to_contain_text("您已领取")
    screenshot(reviewer, "review-queue-zh")
    row.get_by_role("link", name=ref).click()

    # The workspace: three photos with capture times beside the delivery date, and their hashes.
    gallery = reviewer.locator(".gallery > li")
    expect(gallery).to_have_count(3)
    with translation.override("zh-hans"):
        captured = formats.date_format(taken.replace(hour=10, minute=15), "DATETIME_FORMAT")
    expect(gallery.first).to_contain_text(captured)
    expect(reviewer.locator(".gallery .flagged")).to_have_count(0)  # none was taken before delivery
    for evidence in case.evidence.all():
        expect(reviewer.locator(".gallery")).to_contain_text(evidence.sha256)
    gallery.first.locator("a[href^='#zoom-']").click()
    zoom = reviewer.locator(".zoom:target")
    expect(zoom).to_be_visible()
    screenshot(reviewer, "review-evidence-zoom")
    zoom.get_by_role("link", name=re.compile("关闭")).click()
    expect(reviewer.locator(".zoom:target")).to_have_count(0)

    # The form starts neutral; the statement follows the outcome chosen (its template, filled in for this
    # order) until the reviewer edits it.
    statement = reviewer.get_by_label("事实与理由说明")
    expect(statement).to_have_value("")
    reviewer.get_by_role("radio", name="举报不成立").check()
    expect(statement).to_have_value(re.compile("未能提供该规则"))
    reviewer.get_by_role("radio", name="举报成立", exact=True).check()
    expect(statement).to_have_value(re.compile("O-A-1001"))
    expect(statement).to_have_value(re.compile("已超过保质期"))
    statement.fill(statement.input_value() + "\n商家所附发货单不能证明发货时批次在保质期内。")
    reviewer.get_by_role("radio", name="举报成立", exact=True).check()
    reviewer.get_by_role("checkbox", name="违规成立").check()
    screenshot(reviewer, "review-case-zh")
    reviewer.get_by_role("button", name="提交决定").click()
    expect(reviewer.locator(".msg-success")).to_contain_text("决定已提交")
    casework.switch_language(reviewer, "English")
    expect(reviewer.locator(".statement")).to_contain_text("Violation established")
    screenshot(reviewer, "review-case-en")
    reviewer.goto(url("/review/"))
    screenshot(reviewer, "review-queue-en")

    decision = Decision.objects.get(case__reference=ref)
    assert decision.outcome == "upheld" and decision.reason_codes == ["violation_established"]
    assert decision.statement["facts"].endswith("商家所附发货单不能证明发货时批次在保质期内。")
    assert PointEntry.objects.get(case__reference=ref).track == "serious"

    # The consumer reads the decision and its reasons on the case page.
    page.goto(url(f"/consumer/cases/{ref}/"))
    statement_card = page.locator(".statement")
    expect(statement_card).to_contain_text("举报成立")
    expect(statement_card).to_contain_text("违规成立")
    expect(statement_card).to_contain_text("商家所附发货单不能证明发货时批次在保质期内。")
    expect(statement_card).to_contain_text("过期商品")
    for other in (merchant, reviewer):
        other.context.close()
