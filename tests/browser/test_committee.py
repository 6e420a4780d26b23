"""A committee member signs in, opens a panel, reads the dossier and votes; the panel page fits a phone."""

from datetime import timedelta

from django.utils import timezone

from plaint.committee.draw import draw_panel
from plaint.committee.models import Vote
from tests.committee.helpers import REASONS, THREE, committee, filed_case


def test_a_member_opens_a_panel_and_votes_and_the_page_fits_a_phone(_browser, page, sign_in, url, screenshot):
    committee()
    now = timezone.now()
    panel = draw_panel(filed_case(), THREE, subject="question:1", due_at=now + timedelta(days=9), now=now)
    member = panel.seats.get(position=0).member.user
    sign_in(page, member)
    assert page.url.endswith("/committee/")
    page.get_by_role("link", name=panel.case.reference).click()
    page.wait_for_load_state()
    assert "李娜" not in page.content()  # the reporter's name is masked in the dossier
    assert page.locator(".thumbs img").count() == 1
    page.get_by_label("撤销原决定").check()
    page.get_by_label("您的理由").fill(REASONS)
    page.get_by_role("button", name="提交表决").click()
    page.wait_for_load_state()
    assert page.get_by_text("您的表决已记录。").is_visible()
    assert Vote.objects.get(panel=panel).choice == "overturn"
    screenshot(page, "committee-panel-voted")

    # The same page at a phone's width (390 px) is not wider than the screen.
    context = _browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    phone = context.new_page()
    sign_in(phone, panel.seats.get(position=1).member.user)
    phone.goto(url(f"/committee/panels/{panel.pk}/"))
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "committee-panel-phone")
    context.close()
