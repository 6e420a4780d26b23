"""One report, the whole problem (issue 17 item 5), through the pages in both languages.

The consumer ticks two problems of one order (expired and damaged) on the category step; the case
pages list each problem; a second report of one of them is refused with the link to the open one
kept on the page; the merchant accepts one problem and contests the other; the reviewer decides
each, and the statement of reasons says each outcome and its points.
"""

import re
from datetime import UTC, datetime

from playwright.sync_api import expect

from plaint.cases.models import Case, CaseProblem, Decision
from plaint.enforcement.models import PointEntry
from tests import factories as f
from tests.browser import casework


def _file_two_problems(page, url, *, order, main, also, next_label, send_label, description):
    page.goto(url("/consumer/report/new/"))
    page.locator("label.choice", has_text=order).click()
    page.get_by_role("button", name=next_label).click()
    page.locator("label.choice", has_text=main).first.click()
    page.locator("#also label.choice", has_text=also).click()
    page.get_by_role("button", name=next_label).click()
    page.locator("#id_description").fill(description)
    page.get_by_role("button", name=next_label).click()
    # The evidence step names each problem's required evidence.
    expect(page.locator("[data-also-problem='damaged_on_arrival']")).to_be_visible()
    page.locator("#evidence-files").set_input_files(
        [
            {"name": "expiry.jpg", "mimeType": "image/jpeg", "buffer": f.jpeg("#eeeeee", (320, 240))},
            {"name": "damage.jpg", "mimeType": "image/jpeg", "buffer": f.jpeg("#b08968", (320, 240))},
        ]
    )
    kinds = page.locator("[data-uploads] select")
    kinds.nth(0).select_option("photo_of_expiry_date")
    kinds.nth(1).select_option("photo_of_damage")
    page.get_by_role("button", name=send_label).click()
    page.wait_for_url(re.compile(r"/consumer/cases/PL-[A-Z0-9-]+/"))
    return re.search(r"/consumer/cases/(PL-[A-Z0-9-]+)/", page.url).group(1)


def test_a_two_problem_report_filed_answered_and_decided_per_problem_in_chinese(
    page, url, sign_in, screenshot, time_machine
):
    time_machine.move_to(datetime(2026, 12, 9, 2, 0, tzinfo=UTC))  # rulebook version 4, with [problems]
    world = casework.marketplace()
    sign_in(page, world["consumer"])
    ref = _file_two_problems(
        page,
        url,
        order="O-A-1001",
        main="过期商品",
        also="到货破损",
        next_label="下一步",
        send_label="提交举报",
        description="面霜已经过期，瓶子也碎了。",
    )
    case = Case.objects.get(reference=ref)
    assert (case.category, case.state) == ("expired_goods", "awaiting_merchant")
    problems = page.locator("#problems")
    expect(problems.locator("[data-problem]")).to_have_count(2)
    expect(problems.locator("[data-problem='damaged_on_arrival']")).to_contain_text("到货破损")
    screenshot(page, "several-problems-consumer-zh")

    # A second report of the damage alone is refused at the category step, with the way to the open one.
    page.goto(url("/consumer/report/new/?restart=1"))
    page.locator("label.choice", has_text="O-A-1001").click()
    page.get_by_role("button", name="下一步").click()
    page.locator("label.choice", has_text="到货破损").first.click()
    page.get_by_role("button", name="下一步").click()
    duplicate = page.locator("[data-duplicate]")
    expect(duplicate).to_contain_text(ref)
    expect(duplicate.get_by_role("link")).to_have_attribute("href", f"/consumer/cases/{ref}/")
    assert Case.objects.count() == 1

    # The merchant accepts the damage and contests the expiry.
    merchant = casework.person(page, sign_in, world["merchant"])
    merchant.goto(url(f"/merchant/cases/{ref}/"))
    expect(merchant.locator("#problems [data-problem]")).to_have_count(2)
    merchant.get_by_label("对举报提出异议").check()
    merchant.locator("#answer").get_by_label("到货破损").check()
    merchant.get_by_label("说明", exact=True).fill("破损属实，同意处理；发货时批次在保质期内。")
    merchant.get_by_role("button", name="提交答复").click()
    expect(merchant.locator(".msg-success")).to_contain_text("您的答复已提交")
    expect(merchant.locator("[data-problem='damaged_on_arrival'] [data-answer='accept']")).to_be_visible()
    expect(merchant.locator("[data-problem='expired_goods'] [data-answer='contest']")).to_be_visible()

    # The reviewer decides each problem; the case's outcome follows from them.
    reviewer = casework.person(page, sign_in, world["reviewer"])
    reviewer.goto(url(f"/review/cases/{ref}/"))
    reviewer.get_by_role("button", name="领取").first.click()
    reviewer.wait_for_load_state()
    outcomes = reviewer.locator("#problem-outcomes")
    outcomes.locator(".field", has_text="过期商品").get_by_role("radio", name="举报成立", exact=True).check()
    outcomes.locator(".field", has_text="到货破损").get_by_role("radio", name="举报成立", exact=True).check()
    reviewer.get_by_role("checkbox", name="违规成立").check()
    reviewer.get_by_label("事实与理由说明").fill("保质期实拍图显示商品已过期；商家认可到货破损。两项举报均成立。")
    screenshot(reviewer, "several-problems-review-zh")
    reviewer.get_by_role("button", name="提交决定").click()
    expect(reviewer.locator(".msg-success")).to_contain_text("决定已提交")

    decision = Decision.objects.get(case__reference=ref)
    assert (decision.outcome, decision.points) == ("upheld", 8)
    assert sorted(PointEntry.objects.values_list("track", "points")) == [("general", 2), ("serious", 6)]
    assert set(CaseProblem.objects.filter(case=case).values_list("outcome", flat=True)) == {"upheld"}

    # The consumer reads each problem's outcome in the statement of reasons.
    page.goto(url(f"/consumer/cases/{ref}/"))
    statement = page.locator(".statement")
    expect(statement.locator("[data-problem-outcome='expired_goods']")).to_contain_text("6")
    expect(statement.locator("[data-problem-outcome='damaged_on_arrival']")).to_contain_text("到货破损")
    for other in (merchant, reviewer):
        other.context.close()


