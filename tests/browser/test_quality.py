"""A supervisor opens the page of decisions changed on appeal, in Chinese and in English, and on a phone."""

from django.utils import timezone

from plaint.accounts.models import Role
from plaint.cases import quality
from plaint.cases.models import Appeal, Decision
from tests import factories as f
from tests.committee.helpers import filed_case


def decided_appeal(reviewer, result: str) -> None:
    case = filed_case(category="expired_goods")
    now = timezone.now()
    decision = Decision.objects.create(
        case=case,
        outcome="not_upheld",
        remedy="none",
        decided_by=reviewer,
        decided_at=now,
        rulebook_version=case.rulebook_version,
        statement={},
    )
    Appeal.objects.create(
        case=case,
        decision=decision,
        party="reporter",
        filed_by=reviewer,
        grounds="原决定有误。",
        appealed="outcome",
        route="reconsideration",
        state="decided",
        rulebook_version=case.rulebook_version,
        filed_at=now,
        result=result,
        decided_at=now,
    )


def test_a_supervisor_reads_the_quality_page_in_both_languages_and_on_a_phone(page, phone, sign_in, url, screenshot):
    reviewer = f.user(Role.REVIEWER, username="reviewer-wang")
    for result in ("overturned", "confirmed", "varied", "confirmed"):
        decided_appeal(reviewer, result)
    quality.refresh()
    supervisor = f.user(Role.SUPERVISOR)
    sign_in(page, supervisor)
    page.goto(url("/review/supervisor/"))
    page.get_by_role("link", name="申诉改判情况").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="申诉改判情况", level=1).is_visible()
    assert "已决定申诉 4 件：改判 2 件（撤销 1 件，变更 1 件）。" in page.locator("#quality-total").inner_text()
    row = page.get_by_role("row").filter(has_text="reviewer-wang")
    assert "50.0%" in row.inner_text()
    # Narrowed to the reviewer by the link on their name.
    row.get_by_role("link", name="reviewer-wang").click()
    page.wait_for_load_state()
    assert f"reviewer={reviewer.pk}" in page.url
    screenshot(page, "quality-zh")

    supervisor.language = "en"
    supervisor.save(update_fields=["language"])
    page.goto(url("/review/quality/"))
    assert page.get_by_role("heading", name="Decisions changed on appeal", level=1).is_visible()
    assert "4 appeals decided: 2 changed (1 overturned, 1 varied)." in page.locator("#quality-total").inner_text()
    page.get_by_label("Category", exact=True).select_option(label="Expired goods")
    page.get_by_role("button", name="Show").click()
    page.wait_for_load_state()
    assert "category=expired_goods" in page.url and "50.0%" in page.locator("#quality-total").inner_text()
    screenshot(page, "quality-en")

    # At a phone's width the tables become stacked rows and nothing is wider than the screen.
    sign_in(phone, supervisor)
    phone.goto(url("/review/quality/"))
    assert phone.evaluate("document.documentElement.scrollWidth") <= phone.viewport_size["width"]
    assert phone.locator("table.stack thead").first.is_hidden()
    screenshot(phone, "quality-phone")
