"""Case B through the pages: an imported supplement "not as described", filed with no files.

The case asks for evidence; the reviewer decides it not upheld for insufficient evidence; the consumer
reads that outcome and which evidence would have been needed. A supervisor's view of an escalated case.
"""

from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from plaint.cases import actions, clocks
from plaint.cases.inputs import ReportIn, ResponseIn
from plaint.cases.models import Case, Decision, StatementTemplate
from plaint.evidence.actions import Upload
from tests import factories as f
from tests.browser import casework


def _escalated_case(world) -> Case:
    """A contested skincare case in review whose decision deadline passed and which went to the supervisors."""
    case = actions.file_report(
        world["consumer"],
        ReportIn(target_type="order", target_id="O-A-1001", category="expired_goods", description="面霜已过期。"),
        [Upload("expiry.jpg", f.jpeg("white"), "photo_of_expiry_date")],
    ).case
    actions.respond_as_merchant(world["merchant"], case, ResponseIn(kind="contest", explanation="发货时未过期。"))
    # The clocks' work (tested with them): the deadline passed, the case was escalated.
    Case.objects.filter(pk=case.pk).update(
        decision_due_at=timezone.now() - timedelta(hours=5),
        escalated_at=timezone.now() - timedelta(hours=4),
        priority=5,
    )
    return case


def test_case_b_not_upheld_for_insufficient_evidence_through_the_pages(page, url, sign_in, screenshot):
    world = casework.marketplace()
    overdue = _escalated_case(world)

    sign_in(page, world["consumer"])
    ref = casework.file_report(
        page,
        url,
        order="O-B-2001",
        category="描述不符",
        description="鱼油胶囊与页面描述不符，颜色和气味都不一样。",
        remedy="return_and_refund",
    )
    expect(page.get_by_role("heading", name="您的举报需要补充证据")).to_be_visible()
    expect(page.locator("main")).to_contain_text("商品实拍图")
    assert Case.objects.get(reference=ref).state == "needs_evidence"

    # The reviewer finds it among the cases waiting for evidence and decides before the deadline.
    reviewer = casework.person(page, sign_in, world["reviewer"])
    reviewer.goto(url("/review/"))
    reviewer.get_by_role("link", name="等待补充证据").click()
    reviewer.get_by_role("link", name=ref).click()
    expect(reviewer.locator(".gallery")).to_have_count(0)
    expect(reviewer.locator("main")).to_contain_text("未附证据。")
    reviewer.get_by_role("button", name="领取").click()
    expect(reviewer.locator(".msg-success")).to_contain_text("您已领取该案件")
    # The form starts neutral; choosing the outcome loads its template (the only one for not upheld here).
    reviewer.get_by_role("radio", name="举报不成立").check()
    expect(reviewer.get_by_label("说明模板")).to_have_value(
        str(StatementTemplate.objects.get(category="not_as_described", language="zh-hans", outcome="not_upheld").pk)
    )
    statement = reviewer.get_by_label("事实与理由说明")
    version = Case.objects.get(reference=ref).rulebook_version  # the version in force when it was filed
    expect(statement).to_have_value(
        f"消费者就订单 O-B-2001 提出的《描述不符》举报，未能提供该规则（第 {version} 版）要求的证据，"
        "现有材料不足以认定违规。"
    )
    statement.fill(statement.input_value() + "举报人未在补证期限前补充商品实拍图。")
    reviewer.get_by_role("radio", name="举报不成立").check()
    reviewer.get_by_role("checkbox", name="证据不足").check()
    reviewer.get_by_role("button", name="提交决定").click()
    expect(reviewer.locator(".msg-success")).to_contain_text("决定已提交")
    decision = Decision.objects.get(case__reference=ref)
    assert (decision.outcome, decision.reason_codes) == ("not_upheld", ["insufficient_evidence"])

    # The consumer reads: not upheld, insufficient evidence, and which evidence would have been needed.
    page.goto(url(f"/consumer/cases/{ref}/"))
    card = page.locator(".statement")
    expect(card).to_contain_text("举报不成立")
    expect(card).to_contain_text("证据不足")
    expect(card).to_contain_text("所需而未提供的证据")
    expect(card).to_contain_text("商品实拍图")
    expect(card).to_contain_text("举报人未在补证期限前补充商品实拍图。")
    expect(card).to_contain_text("12315")  # other ways forward

    # A supervisor sees the overdue, escalated case (and a reviewer is refused that view).
    supervisor = casework.person(page, sign_in, world["supervisor"])
    supervisor.goto(url("/review/supervisor/"))
    expect(supervisor.locator("table", has_text=overdue.reference)).to_have_count(2)  # overdue and escalated
    screenshot(supervisor, "review-supervisor-zh")
    casework.switch_language(supervisor, "English")
    expect(supervisor.get_by_role("heading", name="Open monitoring flags")).to_be_visible()
    screenshot(supervisor, "review-supervisor-en")
    reviewer.goto(url("/review/supervisor/"))
    expect(reviewer.get_by_role("heading", name="您无法打开此页面")).to_be_visible()
    for other in (reviewer, supervisor):
        other.context.close()


def test_case_b_closes_when_the_evidence_deadline_passes_and_the_consumer_reads_why(page, url, sign_in, screenshot):
    world = casework.marketplace()
    sign_in(page, world["consumer"])
    ref = casework.file_report(
        page,
        url,
        order="O-B-2001",
        category="描述不符",
        description="鱼油胶囊与页面描述不符。",
        remedy="return_and_refund",
    )
    case = Case.objects.get(reference=ref)
    # Nobody adds the evidence; the clock runs out (the test moves the clock, it does not wait).
    report = clocks.tick(now=case.evidence_due_at + timedelta(minutes=1))
    assert report.evidence_closed == 1
    page.reload()
    card = page.locator(".statement")
    expect(card).to_contain_text("举报不成立")
    expect(card).to_contain_text("证据不足")
    expect(card).to_contain_text("所需而未提供的证据")
    expect(card).to_contain_text("商品实拍图")
    expect(card).to_contain_text("本决定由系统按规则自动作出。")
    screenshot(page, "consumer-case-closed-for-missing-evidence-zh")
    # The merchant sees the same outcome on its page, and nothing to answer.
    merchant = casework.person(page, sign_in, world["other_merchant"])
    merchant.goto(url(f"/merchant/cases/{ref}/"))
    expect(merchant.locator(".statement")).to_contain_text("举报不成立")
    expect(merchant.locator("form[enctype]")).to_have_count(0)
    merchant.context.close()
