"""Personal data in a real browser at phone width: the consumer downloads their data and asks for erasure;
a supervisor sets and lifts a legal hold."""

import io
import json
import zipfile
from datetime import timedelta

from django.utils import timezone

from plaint.accounts.models import Role
from plaint.cases import actions
from plaint.cases.inputs import ReportIn
from plaint.evidence.actions import Upload
from plaint.privacy.models import ErasureRequest, LegalHold
from tests import factories as f


def _withdrawn_case(consumer_id: str = "C-P"):
    shop = f.merchant(name="Tokyo Beauty 東京美妝")
    order = f.order(shop, consumer_id, delivered_at=timezone.now() - timedelta(days=2))
    consumer = f.consumer_user(consumer_id)
    data = ReportIn(
        target_type="order", target_id=order.external_id, category="expired_goods", description="面霜过期了"
    )
    case = actions.file_report(consumer, data, [Upload("过期.jpg", f.jpeg("olive"), "photo_of_expiry_date")]).case
    actions.withdraw_report(consumer, case, "")
    return consumer, case


def _fits(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url} is {width}px wide"


def test_consumer_downloads_their_data_then_asks_for_erasure_on_a_phone(phone, url, sign_in, screenshot):
    consumer, case = _withdrawn_case()
    sign_in(phone, consumer)
    phone.goto(url("/consumer/"))
    phone.get_by_role("link", name="我的数据").first.click()
    phone.get_by_role("heading", name="下载我的数据").wait_for()
    _fits(phone)
    screenshot(phone, "privacy-my-data-phone-zh")

    with phone.expect_download() as info:
        phone.locator("#download-my-data").click()
    archive = zipfile.ZipFile(io.BytesIO(open(info.value.path(), "rb").read()))
    data = json.loads(archive.read("data.json"))
    assert [c["reference"] for c in data["cases"]] == [case.reference]
    assert any(name.endswith("过期.jpg") for name in archive.namelist())

    phone.get_by_label("我要删除我的数据并关闭账户。").check()
    phone.get_by_role("button", name="删除我的数据").click()
    answer = phone.locator("#erasure-answer")
    answer.wait_for()
    assert case.reference in answer.inner_text() and "电子商务法" in answer.inner_text()
    _fits(phone)
    screenshot(phone, "privacy-erasure-answer-phone-zh")
    assert ErasureRequest.objects.filter(consumer=consumer.consumer).count() == 1
    phone.goto(url("/consumer/"))
    assert "/accounts/login/" in phone.url  # the account is closed


def test_supervisor_sets_and_lifts_a_legal_hold_on_a_phone(phone, url, sign_in, screenshot):
    _, case = _withdrawn_case("C-H")
    boss = f.user(Role.SUPERVISOR, language="en")
    sign_in(phone, boss)
    phone.goto(url("/review/legal-holds/"))
    phone.get_by_label("Case reference").fill(case.reference)
    phone.get_by_label("Reason").fill("Court order 2026-77 keeps this file")
    phone.get_by_role("button", name="Set the hold").click()
    phone.get_by_text(f"Case {case.reference} is under a legal hold.").wait_for()
    _fits(phone)
    screenshot(phone, "privacy-legal-holds-phone-en")
    phone.get_by_label("Why lift it").fill("The court lifted its order")
    phone.get_by_role("button", name="Lift the hold").click()
    phone.get_by_text(f"The legal hold on {case.reference} was lifted.").wait_for()
    assert LegalHold.objects.get(case=case).lift_reason == "The court lifted its order"
