"""The review queue's next-case button: it claims the most urgent case nobody holds and opens it."""

from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from plaint.accounts.models import Role
from plaint.cases.models import Case
from tests import factories as f


def test_next_case_claims_the_most_urgent_unclaimed_case_and_opens_it(page, url, sign_in, screenshot):
    shop = f.merchant("M-TOKYO", name="Tokyo Beauty")
    now = timezone.now()
    f.queue_cases(6, merchants=[shop], priority=1, category="expired_goods")
    (urgent,) = f.queue_cases(1, merchants=[shop], priority=5, category="expired_goods")
    (held,) = f.queue_cases(1, merchants=[shop], priority=9, category="expired_goods")
    other = f.user(Role.REVIEWER, "reviewer-zhao")
    Case.objects.filter(pk=held.pk).update(claimed_by=other, claim_expires_at=now + timedelta(minutes=20))
    reviewer = f.user(Role.REVIEWER, "reviewer-wang")

    sign_in(page, reviewer)
    page.goto(url("/review/?category=expired_goods"))
    page.get_by_role("button", name="下一个案件").click()
    page.wait_for_url(url(f"/review/cases/{urgent.reference}/"))
    expect(page.locator(".msg-success")).to_contain_text(f"您已领取 {urgent.reference}")
    expect(page.locator(f"#claim-{urgent.reference}")).to_contain_text("您已领取")
    screenshot(page, "review-next-case")
    assert Case.objects.get(pk=urgent.pk).claimed_by == reviewer
    assert Case.objects.get(pk=held.pk).claimed_by == other

    # Back on the queue, the next one is one of the rest; a filter nothing matches says so.
    page.goto(url("/review/?category=counterfeit"))
    page.get_by_role("button", name="下一个案件").click()
    expect(page.locator("main")).to_contain_text("没有符合筛选条件、尚未被领取的案件。")
    assert Case.objects.filter(claimed_by=reviewer).count() == 1
