"""Both sides heard, in the browser (issue 17, items 1 and 3), in Chinese and English, under rulebook v3.

The merchant contested with a photo that carries its warehouse's location. The consumer, on a phone,
sees where the case is (the progress list, the review stage current), opens the merchant's
counter-evidence — the copy without the location — and answers it once with words and a photo; the
form is gone after. The reviewer reads both rounds on the workspace, the reply's photo with its
hash, and the statement of the decision names both sides' files by name, without hashes, to the consumer.
"""

import io
import re
from datetime import datetime, timedelta, timezone

import pytest
from PIL import Image
from playwright.sync_api import expect

from plaint.cases import actions
from plaint.cases.inputs import ReportIn, ResponseIn
from plaint.evidence.actions import Upload
from tests import factories as f
from tests.browser import casework, helpers

CST = timezone(timedelta(hours=8))
WORDS = {
    "zh-hans": {
        "locale": "zh-CN",
        "progress": "案件进度",
        "counter": "商家提交的反驳证据",
        "reply": "您的回应",
        "send": "提交回应",
        "sent": "您的回应已提交",
        "review_reply": "举报人对商家的回应",
        "decide": "发送决定",
        "upheld": "举报成立",
        "from_merchant": "商家提交",
    },
    "en": {
        "locale": "en-US",
        "progress": "Where the case is",
        "counter": "The merchant's counter-evidence",
        "reply": "Your reply",
        "send": "Send the reply",
        "sent": "Your reply was sent",
        "review_reply": "The reporter's reply to the merchant",
        "decide": "Send the decision",
        "upheld": "Upheld",
        "from_merchant": "from the merchant",
    },
}


def _gps_jpeg() -> bytes:
    image = Image.new("RGB", (320, 240), "gray")
    exif = Image.Exif()
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (35.0, 41.0, 0.0), "E", (139.0, 41.0, 0.0)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_consumer_opens_the_merchants_counter_evidence_and_answers_it_and_the_reviewer_reads_both_rounds(
    _browser, live_server, transactional_db, url, sign_in, screenshot, time_machine, language
):
    time_machine.move_to(datetime(2026, 12, 8, 10, 0, tzinfo=CST))  # rulebook v3: the reporter may reply
    words = WORDS[language]
    world = casework.marketplace()
    for person in ("consumer", "reviewer"):
        world[person].language = language
        world[person].save(update_fields=["language"])
    case = actions.file_report(
        world["consumer"],
        ReportIn(
            target_type="order",
            target_id="O-A-1001",
            category="counterfeit",
            description="面霜的气味和质地与以前购买的正品不同。",
            remedy_wanted="refund",
        ),
        [Upload("cream-jar.jpg", f.jpeg("red", (320, 240)), "photo_of_product")],
    ).case
    actions.respond_as_merchant(
        world["merchant"],
        case,
        ResponseIn(kind="contest", explanation="该商品为正品，附仓库照片。Genuine; a photo of our warehouse attached."),
        [Upload("warehouse-shelf.jpg", _gps_jpeg(), "photo_of_packaging")],
    )
    ref = case.reference

    # The consumer, on a phone: where the case is, then the merchant's counter-evidence.
    context = _browser.new_context(viewport={"width": 390, "height": 844}, locale=words["locale"])
    context.set_default_timeout(15_000)
    phone = context.new_page()
    sign_in(phone, world["consumer"])
    phone.goto(url(f"/consumer/cases/{ref}/"))
    progress = phone.locator("ol.progress")
    expect(phone.get_by_role("heading", name=words["progress"])).to_be_visible()
    expect(progress.locator("li")).to_have_count(6)
    expect(progress.locator("li[aria-current=step]")).to_have_attribute("data-stage", "review")
    expect(phone.locator(".progress-now .if-passes")).to_be_visible()
    section = phone.locator(".merchant-round")
    expect(section.get_by_role("heading", name=words["counter"])).to_be_visible()
    expect(section.locator(".merchant-answer")).to_contain_text("warehouse")
    link = section.locator(".merchant-evidence a").first
    expect(link.locator("img")).to_be_visible()
    opened = phone.request.get(url(link.get_attribute("href")))
    assert opened.status == 200 and opened.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(opened.body())).getexif().get_ifd(0x8825) == {}  # no warehouse location
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, f"consumer-counter-evidence-phone-{language}")

    # She answers it, once, in words and a photo.
    form = phone.locator("#reply-form")
    form.get_by_label(words["reply"]).fill("仓库照片里的批次与我收到的不同。The batch on the shelf is not mine.")
    form.locator("#reply-files").set_input_files([helpers.photo("navy")])
    helpers.assert_fields_labelled(phone)
    form.get_by_role("button", name=words["send"]).click()
    expect(phone.locator(".msg-success")).to_contain_text(words["sent"])
    expect(phone.locator(".reply-round .reply-text")).to_contain_text("The batch on the shelf is not mine.")
    expect(phone.locator("#reply-form")).to_have_count(0)  # once
    screenshot(phone, f"consumer-reply-sent-phone-{language}")
    context.close()

    # The reviewer reads both rounds: the merchant's answer and evidence, the reply and its photo.
    desk = _browser.new_context(viewport={"width": 1280, "height": 900}, locale=words["locale"])
    desk.set_default_timeout(15_000)
    review = desk.new_page()
    sign_in(review, world["reviewer"])
    review.goto(url(f"/review/cases/{ref}/"))
    expect(review.locator("ol.progress li[aria-current=step]")).to_have_attribute("data-stage", "review")
    expect(review.locator("#resp-h")).to_be_visible()
    expect(review.locator(".gallery").first.locator("img[alt*='warehouse-shelf.jpg']").first).to_be_attached()
    reply = review.locator("section.reply-round")
    expect(reply.get_by_role("heading", name=words["review_reply"])).to_be_visible()
    expect(reply.locator(".reply-text")).to_contain_text("The batch on the shelf is not mine.")
    expect(reply.locator(".gallery li")).to_have_count(1)
    expect(reply.locator(".hash")).to_have_text(re.compile(r"^[0-9a-f]{64}$"))
    screenshot(review, f"review-both-rounds-{language}")
    desk.close()
