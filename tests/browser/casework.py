"""Helpers of the cross-role browser scenarios: the marketplace they happen in, and steps people take."""

import re
from datetime import timedelta

from django.utils import timezone

from plaint import demo_statements
from plaint.accounts.models import Role
from tests import factories as f


def marketplace() -> dict:
    """An overseas skincare shop and a supplement shop, a consumer with an order from each, staff."""
    skincare = f.merchant("M-TOKYO", name="Tokyo Beauty 東京美妝 Global Store", country="JP")
    supplements = f.merchant("M-SYDNEY", name="Sydney Vitamins", country="AU")
    cream = f.listing(skincare, "L-CREAM", title="日本进口 保湿面霜 50g / Moisturising cream", expiry_date="2026-09-30")
    fish_oil = f.listing(
        supplements, "L-FISHOIL", title="澳洲进口 深海鱼油胶囊 200粒 / Fish oil 200 capsules", expiry_date="2028-01-31"
    )
    delivered = timezone.now() - timedelta(days=3)
    f.order(skincare, "C-1001", listing_obj=cream, external_id="O-A-1001", delivered_at=delivered)
    f.order(supplements, "C-1001", listing_obj=fish_oil, external_id="O-B-2001", amount="268.00", tariff="24.66")
    demo_statements.seed()
    return {
        "skincare": skincare,
        "supplements": supplements,
        "consumer": f.consumer_user("C-1001"),
        "merchant": f.user(Role.MERCHANT, "tokyo-staff", merchant=skincare),
        "other_merchant": f.user(Role.MERCHANT, "sydney-staff", merchant=supplements),
        "reviewer": f.user(Role.REVIEWER, "reviewer-wang"),
        "supervisor": f.user(Role.SUPERVISOR, "supervisor-li"),
    }


def person(page, sign_in, user, width: int = 1280, height: int = 900):
    """Return a new page in its own browser context (its own cookies: another person), signed in as `user`."""
    context = page.context.browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    context.set_default_timeout(15_000)
    other = context.new_page()
    sign_in(other, user)
    return other


def file_report(page, url, *, order: str, category: str, description: str, remedy: str, files=()) -> str:
    """File a report through the consumer's steps; return the case reference from the case page's address."""
    page.goto(url("/consumer/report/new/"))
    page.locator("label.choice", has_text=order).click()
    page.get_by_role("button", name="下一步").click()
    page.locator("label.choice", has_text=category).click()
    page.locator("#category-info").get_by_text("证据").first.wait_for()
    page.get_by_role("button", name="下一步").click()
    page.locator("#id_description").fill(description)
    page.locator("#id_remedy_wanted").select_option(remedy)
    page.get_by_role("button", name="下一步").click()
    if files:
        page.locator("#evidence-files").set_input_files(
            [{"name": name, "mimeType": "image/jpeg", "buffer": data} for name, data, _kind in files]
        )
        kinds = page.locator("[data-uploads] select")
        for i, (_name, _data, kind) in enumerate(files):
            kinds.nth(i).select_option(kind)
    page.get_by_role("button", name="提交举报").click()
    page.wait_for_url(re.compile(r"/consumer/cases/PL-[A-Z0-9-]+/"))
    return re.search(r"/consumer/cases/(PL-[A-Z0-9-]+)/", page.url).group(1)


def switch_language(page, to: str) -> None:
    """Press the header's language button ("English" or "中文") and wait for the page again."""
    page.locator("header").get_by_role("button", name=to).click()
    page.wait_for_load_state()
