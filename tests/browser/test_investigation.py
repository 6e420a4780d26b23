"""A supervisor turns a monitoring flag into an investigation on a phone, in Chinese and English, and the
merchant sees it in its portal, opened by the platform with no reporter, and answers it (issue 15, item 5)."""

import re
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect

from plaint.accounts.models import Role
from plaint.cases.models import Case
from plaint.monitoring.models import MonitoringFlag
from tests import factories as f
from tests.browser import helpers

CST = timezone(timedelta(hours=8))
PHONE_WIDTH = 390
WORDS = {
    "zh-hans": {
        "open": "立案调查",
        "category": "类别（规则）",
        "findings": "调查发现",
        "submit": "立案",
        "opened": "已立案",
        "by_platform": "平台依职权主动立案",
        "contest": "对举报提出异议",
        "explanation": "说明",
        "send": "提交答复",
        "answered": "您的答复已提交",
    },
    "en": {
        "open": "Open an investigation",
        "category": "Category (rule)",
        "findings": "Findings",
        "submit": "Open the investigation",
        "opened": "is open",
        "by_platform": "The platform, on its own initiative",
        "contest": "Contest the report",
        "explanation": "Explanation",
        "send": "Send my answer",
        "answered": "Your answer was sent",
    },
}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_supervisor_turns_a_flag_into_an_investigation_and_the_merchant_answers_it(
    _browser, live_server, transactional_db, url, sign_in, screenshot, time_machine, language
):
    time_machine.move_to(datetime(2026, 12, 1, 10, 0, tzinfo=CST), tick=True)
    words = WORDS[language]
    merchant = f.merchant("M-FLAG", name="Flagged Shop", contact_email="shop@flagged.example")
    f.listing(merchant, "L-FAKE")
    staff = f.user(Role.MERCHANT, merchant=merchant, language=language)
    supervisor = f.user(Role.SUPERVISOR, language=language)
    flag = MonitoringFlag.objects.create(
        merchant=merchant,
        reason="spike",
        figures={
            "reports": 8,
            "orders": 200,
            "report_rate_per_1000": 40.0,
            "baseline_rate_per_1000": 5.0,
            "window_days": 30,
        },
        raised_at=datetime(2026, 12, 1, 2, 0, tzinfo=CST),
    )

    # The supervisor, on a phone, opens the flag's investigation from the supervisor view.
    context = _browser.new_context(viewport={"width": PHONE_WIDTH, "height": 800}, locale="zh-CN")
    context.set_default_timeout(15_000)
    phone = context.new_page()
    sign_in(phone, supervisor)
    phone.goto(url("/review/supervisor/"))
    row = phone.locator("tr", has_text="Flagged Shop")
    row.get_by_role("link", name=re.compile(words["open"])).click()
    phone.wait_for_url(re.compile(r"/review/investigations/new/\?flag="))
    expect(phone.get_by_label(words["findings"])).to_contain_text("40.0")
    phone.get_by_label(words["category"]).select_option("counterfeit")
    phone.get_by_label(words["findings"]).press("Control+End")
    phone.get_by_label(words["findings"]).type(" 抽检为假货 / the test purchase was counterfeit.")
    phone.locator("#evidence-files").set_input_files([helpers.photo("red")])
    phone.locator("#evidence-kind-all").select_option("photo_of_product")
    helpers.assert_fields_labelled(phone)
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    screenshot(phone, f"investigation-new-phone-{language}")
    phone.get_by_role("button", name=words["submit"], exact=True).click()
    phone.wait_for_url(re.compile(r"/review/cases/PL-[A-Z0-9-]+/"))
    expect(phone.locator(".msg-success")).to_contain_text(words["opened"])
    expect(phone.locator(".own-initiative").first).to_contain_text(words["by_platform"])
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    screenshot(phone, f"investigation-review-phone-{language}")
    case = Case.objects.get()
    flag.refresh_from_db()
    assert (flag.state, flag.case_id, case.reporter_id) == ("acted", case.pk, None)
    context.close()

    # The merchant sees it in its portal, opened by the platform, and answers it (no remedy to accept).
    context = _browser.new_context(viewport={"width": PHONE_WIDTH, "height": 800}, locale="zh-CN")
    context.set_default_timeout(15_000)
    shop = context.new_page()
    sign_in(shop, staff)
    shop.goto(url("/merchant/"))
    shop.get_by_role("link", name=case.reference).first.click()
    shop.wait_for_url(re.compile(f"/merchant/cases/{case.reference}/"))
    expect(shop.locator(".own-initiative").first).to_contain_text(words["by_platform"])
    expect(shop.locator("input[name=kind][value=accept]")).to_have_count(0)
    shop.get_by_label(words["contest"], exact=True).check()
    shop.get_by_label(words["explanation"], exact=True).fill("我们有品牌授权书。We hold the brand's authorisation.")
    shop.get_by_role("button", name=words["send"]).click()
    expect(shop.locator(".msg-success")).to_contain_text(words["answered"])
    assert shop.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    screenshot(shop, f"investigation-merchant-phone-{language}")
    context.close()
    case.refresh_from_db()
    assert case.state == "awaiting_review"
