"""Evidence people really have, in a real browser: a short video added to a case plays in the page,
and a file the server would refuse is refused in the page before anything is sent (both languages)."""

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from plaint.cases.models import Case
from plaint.evidence.models import Evidence
from tests import factories
from tests.api_client import ApiClient
from tests.browser.helpers import photo

CST = ZoneInfo("Asia/Shanghai")
MEDIA = Path(__file__).resolve().parents[1] / "evidence" / "media"
WORDS = {
    "zh-hans": {"lang": "zh-Hans", "refused": "无法发送", "send": "添加证据", "blocked": "请先移除"},
    "en": {"lang": "en", "refused": "cannot be sent", "send": "Add the evidence", "blocked": "Remove the files"},
}


def _case(language: str):
    shop = factories.merchant("M-V")
    factories.order(shop, "C-V", external_id="O-V", delivered_at=timezone.now() - timedelta(days=2))
    user = factories.consumer_user("C-V")
    user.language = language
    user.save(update_fields=["language"])
    report = {
        "target_type": "order",
        "target_id": "O-V",
        "category": "product_quality",
        "description": "开箱即坏 — broken on opening",
        "remedy_wanted": "refund",
    }
    response = ApiClient(factories.token(user)).post_form(
        "/reports", report, files=[("box.jpg", factories.jpeg("brown"), "photo_of_product")]
    )
    assert response.status_code == 201, response.content
    return user, Case.objects.get(reference=response.json()["reference"])


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_video_is_refused_if_unsupported_then_filed_and_played_in_the_page(
    page, url, sign_in, screenshot, time_machine, language
):
    time_machine.move_to(datetime(2026, 12, 8, 10, 0, tzinfo=CST))  # version 3, which takes videos
    words = WORDS[language]
    user, case = _case(language)
    sign_in(page, user)
    page.goto(url(f"/consumer/cases/{case.reference}/"))
    assert page.locator("html").get_attribute("lang") == words["lang"]
    field = page.locator("#evidence-files")
    assert "video/mp4" in field.get_attribute("accept") and ".heic" in field.get_attribute("accept")
    posts = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)

    # A Word file: refused in the page, naming the file and what is accepted; nothing is sent.
    field.set_input_files(
        [{"name": "letter.docx", "mimeType": "application/msword", "buffer": b"PK\x03\x04 not evidence"}]
    )
    refused = page.locator("[data-uploads] li[data-refused]")
    refused.wait_for()
    text = refused.inner_text()
    assert words["refused"] in text and "letter.docx" in text
    assert "HEIC" in text and "MP4" in text  # the list of what is accepted
    page.get_by_role("button", name=words["send"]).click()
    assert words["blocked"] in page.locator("[data-upload-error]").inner_text()
    assert posts == []
    screenshot(page, f"evidence-refused-in-page-{language}")
    refused.get_by_role("button").click()

    # A real MP4 (H.264, 3 seconds) and a photo: sent, stored, and the video plays in the page.
    field.set_input_files(
        [
            {"name": "clip.mp4", "mimeType": "video/mp4", "buffer": (MEDIA / "clip.mp4").read_bytes()},
            photo("white"),
        ]
    )
    page.locator("[data-uploads] li").nth(1).wait_for()
    assert page.locator("[data-uploads] li[data-refused]").count() == 0
    page.get_by_role("button", name=words["send"]).click()
    page.wait_for_url(url(f"/consumer/cases/{case.reference}/"))
    page.locator("video.evidence-video").wait_for()
    assert Evidence.objects.filter(case=case, content_type="video/mp4").count() == 1
    duration = page.evaluate(
        """() => new Promise((done, fail) => {
            const video = document.querySelector("video.evidence-video");
            if (video.readyState >= 1) { done(video.duration); return; }
            video.addEventListener("loadedmetadata", () => done(video.duration));
            video.addEventListener("error", () => fail(new Error("video error " + (video.error && video.error.code))));
        })"""
    )
    assert 2.9 < duration < 3.1
    assert "0:03" in page.locator(".thumbs").inner_text()
    # Photos are shown by their thumbnails, not the originals.
    sources = page.locator(".thumbs img").evaluate_all("imgs => imgs.map(i => i.getAttribute('src'))")
    assert sources and all(src.endswith("/thumbnail") for src in sources)
    screenshot(page, f"evidence-video-played-{language}")