def test_a_two_problem_report_in_english_at_phone_width_decided_per_problem(
    phone, url, sign_in, screenshot, time_machine
):
    time_machine.move_to(datetime(2026, 12, 9, 2, 0, tzinfo=UTC))
    world = casework.marketplace()
    phone.set_viewport_size({"width": 390, "height": 844})
    sign_in(phone, world["consumer"])
    casework.switch_language(phone, "English")
    phone.goto(url("/consumer/report/new/"))
    phone.locator("label.choice", has_text="O-A-1001").click()
    phone.get_by_role("button", name="Next").click()
    expect(phone.locator("#also legend")).to_have_text("Anything else wrong with this order?")
    # The category step fits the phone: nothing wider than the screen.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "several-problems-category-en-phone")
    ref = _file_two_problems(
        phone,
        url,
        order="O-A-1001",
        main="Expired goods",
        also="Damaged on arrival",
        next_label="Next",
        send_label="Send the report",
        description="The cream is expired and the jar arrived cracked.",
    )
    expect(phone.locator("#problems")).to_contain_text("Damaged on arrival")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    merchant = casework.person(phone, sign_in, world["merchant"], width=390, height=844)
    casework.switch_language(merchant, "English")
    merchant.goto(url(f"/merchant/cases/{ref}/"))
    merchant.locator("#answer").get_by_label("Contest the report").check()
    merchant.get_by_label("Explanation", exact=True).fill("Both are contested: the batch was in date and packed well.")
    merchant.get_by_role("button", name="Send my answer").click()
    expect(merchant.locator("[data-problem='expired_goods'] [data-answer='contest']")).to_be_visible()

    reviewer = casework.person(phone, sign_in, world["reviewer"], width=390, height=844)
    casework.switch_language(reviewer, "English")
    reviewer.goto(url(f"/review/cases/{ref}/"))
    reviewer.get_by_role("button", name="Claim").first.click()
    reviewer.wait_for_load_state()
    outcomes = reviewer.locator("#problem-outcomes")
    outcomes.locator(".field", has_text="Expired goods").get_by_role("radio", name="Upheld", exact=True).check()
    outcomes.locator(".field", has_text="Damaged on arrival").get_by_role("radio", name="Not upheld").check()
    reviewer.get_by_label("Amount to refund (partial refunds)").fill("200.00")
    reviewer.get_by_role("checkbox", name="Violation established").check()
    reviewer.get_by_label("Statement of facts and reasons").fill(
        "The photo shows the expiry date passed before delivery; the damage photo shows transit wear only."
    )
    reviewer.get_by_role("button", name="Send the decision").click()
    expect(reviewer.locator(".msg-success")).to_be_visible()
    statement = reviewer.locator(".statement")
    expect(statement).to_contain_text("Partly upheld")
    expect(statement.locator("[data-problem-outcome='damaged_on_arrival']")).to_contain_text("Not upheld")
    assert reviewer.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(reviewer, "several-problems-review-en-phone")

    decision = Decision.objects.get(case__reference=ref)
    assert (decision.outcome, decision.points) == ("partly_upheld", 6)
    assert list(PointEntry.objects.values_list("track", "points")) == [("serious", 6)]
    for other in (merchant, reviewer):
        other.context.close()
