"""Case B before the independent committee, through the pages, under rulebook v3 (8 December 2026).

The consumer whose report was not upheld appeals with a new photo of the label; the merchant answers;
a panel of three is drawn from a committee of twelve, one of whom declared a tie to the merchant and
is never drawn; each member votes from their own portal, two overturn and one dissents; both parties
read the appeal's statement of reasons; the marketplace's receiver gets the remedy instruction; the
merchant's record shows the points.
"""

import json
from datetime import datetime, timedelta, timezone

from playwright.sync_api import expect

from plaint.cases.models import Appeal
from plaint.committee.draw import verify
from plaint.committee.models import Panel
from plaint.notifications.delivery import deliver_due
from plaint.notifications.models import WebhookEndpoint
from tests import factories as f
from tests.browser import casework
from tests.browser.test_appeal import _case_b_not_upheld
from tests.committee.helpers import conflict, member

CST = timezone(timedelta(hours=8))
OVERTURN = "补拍的标签照片清楚显示胶囊颜色与页面描述不符，原决定所依据的证据不足已被新证据补足。"
DISSENT = "颜色差异可能来自拍摄光线，新照片不足以证明商品与描述不符，应维持原决定。"


def test_case_b_before_a_panel_of_three_two_overturn_one_dissents(
    page, url, sign_in, screenshot, time_machine, receiver
):
    time_machine.move_to(datetime(2026, 12, 8, 10, 0, tzinfo=CST))  # rulebook v3: appeals go to the committee
    world = casework.marketplace()
    WebhookEndpoint.objects.create(name="marketplace", url=receiver.url, secret="s")
    fields = ["not_as_described", "counterfeit"]
    members = [
        member(seat, fields=fields if seat == "expert" else None)
        for seat in ("consumer_rep", "expert", "lawyer")
        for _ in range(4)
    ]
    tied = members[0]
    conflict(tied, "merchant", world["supplements"].external_id)
    case = _case_b_not_upheld(world, world["reviewer"])
    ref = case.reference

    # The consumer appeals with a new photo of the label; the statement said a committee panel decides.
    sign_in(page, world["consumer"])
    page.goto(url(f"/consumer/cases/{ref}/"))
    form = page.locator("#appeal-form")
    form.get_by_label("申诉理由").fill("补拍的标签照片显示胶囊颜色与页面描述不符。")
    form.locator("#appeal-files").set_input_files(
        [{"name": "label.jpg", "mimeType": "image/jpeg", "buffer": f.jpeg("navy", (320, 240))}]
    )
    form.get_by_label("文件内容").select_option("photo_of_product")
    form.get_by_role("button", name="提交申诉").click()
    expect(page.locator(".msg-success")).to_contain_text("您的申诉已提交")
    appeal = Appeal.objects.get(case=case)
    assert appeal.route == "committee"

    # The merchant answers from its portal; the panel is drawn at once.
    merchant = casework.person(page, sign_in, world["other_merchant"])
    merchant.goto(url(f"/merchant/cases/{ref}/"))
    card = merchant.locator(f"#appeal-{appeal.pk}")
    card.get_by_label("您对申诉的答复").fill("该批次胶囊颜色因光线不同略有差异，符合描述。")
    card.get_by_role("button", name="提交答复").click()
    expect(merchant.locator(".msg-success")).to_contain_text("您的答复已提交")
    panel = Panel.objects.get(subject=f"appeal:{appeal.pk}")
    assert panel.composition == ["consumer_rep", "expert", "lawyer"] and panel.state == "voting"
    seated = list(panel.seats.order_by("position").select_related("member__user"))
    assert tied.pk not in {s.member_id for s in seated} and tied.pk not in panel.pool["consumer_rep"]
    assert verify(panel)["matches"]

    # Each member votes from their own portal: two overturn, the lawyer dissents.
    for seat, (label, reasons) in zip(
        seated, [("撤销原决定", OVERTURN), ("撤销原决定", OVERTURN), ("维持原决定", DISSENT)], strict=True
    ):
        portal = casework.person(page, sign_in, seat.member.user)
        portal.goto(url("/committee/"))
        portal.get_by_role("link", name=ref).click()
        expect(portal.locator("main")).to_contain_text("补拍的标签照片")  # the appeal's grounds in the dossier
        expect(portal.locator("main")).to_contain_text("该批次胶囊颜色")  # and the merchant's answer
        portal.get_by_label(label).check()
        portal.get_by_label("您的理由").fill(reasons)
        portal.get_by_role("button", name="提交表决").click()
        expect(portal.get_by_text("您的表决已记录。")).to_be_visible()
        portal.context.close()
    appeal.refresh_from_db()
    assert (appeal.state, appeal.result) == ("decided", "overturned")

    # Both parties read the appeal's statement: the panel by seat, the votes, the majority, the dissent.
    for person, path in ((page, f"/consumer/cases/{ref}/"), (merchant, f"/merchant/cases/{ref}/")):
        person.goto(url(path))
        statement = person.locator(".appeal-statement")
        expect(statement).to_contain_text("独立申诉委员会合议庭")
        expect(statement).to_contain_text("撤销 2 票")
        expect(statement).to_contain_text("少数意见（律师，维持）")
        expect(statement.locator(".appeal-panel")).to_contain_text("消费者代表")
        expect(statement.locator(".appeal-dissent")).to_contain_text(DISSENT)
        expect(statement).not_to_contain_text("none 0")  # the remedy by its title, not its code
        expect(statement).to_contain_text(DISSENT)
        expect(statement).to_contain_text("12315")
    screenshot(page, "consumer-case-committee-decided-zh")
    casework.switch_language(page, "English")
    expect(page.locator(".appeal-statement")).to_contain_text("Dissent (lawyer, confirm)")

    # The marketplace's receiver gets the remedy instruction; the merchant's record shows the points.
    deliver_due(datetime.now(tz=CST) + timedelta(seconds=1))
    topics = [r.headers["X-Plaint-Topic"] for r in receiver.requests]
    assert {"appeal.panel_drawn", "appeal.decided", "remedy.instructed", "points.awarded"} <= set(topics)
    instructed = [
        json.loads(r.body)["data"] for r in receiver.requests if r.headers["X-Plaint-Topic"] == "remedy.instructed"
    ]
    assert instructed[0]["order_id"] == "O-B-2001"
    merchant.goto(url("/merchant/standing/"))
    expect(merchant.locator("main")).to_contain_text(ref)
    screenshot(merchant, "merchant-standing-after-committee-zh")
    merchant.context.close()
