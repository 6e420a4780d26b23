"""/transparency/ in Chromium at a phone's width, in Chinese and in English: figures, charts drawn, no
sideways scrolling, nothing the Content-Security-Policy refuses."""

from plaint.transparency.jobs import compute_day
from tests.transparency.conftest import DAY, world  # noqa: F401  (the known cases)


def test_the_report_on_a_phone_in_both_languages(phone, url, screenshot, world):  # noqa: F811
    compute_day(DAY)
    refused = []
    phone.on(
        "console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None
    )
    phone.goto(url("/transparency/?period=2026-12"))
    assert phone.locator("html").get_attribute("lang") == "zh-Hans"
    assert phone.get_by_role("heading", name="透明度报告").is_visible()
    assert phone.get_by_role("row", name="收到的举报 5").is_visible()
    charts = phone.locator("figure.chart img")
    assert charts.count() == 4
    for i in range(4):
        # Drawn: the SVG decoded to an image as wide as the phone's column.
        width = charts.nth(i).evaluate("img => img.complete && img.naturalWidth")
        assert width == 400
        assert charts.nth(i).bounding_box()["width"] <= 375
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    assert phone.get_by_role("heading", name="统计口径").is_visible()
    screenshot(phone, "transparency-phone-zh")

    phone.get_by_role("button", name="English").click()
    phone.wait_for_load_state()
    assert phone.locator("html").get_attribute("lang") == "en"
    assert phone.get_by_role("heading", name="Transparency report").is_visible()
    assert phone.get_by_role("row", name="Reports received 5").is_visible()
    assert phone.get_by_role("table", name="Reports received, by channel").is_visible()
    phone.get_by_label("Channel").select_option("hotline")
    phone.get_by_role("button", name="Show").click()
    phone.wait_for_load_state()
    assert "channel=hotline" in phone.url
    assert phone.get_by_role("row", name="Reports received 1").is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(phone, "transparency-phone-en")
    assert refused == []
