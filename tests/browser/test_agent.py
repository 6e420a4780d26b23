"""The agent console in a real browser: a hotline report with a pasted transcript, then an update."""

from datetime import timedelta

from django.utils import timezone

from plaint.accounts.models import Role
from plaint.cases.models import Case
from plaint.evidence.models import Evidence
from tests import factories
from tests.browser.helpers import assert_fields_labelled, drop


def test_agent_files_a_hotline_report_with_a_transcript_and_adds_to_it(page, url, sign_in, screenshot):
    shop = factories.merchant(name="Seoul Health 首尔健康")
    order = factories.order(shop, "C-CALL", delivered_at=timezone.now() - timedelta(days=5))
    agent = factories.user(Role.AGENT)
    sign_in(page, agent)

    page.goto(url("/agent/"))
    page.get_by_label("查找消费者").fill("13800000000")
    page.get_by_role("button", name="搜索").click()
    screenshot(page, "agent-search-zh")
    page.get_by_role("link", name="李娜").click()
    screenshot(page, "agent-consumer-zh")
    page.get_by_role("link", name="举报此订单").click()

    page.get_by_role("radio", name="客服热线").check()
    page.get_by_label("通话或会话编号").fill("CALL-2026-0042")
    assert page.get_by_label("举报对象").input_value() == f"order:{order.external_id}"
    page.get_by_role("radio", name="到货破损").check()
    page.locator("#category-info-card").get_by_text("破损实拍图").wait_for()
    page.get_by_label("消费者陈述").fill("消费者来电：鱼油瓶子到货时碎了，<b>要求退款</b>。")
    page.get_by_label("消费者诉求").select_option(label="退款")
    page.get_by_label("聊天记录（选填）").fill("坐席：您好，请问有什么可以帮您？\n消费者：我买的鱼油到货时瓶子碎了。")
    assert_fields_labelled(page)
    screenshot(page, "agent-file-zh")
    page.get_by_role("button", name="提交举报").click()

    page.wait_for_url(url("/agent/cases/*/"))
    case = Case.objects.select_related("report").get(reporter__external_id="C-CALL")
    assert case.channel == "hotline"
    assert case.report.channel_reference == "CALL-2026-0042"
    assert case.report.filed_by_id == agent.pk
    # No photo of the damage yet: the report waits for it, and the transcript is on the case.
    assert case.state == "needs_evidence"
    transcript = Evidence.objects.get(case=case)
    assert transcript.kind == "chat_log" and transcript.content_type == "text/plain"
    assert "瓶子碎了" in transcript.file.open("rb").read().decode("utf-8")
    text = page.locator("main").inner_text()
    assert f"案件编号为 {case.reference}" in text
    assert "CALL-2026-0042" in text
    assert "<b>要求退款</b>" in text  # shown as typed, not as markup
    assert agent.username in text  # the timeline names the agent who filed
    screenshot(page, "agent-case-needs-evidence-zh")

    # The consumer calls back with the photo: the agent adds it, and the case goes to the merchant.
    # Dropped on the drop zone of this plain form, the photo becomes the file input's file.
    drop(page, "[data-dropzone]", {"name": "broken.jpg", "mimeType": "image/jpeg", "buffer": factories.jpeg("gray")})
    assert page.evaluate("document.querySelector('#evidence-files').files.length") == 1
    page.get_by_label("文件内容").select_option("photo_of_damage")
    page.get_by_role("button", name="添加证据").click()
    page.wait_for_load_state()
    case.refresh_from_db()
    assert case.state == "awaiting_merchant"
    assert page.get_by_text("证据已添加到案件。").is_visible()
    assert page.locator(".thumbs img").count() == 1
    screenshot(page, "agent-case-updated-zh")
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    screenshot(page, "agent-case-updated-en")


def test_agent_form_keeps_what_was_typed_when_the_reference_is_missing(page, url, sign_in):
    shop = factories.merchant()
    factories.order(shop, "C-NOREF")
    agent = factories.user(Role.AGENT)
    sign_in(page, agent)
    page.goto(url("/agent/consumers/C-NOREF/report/"))
    page.get_by_role("radio", name="在线客服").check()
    page.get_by_role("radio", name="商品质量问题").check()
    page.get_by_label("消费者陈述").fill("面霜有异味。")
    page.get_by_label("通话或会话编号").fill("   ")
    # A photo chosen before the error is not lost with it (a file input cannot be refilled).
    page.set_input_files(
        "#evidence-files", files=[{"name": "smell.jpg", "mimeType": "image/jpeg", "buffer": factories.jpeg("green")}]
    )
    page.get_by_role("button", name="提交举报").click()
    page.wait_for_load_state()
    assert Case.objects.count() == 0
    assert page.locator(".errorlist").first.is_visible()
    assert page.get_by_label("消费者陈述").input_value() == "面霜有异味。"
    assert page.get_by_role("radio", name="在线客服").is_checked()
    kept = page.locator("[data-held]")
    assert "上次提交时选择的文件已保留" in kept.inner_text() and "smell.jpg" in kept.inner_text()
    assert kept.get_by_role("checkbox").is_checked()
    page.get_by_label("通话或会话编号").fill("CHAT-9")
    page.get_by_role("button", name="提交举报").click()
    page.wait_for_url(url("/agent/cases/*/"))
    assert list(Case.objects.get().evidence.values_list("original_name", flat=True)) == ["smell.jpg"]
