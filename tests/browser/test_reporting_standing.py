"""The reporting channel's guards in the browser: a suspended consumer reads why and until when (Chinese and
English, phone width) and appeals; a supervisor lifts it; a trusted flagger's case is marked in the queue."""

from datetime import datetime, timedelta, timezone

from playwright.sync_api import expect

from plaint.accounts.models import Role
from plaint.reporters.flaggers import register_flagger
from plaint.reporters.models import MeasureKind, ReporterMeasure
from tests import factories as f
from tests.browser import casework

CST = timezone(timedelta(hours=8))
V4 = datetime(2026, 12, 8, 10, 0, tzinfo=CST)


def test_a_suspended_consumer_reads_why_appeals_and_a_supervisor_lifts_it(
    phone, url, sign_in, screenshot, time_machine
):
    time_machine.move_to(V4)
    shop = f.merchant("M-B", name="Shop B")
    f.order(shop, "C-SUS", external_id="O-SUS")
    consumer = f.consumer_user("C-SUS")
    measure = ReporterMeasure.objects.create(
        consumer=consumer.consumer,
        kind=MeasureKind.SUSPENSION,
        figures={"decided": 6, "manifestly_unfounded": 5, "window_days": 90, "share": 0.83, "cases": ["PL-AAAA-BBBB"]},
        rulebook_version="4",
        taken_at=V4 - timedelta(hours=1),
        ends_at=V4 + timedelta(days=30),
    )
    sign_in(phone, consumer)
    # The filing page says it is suspended, until when, and leads to the appeal.
    response = phone.goto(url("/consumer/report/new/"))
    assert response.status == 403
    expect(phone.get_by_role("heading", name="您的举报功能暂停至", exact=False)).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(phone, "consumer-suspended-phone-zh")
    phone.get_by_role("link", name="对暂停提出申诉").click()
    expect(phone.get_by_text("有 5 件被审核人员认定为明显缺乏依据")).to_be_visible()
    # An empty appeal is stopped by the form; a written one is sent.
    phone.get_by_label("应当解除暂停的理由").fill("PL-AAAA-BBBB 的聊天记录里确有辱骂。")
    phone.get_by_role("button", name="对暂停提出申诉").click()
    expect(phone.locator(".msg-success")).to_be_visible()
    expect(phone.get_by_text("由未作出暂停决定的主管审核中", exact=False)).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(phone, "consumer-standing-appealed-phone-zh")
    # In English too.
    phone.get_by_role("button", name="English").click()
    phone.wait_for_load_state()
    expect(phone.get_by_role("heading", name="You are suspended from reporting until", exact=False)).to_be_visible()
    screenshot(phone, "consumer-standing-appealed-phone-en")

    boss = casework.person(phone, sign_in, f.user(Role.SUPERVISOR), width=375, height=740)
    boss.goto(url("/review/reporter-appeals/"))
    expect(boss.get_by_text("PL-AAAA-BBBB 的聊天记录里确有辱骂。")).to_be_visible()
    assert boss.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(boss, "supervisor-reporter-appeals-phone-zh")
    boss.get_by_label("解除暂停").check()
    boss.get_by_label("理由（举报人可见）").fill("复核聊天记录后认定该举报有依据。")
    boss.get_by_role("button", name="作出决定").click()
    expect(boss.locator(".msg-success")).to_be_visible()
    measure.refresh_from_db()
    assert measure.lifted_at is not None and measure.appeal_result == "lifted"
    boss.context.close()


def test_a_trusted_flaggers_case_is_marked_first_in_the_queue(page, url, sign_in, time_machine):
    time_machine.move_to(V4)
    world = casework.marketplace()
    flagger = register_flagger("Maison Lumière", "brand_owner")
    f.queue_cases(3, merchants=[world["merchant"].merchant])
    from plaint.cases.models import Case

    last = Case.objects.order_by("-id").first()
    Case.objects.filter(pk=last.pk).update(trusted_flagger=True, priority=0, reporter=flagger.consumer)
    sign_in(page, world["reviewer"])
    page.goto(url("/review/"))
    first = page.locator("table.stack tbody tr").first
    expect(first).to_contain_text(last.reference)
    expect(first.locator(".badge.trusted-flagger")).to_have_text("可信举报方")
