"""The Content-Security-Policy breaks no page: Chromium opens the main pages of every role under it, uses
their scripts (htmx swaps, the upload previews, the parts shown for one choice) and reports no violation.

A violation is what Chromium writes to the console ("Refused to … because it violates the following
Content Security Policy directive …"); the last step makes one on purpose to show it would be caught.
"""

import re

from playwright.sync_api import expect

from plaint.accounts.models import Role
from plaint.cases import actions
from plaint.cases.inputs import ResponseIn
from plaint.cases.models import Case
from tests import factories as f
from tests.browser import casework
from tests.browser.helpers import photo


class Violations:
    """Collects the CSP violations the browser reports on every page it is told to watch."""

    def __init__(self) -> None:
        self.found: list[str] = []

    def watch(self, page):
        page.on("console", lambda message: self._console(page, message))
        return page

    def _console(self, page, message) -> None:
        if "Content Security Policy" in message.text:
            self.found.append(f"{page.url}: {message.text}")


def open_page(page, url, path: str) -> None:
    """Open `path` and check it came with the policy (so an absent policy can't pass as a clean one)."""
    response = page.goto(url(path))
    assert response is not None
    policy = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in policy and "style-src 'self'" in policy, f"{path}: {policy!r}"
    page.wait_for_load_state("load")


def test_the_main_pages_of_every_role_work_under_the_policy_without_a_violation(page, url, sign_in):
    violations = Violations()
    world = casework.marketplace()
    violations.watch(page)

    # Anyone: home, sign-in, the public enforcement list, a page that isn't there (the API docs come last).
    for path in ("/", "/accounts/login/", "/enforcement/", "/nowhere/"):
        open_page(page, url, path)

    # The consumer files through every step (htmx fills in the category's rules; upload.js previews the
    # photo), then opens the pages of the portal.
    sign_in(page, world["consumer"])
    reference = casework.file_report(
        page,
        url,
        order="O-A-1001",
        category="过期商品",
        description="收到的面霜已经过期。",
        remedy="refund",
        files=[("expiry.jpg", f.jpeg("#eeeeee", (320, 240)), "photo_of_expiry_date")],
    )
    for path in ("/consumer/", "/notifications/", f"/consumer/cases/{reference}/"):
        open_page(page, url, path)
    page.locator("#evidence-files").set_input_files([photo("green")])
    expect(page.locator("[data-uploads] img").first).to_be_visible()  # the blob: preview

    # The merchant answers; the plan box shows for the rectification choice only (show_when.js).
    merchant = violations.watch(casework.person(page, sign_in, world["merchant"]))
    for path in ("/merchant/", "/merchant/standing/", f"/merchant/cases/{reference}/"):
        open_page(merchant, url, path)
    plan = merchant.get_by_label("您提出的整改方案")
    expect(plan).to_be_hidden()
    merchant.get_by_label("提出整改方案", exact=True).check()
    expect(plan).to_be_visible()
    case = Case.objects.get(reference=reference)
    actions.respond_as_merchant(world["merchant"], case, ResponseIn(kind="contest", explanation="发货时未过期。"))

    # The reviewer claims it in the queue (an htmx swap) and picks a statement template (another).
    reviewer = violations.watch(casework.person(page, sign_in, world["reviewer"]))
    open_page(reviewer, url, "/review/")
    row = reviewer.locator("tr", has_text=reference)
    row.get_by_role("button", name="领取").click()
    expect(row.locator(".claimbox")).to_contain_text("您已领取")
    open_page(reviewer, url, f"/review/cases/{reference}/")
    reviewer.get_by_label("说明模板").select_option(label="证据不足")
    expect(reviewer.get_by_label("事实与理由说明")).to_have_value(re.compile("未能提供该规则"))

    supervisor = violations.watch(casework.person(page, sign_in, world["supervisor"]))
    for path in ("/review/supervisor/", "/staff/status/"):
        open_page(supervisor, url, path)

    agent = violations.watch(casework.person(page, sign_in, f.user(Role.AGENT, "agent-zhao")))
    for path in ("/agent/", "/agent/consumers/C-1001/", "/agent/consumers/C-1001/report/"):
        open_page(agent, url, path)

    admin = violations.watch(
        casework.person(page, sign_in, f.user(Role.ADMIN, "admin-qian", is_staff=True, is_superuser=True))
    )
    for path in ("/admin/", "/admin/cases/case/", f"/admin/cases/case/{case.pk}/change/"):
        open_page(admin, url, path)

    # The API documentation (Swagger UI) renders once it has the OpenAPI document, which takes a while to
    # build the first time: last, so that work slows no other step.
    open_page(page, url, "/api/docs")
    expect(page.locator(".swagger-ui .information-container")).to_be_visible(timeout=60_000)

    assert violations.found == []

    # An inline style is refused, and the refusal is seen: the check above can fail.
    page.evaluate("document.head.appendChild(Object.assign(document.createElement('style'), {textContent: 'b{}'}))")
    page.wait_for_timeout(200)
    assert any("style-src" in found for found in violations.found), violations.found
