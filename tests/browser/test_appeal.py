"""Case B on appeal through the pages, under rulebook v2 (3 December 2026).

The consumer whose report was not upheld for insufficient evidence appeals with a new photo of the
label; the merchant answers; the supervisor who took the first decision is refused, a second
supervisor reconsiders and overturns; both parties read the appeal's statement of reasons; the
consumer's and the merchant's case pages with the appeal fit a phone's width.
"""

from datetime import datetime, timedelta, timezone

from playwright.sync_api import expect

from plaint.accounts.models import Role
from plaint.cases import actions
from plaint.cases.inputs import DecisionIn, ReportIn
from plaint.cases.models import Appeal, Case
from plaint.enforcement.models import PointEntry
from tests import factories as f
from tests.browser import casework, helpers

CST = timezone(timedelta(hours=8))
PHONE_WIDTH = 390


def _case_b_not_upheld(world, decider) -> Case:
    """Case B as it ended: filed without the photo, decided not upheld for insufficient evidence by `decider`."""
    case = actions.file_report(
        world["consumer"],
        ReportIn(
            target_type="order",
            target_id="O-B-2001",
            category="not_as_described",
            description="鱼油胶囊与页面描述不符，颜色和气味都不一样。",
            remedy_wanted="return_and_refund",
        ),
    ).case
    actions.claim_case(decider, case)
    actions.decide_case(
        decider,
        case,
        DecisionIn(
            outcome="not_upheld",
            reason_codes=["insufficient_evidence"],
            statement="举报人未提供商品实拍图，现有材料不足以认定违规。",
        ),
    )
    case.refresh_from_db()
    return case


def _fits_phone(person, url, path: str) -> None:
    person.set_viewport_size({"width": 375, "height": 740})
    person.goto(url(path))
    width = person.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"{path} is {width}px wide at a phone's width"


