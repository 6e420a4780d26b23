"""The reviewer sees a case's cluster and why its priority is what it is, opens the cluster, and decides its
open cases together; the pages fit a phone."""

from datetime import datetime, timedelta, timezone

from playwright.sync_api import expect

from plaint.accounts.models import Role
from plaint.cases import actions
from plaint.cases.inputs import ReportIn, ResponseIn
from plaint.cases.models import Case
from plaint.evidence.actions import Upload
from plaint.rulebook import loader
from tests import factories as f
from tests.evidence.test_forensics import jpeg, scene

CST = timezone(timedelta(hours=8))
V4 = datetime(2026, 12, 8, 10, 0, tzinfo=CST)


def three_reports_of_one_batch() -> list[Case]:
    shop = f.merchant("M-CREAM", name="Tokyo Beauty")
    cream = f.listing(shop, "L-CREAM", batch="B2026-07")
    staff = f.user(Role.MERCHANT, merchant=shop)
    cases = []
    for n, consumer in enumerate(("C1", "C2", "C3")):
        f.order(shop, consumer, external_id=f"O-{consumer}", listing_obj=cream)
        data = ReportIn(
            target_type="order",
            target_id=f"O-{consumer}",
            category="expired_goods",
            description="面霜已过期，瓶底日期是上个月",
            remedy_wanted="refund",
        )
        photo = Upload("jar.jpg", jpeg(scene(300 + n, (300, 200)), taken="2026:12:07 20:00:00"), "photo_of_expiry_date")
        case = actions.file_report(f.consumer_user(consumer), data, [photo]).case
        actions.respond_as_merchant(staff, case, ResponseIn(kind="contest", explanation="批次在保质期内。"))
        cases.append(Case.objects.get(pk=case.pk))
    return cases


def test_the_reviewer_sees_the_cluster_and_the_priority_terms_and_decides_together(
    page, url, sign_in, screenshot, time_machine
):
    time_machine.move_to(V4)
    cases = three_reports_of_one_batch()
    weights = loader.in_force(V4).priority
    reviewer = f.user(Role.REVIEWER, "reviewer-wang")
    sign_in(page, reviewer)

    page.goto(url(f"/review/cases/{cases[0].reference}/"))
    terms = page.locator(".priority-terms")
    expect(terms).to_contain_text("类别的严重程度")
    expect(terms.locator("[data-term=severity]")).to_have_text(f"+{weights.severity['expired_goods']}")
    expect(terms.locator("[data-term=cluster]")).to_have_text(f"+{2 * weights.cluster_per_report}")
    expect(page.locator(".cluster-box")).to_contain_text("3 位不同的举报人")
    screenshot(page, "review-case-priority-cluster")

    page.locator(".cluster-box a").click()
    page.wait_for_url(url(f"/review/clusters/{cases[0].cluster_id}/"))
    expect(page.locator(".cluster-size")).to_have_text("3")
    expect(page.locator(".cluster-members li")).to_have_count(3)
    page.locator("#cluster_outcome_0").check()  # upheld
    page.locator("input[name=reason_codes][value=violation_established]").check()
    page.locator("#cluster_statement").fill("三位消费者拍到的批次日期均早于发货日，商家未提供在保质期内的证明。")
    page.get_by_role("button", name="一并决定").click()
    expect(page.locator("[role=status]")).to_contain_text("3 个案件已决定")
    screenshot(page, "review-cluster-decided")
    assert set(Case.objects.filter(pk__in=[c.pk for c in cases]).values_list("state", flat=True)) == {"decided"}


def test_the_cluster_page_fits_a_phone_and_is_for_reviewers_only(phone, url, sign_in, time_machine):
    time_machine.move_to(V4)
    cases = three_reports_of_one_batch()
    sign_in(phone, f.user(Role.REVIEWER))
    phone.goto(url(f"/review/clusters/{cases[0].cluster_id}/"))
    expect(phone.locator(".cluster-members li")).to_have_count(3)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.goto(url(f"/review/cases/{cases[1].reference}/"))
    expect(phone.locator(".priority-terms")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.context.clear_cookies()
    sign_in(phone, f.user(Role.MERCHANT, merchant=cases[0].merchant))
    answer = phone.goto(url(f"/review/clusters/{cases[0].cluster_id}/"))
    assert answer.status == 403
