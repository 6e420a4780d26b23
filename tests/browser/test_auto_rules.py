"""An admin reads an automated rule's shadow report, is refused switching it on before a replay, replays it and
switches it on; a supervisor reads the report in Chinese and on a phone, without the admin's buttons."""

import itertools
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from plaint.accounts.models import Role
from plaint.cases import actions, clocks
from plaint.cases.inputs import DecisionIn, ReportIn
from plaint.cases.models import AutoRuleSwitch, Case
from plaint.evidence.actions import Upload
from plaint.notifications.models import WebhookEndpoint
from tests import factories as f

SH = ZoneInfo("Asia/Shanghai")
FILED = datetime(2026, 12, 9, 10, tzinfo=SH)  # rulebook version 4, with [[auto_rules]], is in force
_colours = itertools.cycle(["red", "green", "blue", "yellow"])


def decided_by_people(shop, consumer, reviewer, outcome: str) -> Case:
    """A small product-quality order, a photo taken after delivery, the merchant silent, then people decide."""
    order = f.order(shop, "C1", delivered_at=FILED - timedelta(days=1, hours=2), amount="150.00")
    data = ReportIn(
        target_type="order", target_id=order.external_id, category="product_quality", description="面霜有异味"
    )
    photo = f.jpeg(next(_colours), exif_time="2026:12:08 20:00:00")
    case = actions.file_report(consumer, data, [Upload("p.jpg", photo, "photo_of_product")], now=FILED).case
    clocks.tick(case.response_due_at)
    at = FILED + timedelta(days=4)
    actions.claim_case(reviewer, Case.objects.get(pk=case.pk), now=at)
    codes = ["violation_established"] if outcome == "upheld" else ["insufficient_evidence"]
    data = DecisionIn(outcome=outcome, reason_codes=codes, statement="审核人员查看了照片与订单。", remedy="refund")
    actions.decide_case(reviewer, Case.objects.get(pk=case.pk), data, now=at)
    return case


def test_an_admin_replays_and_switches_a_rule_on_and_a_supervisor_reads_the_report(
    page, phone, sign_in, url, screenshot, time_machine
):
    time_machine.move_to(datetime(2026, 12, 20, 10, tzinfo=SH))
    WebhookEndpoint.objects.create(name="marketplace", url="http://127.0.0.1:9/hook", secret="s")
    shop = f.merchant("M-A")
    f.order(shop, "C1")  # makes the consumer C1
    consumer = f.consumer_user("C1")
    reviewer = f.user(Role.REVIEWER)
    decided_by_people(shop, consumer, reviewer, "upheld")
    disagreeing = decided_by_people(shop, consumer, reviewer, "not_upheld")

    admin = f.user(Role.ADMIN, username="policy-admin", language="en")
    sign_in(page, admin)
    page.goto(url("/review/auto-rules/"))
    assert page.get_by_role("heading", name="Automated rules", level=1).is_visible()
    rule = page.locator("#rule-quality_small_photo_silent")
    assert "Shadow: records only" in rule.inner_text()
    assert "Matched 2 cases decided by people; people decided as the rule would have in 1." in rule.inner_text()
    assert "Agreement: 50.0%." in rule.inner_text()
    assert "The order's amount paid at most: 200" in rule.inner_text()
    # The disagreement links to the case's page.
    link = rule.get_by_role("link", name=disagreeing.reference)
    assert link.get_attribute("href") == f"/review/cases/{disagreeing.reference}/"

    # Switching on before a replay is refused, and says what to do.
    rule.get_by_role("button", name="Switch on").click()
    page.wait_for_load_state()
    assert "has no shadow report yet: replay it" in page.locator(".messages").inner_text()
    assert not AutoRuleSwitch.objects.exists()

    rule = page.locator("#rule-quality_small_photo_silent")
    rule.get_by_label("Replay over").select_option(label="3 months")
    rule.get_by_role("button", name="Replay").click()
    page.wait_for_load_state()
    assert "2 cases decided by people, 2 matched, 1 agreed" in page.locator(".messages").inner_text()
    rule = page.locator("#rule-quality_small_photo_silent")
    assert "over 3 months" in rule.locator(".last-replay").inner_text()
    rule.get_by_label("Why (kept in the audit trail)").fill("Read the disagreement; the reviewer erred.")
    rule.get_by_role("button", name="Switch on").click()
    page.wait_for_load_state()
    assert "is live" in page.locator(".messages").inner_text()
    rule = page.locator("#rule-quality_small_photo_silent")
    assert "On: decides" in rule.inner_text() and "Last switched by policy-admin" in rule.inner_text()
    switch = AutoRuleSwitch.objects.get()
    assert (switch.mode, switch.switched_by, switch.reason) == (
        "live",
        admin,
        "Read the disagreement; the reviewer erred.",
    )
    screenshot(page, "auto-rules-en")

    # A supervisor reads it in Chinese, without the admin's buttons; a reviewer may not open it.
    supervisor = f.user(Role.SUPERVISOR)
    sign_in(phone, supervisor)
    phone.goto(url("/review/supervisor/"))
    phone.get_by_role("link", name="自动化规则").click()
    phone.wait_for_load_state()
    rule = phone.locator("#rule-quality_small_photo_silent")
    assert "已启用：自动决定" in rule.inner_text() and "一致率：50.0%。" in rule.inner_text()
    assert rule.get_by_role("button").count() == 0
    assert phone.evaluate("document.documentElement.scrollWidth") <= phone.viewport_size["width"]
    screenshot(phone, "auto-rules-phone-zh")

    sign_in(phone, reviewer)
    response = phone.goto(url("/review/auto-rules/"))
    assert response.status == 403