def test_case_b_appealed_with_a_new_photo_answered_and_overturned_on_reconsideration(
    page, url, sign_in, screenshot, time_machine
):
    time_machine.move_to(datetime(2026, 12, 3, 10, 0, tzinfo=CST))  # rulebook v2, with [appeals], is in force
    world = casework.marketplace()
    second = f.user(Role.SUPERVISOR, "supervisor-zhao")
    case = _case_b_not_upheld(world, world["supervisor"])
    ref = case.reference

    # The consumer reads what is open to them and appeals with a new photo of the label.
    sign_in(page, world["consumer"])
    page.goto(url(f"/consumer/cases/{ref}/"))
    expect(page.locator(".statement .appeal-offer")).to_contain_text("决定的处理结果：可在")
    form = page.locator("#appeal-form")
    expect(form.get_by_role("radio", name="决定的处理结果")).to_be_checked()  # the one thing open
    form.get_by_label("申诉理由").fill("补拍的标签照片显示胶囊颜色与页面描述不符。")
    form.locator("#appeal-files").set_input_files(
        [{"name": "label.jpg", "mimeType": "image/jpeg", "buffer": f.jpeg("navy", (320, 240))}]
    )
    form.get_by_label("文件内容").select_option("photo_of_product")
    helpers.assert_fields_labelled(page)
    form.get_by_role("button", name="提交申诉").click()
    expect(page.locator(".msg-success")).to_contain_text("您的申诉已提交")
    mine = page.locator(".appeal")
    expect(mine).to_contain_text("您的申诉")
    expect(mine).to_contain_text("等待对方答复")
    expect(mine).to_contain_text("label.jpg")
    appeal = Appeal.objects.get(case=case)
    assert case.evidence.get(pk__in=appeal.evidence_ids).kind == "photo_of_product"

    # The merchant sees it at once, with the photo and the answer's deadline, and answers once.
    merchant = casework.person(page, sign_in, world["other_merchant"])
    merchant.goto(url(f"/merchant/cases/{ref}/"))
    card = merchant.locator(f"#appeal-{appeal.pk}")
    expect(card).to_contain_text("举报人的申诉")
    expect(card).to_contain_text("补拍的标签照片")
    expect(card).to_contain_text("须在")
    expect(card.locator("img")).to_have_count(1)
    card.get_by_label("您对申诉的答复").fill("该批次胶囊颜色因光线不同略有差异，符合描述。")
    card.get_by_role("button", name="提交答复").click()
    expect(merchant.locator(".msg-success")).to_contain_text("您的答复已提交")
    expect(merchant.locator(f"#appeal-{appeal.pk}")).to_contain_text("等待决定")

    # The supervisor who took the first decision is told why they cannot reconsider it.
    boss = casework.person(page, sign_in, world["supervisor"])
    boss.goto(url(f"/review/appeals/{appeal.pk}/"))
    expect(boss.locator("main")).to_contain_text("您作出了本案的原决定")
    boss.context.close()

    # A second supervisor finds it on the list, reads the dossier and overturns.
    other = casework.person(page, sign_in, second)
    other.goto(url("/review/supervisor/"))
    other.locator("table[aria-labelledby=appeals-h]").get_by_role("link", name=ref).click()
    expect(other.locator("main")).to_contain_text("补拍的标签照片")
    expect(other.locator("main")).to_contain_text("该批次胶囊颜色因光线不同略有差异")
    expect(other.locator("main")).to_contain_text("随申诉提交的新证据")
    other.get_by_role("radio", name="撤销原决定").check()
    other.get_by_label("理由").fill("新提交的标签照片证明商品颜色与页面描述不符，原决定证据不足的理由不再成立。")
    other.get_by_role("button", name="作出申诉决定").click()
    expect(other.locator(".msg-success")).to_contain_text("申诉已作出决定")
    screenshot(other, "review-appeal-decided-zh")
    appeal.refresh_from_db()
    assert (appeal.result, appeal.decided_by) == ("overturned", second)
    assert PointEntry.objects.filter(case=case, revoked_at__isnull=True).exists()

    # Both parties read the appeal's statement of reasons.
    for person in (page, merchant):
        person.goto(url(f"/consumer/cases/{ref}/" if person is page else f"/merchant/cases/{ref}/"))
        statement = person.locator(".appeal-statement")
        expect(statement).to_contain_text("申诉决定：撤销原决定")
        expect(statement).to_contain_text("原决定证据不足的理由不再成立")
        expect(statement).to_contain_text("主管（未参与原决定）")
        expect(statement).to_contain_text("12315")
    screenshot(page, "consumer-case-appeal-decided-zh")
    casework.switch_language(page, "English")
    expect(page.locator(".appeal-statement")).to_contain_text("Decision on the appeal: the decision is overturned")

    # At a phone's width, neither party's case page with the appeal is wider than the screen.
    _fits_phone(page, url, f"/consumer/cases/{ref}/")
    screenshot(page, "consumer-case-appeal-phone-en")
    _fits_phone(merchant, url, f"/merchant/cases/{ref}/")
    screenshot(merchant, "merchant-case-appeal-phone-zh")
    for person in (merchant, other):
        person.context.close()


def test_the_appeal_form_and_the_answer_form_fit_a_phone(phone, url, sign_in, time_machine):
    time_machine.move_to(datetime(2026, 12, 3, 10, 0, tzinfo=CST))
    world = casework.marketplace()
    case = _case_b_not_upheld(world, world["reviewer"])
    sign_in(phone, world["consumer"])
    phone.goto(url(f"/consumer/cases/{case.reference}/"))
    expect(phone.locator("#appeal-form")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    actions.file_appeal(world["consumer"], case, "outcome", "颜色不符。")
    merchant = casework.person(phone, sign_in, world["other_merchant"], width=375, height=740)
    merchant.goto(url(f"/merchant/cases/{case.reference}/"))
    expect(merchant.locator(".appeal-answer-form")).to_be_visible()
    assert merchant.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    merchant.context.close()
