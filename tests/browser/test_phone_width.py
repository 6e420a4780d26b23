"""Pages fit a phone (issue 17, item 11): every main page of every role, at 390 px, in Chinese and English.

Each person signs in in a browser of their own at 390×844 and walks their pages; no page may be wider
than the screen (document scrollWidth <= 390) and every menu link in the header is a touch target
at least 44 px tall. The cases walked are in review with a reply, and decided, so the pages carry
long merchant names, references, statements, progress bars and deadline badges.
"""

from datetime import datetime, timedelta, timezone

import pytest

from plaint.accounts.models import Role, User
from plaint.cases import actions
from plaint.cases.inputs import DecisionIn, ReportIn, ResponseIn
from plaint.evidence.actions import Upload
from tests import factories as f
from tests.browser import casework

CST = timezone(timedelta(hours=8))
PHONE = {"width": 390, "height": 844}
LOCALES = {"zh-hans": "zh-CN", "en": "en-US"}


def _world() -> dict:
    world = casework.marketplace()
    consumer = world["consumer"]
    in_review = actions.file_report(
        consumer,
        ReportIn(
            target_type="order",
            target_id="O-A-1001",
            category="counterfeit",
            description="面霜的气味和质地与以前购买的正品完全不同，批号 B2026-07 在品牌官网查不到。" * 3,
            remedy_wanted="refund",
        ),
        [Upload("IMG_20261207_cream-jar-and-batch-number-close-up.jpg", f.jpeg("red"), "photo_of_product")],
    ).case
    actions.respond_as_merchant(
        world["merchant"],
        in_review,
        ResponseIn(
            kind="contest", explanation="该商品为正品，附报关单。The goods are genuine; customs papers attached."
        ),
        [Upload("customs-declaration-531620261000012345.jpg", f.jpeg("gray"), "customs_document")],
    )
    actions.reply_to_merchant(consumer, in_review, "报关单批次与我收到的不同。The batch on the papers is not mine.")
    decided = actions.file_report(
        consumer,
        ReportIn(
            target_type="order",
            target_id="O-B-2001",
            category="not_as_described",
            description="鱼油胶囊与页面描述不符。",
            remedy_wanted="return_and_refund",
        ),
        [Upload("capsules.jpg", f.jpeg("yellow"), "photo_of_product")],
    ).case
    actions.respond_as_merchant(
        world["other_merchant"], decided, ResponseIn(kind="contest", explanation="与描述一致 as described")
    )
    actions.claim_case(world["reviewer"], decided)
    actions.decide_case(
        world["reviewer"],
        decided,
        DecisionIn(
            outcome="upheld",
            reason_codes=["violation_established"],
            statement="照片显示胶囊颜色与页面描述不符。The photo shows capsules unlike the listing.",
        ),
    )
    actions.claim_case(world["reviewer"], in_review)
    world |= {
        "in_review": in_review.reference,
        "decided": decided.reference,
        "agent": f.user(Role.AGENT, "agent-zhang"),
        "committee": f.user(Role.COMMITTEE, "member-chen"),
        "secretary": f.user(Role.SECRETARY, "secretary-wu"),
        "admin": f.user(Role.ADMIN, "admin-sun"),
    }
    return world


def _pages(world: dict) -> dict[str, list[str]]:
    a, b = world["in_review"], world["decided"]
    return {
        "consumer": [
            "/consumer/",
            "/consumer/report/new/",
            f"/consumer/cases/{a}/",
            f"/consumer/cases/{b}/",
            "/notifications/",
        ],
        "merchant": ["/merchant/", "/merchant/?show=all", f"/merchant/cases/{a}/", "/merchant/standing/"],
        "other_merchant": [f"/merchant/cases/{b}/"],
        "agent": ["/agent/", "/agent/?q=138", "/agent/consumers/C-1001/", f"/agent/cases/{a}/", f"/agent/cases/{b}/"],
        "reviewer": ["/review/", f"/review/cases/{a}/", f"/review/cases/{b}/"],
        "supervisor": ["/review/supervisor/", "/review/"],
        "committee": ["/committee/"],
        "secretary": ["/committee/secretary/"],
        "admin": ["/committee/members/", "/staff/status/"],
        None: ["/", "/rules/", "/rules/3/", "/enforcement/", "/accounts/login/"],
    }


def _check(page, url, path: str, problems: list[str]) -> None:
    response = page.goto(url(path))
    assert response is not None and response.status < 400, f"{path}: {response and response.status}"
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > PHONE["width"]:
        widest = page.evaluate(
            """() => [...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > 391)
                 .slice(-3).map(e => e.tagName + '.' + e.className + ' ' + (e.textContent || '').slice(0, 40))"""
        )
        problems.append(f"{path} is {width}px wide: {widest}")
    heights = page.evaluate(
        "[...document.querySelectorAll('header .nav a, header .tools a, header .tools button')]"
        ".map(e => [e.textContent.trim(), e.getBoundingClientRect().height])"
    )
    assert heights, f"{path}: no menu links found"
    for text, height in heights:
        if height < 44:
            problems.append(f"{path}: the menu link {text!r} is {height:.0f}px tall")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_main_page_of_every_role_fits_a_390px_phone(
    _browser, live_server, transactional_db, url, sign_in, time_machine, language
):
    time_machine.move_to(datetime(2026, 12, 8, 10, 0, tzinfo=CST))  # rulebook v3: the reply and its window
    world = _world()
    User.objects.update(language=language)
    problems: list[str] = []
    for who, paths in _pages(world).items():
        context = _browser.new_context(viewport=PHONE, locale=LOCALES[language])
        context.set_default_timeout(15_000)
        page = context.new_page()
        if who is not None:
            sign_in(page, world[who])
        for path in paths:
            _check(page, url, path, problems)
        context.close()
    assert not problems, "\n".join(problems)
