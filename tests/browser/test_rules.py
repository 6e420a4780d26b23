"""The public rules in a phone's browser, signed out: /rules/ and a version's page, in Chinese and in English."""

import pytest

WIDTH = 390


@pytest.fixture
def phone_390(_browser, live_server, transactional_db):
    context = _browser.new_context(viewport={"width": WIDTH, "height": 844}, locale="zh-CN")
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def _fits(page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= WIDTH, f"{page.url} is {overflow}px wide on a {WIDTH}px phone"


def test_the_rules_open_signed_out_in_both_languages_and_fit_a_phone(phone_390, url, screenshot):
    page = phone_390
    page.goto(url("/"))
    page.locator("footer").get_by_role("link", name="阅读规则").click()
    page.wait_for_load_state()
    assert page.url.endswith("/rules/")
    assert page.get_by_role("heading", name="规则", exact=True).is_visible()
    assert page.get_by_role("link", name="第 3 版").is_visible()
    _fits(page)
    screenshot(page, "rules-zh-phone")

    page.get_by_role("link", name="第 2 版").click()
    page.wait_for_load_state()
    assert page.url.endswith("/rules/2/")
    assert page.get_by_role("heading", name="相对第 1 版的变化").is_visible()
    assert page.get_by_role("heading", name="过期商品").is_visible()
    assert page.get_by_role("heading", name="扣分与处罚阶梯").is_visible()
    _fits(page)
    screenshot(page, "rules-v2-zh-phone")

    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.url.endswith("/rules/2/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", name="What changed from version 1").is_visible()
    assert page.get_by_role("heading", name="Expired goods").is_visible()
    assert page.get_by_role("heading", name="How long each step may take").is_visible()
    _fits(page)
    screenshot(page, "rules-v2-en-phone")

    page.get_by_role("link", name="All versions").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="The rules", exact=True).is_visible()
    assert page.get_by_role("link", name="Version 1").is_visible()
    _fits(page)
    screenshot(page, "rules-en-phone")
