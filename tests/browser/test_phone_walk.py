"""A walk through the demo marketplace as every role, on a 390×844 phone, in Chinese and in English.

This is the walk an outside judge takes: sign in as each person of `make demo` (and as nobody), follow the
menu and every link of the pages it leads to (a few of each kind), and look at each page. Every page must
- answer without an error (no 4xx or 5xx behind a link Plaint itself offers),
- fit the phone (document.documentElement.scrollWidth <= window.innerWidth),
- speak the reader's language in its headings, buttons, labels, table labels, badges, hints and menu: no
  English words on a Chinese page, no Chinese on an English one, once the demo's data (names, titles,
  descriptions, file names), codes and proper names are taken out,
- keep its buttons and links readable (text of 12px or more, contrast of 4.5:1 or more, on the screen, not cut
  off; buttons as tall as Plaint's own) and its pictures showing.
Then every page and form somebody reached is tried by URL by everybody who should not use it, and the other
consumers' and other shops' cases by the consumer and the merchant: each must be refused (403, 404, or a
redirect to a sign-in page), a POST to another role's form too.
"""

import os
import re
from collections import Counter, deque
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from plaint import demo
from plaint.accounts.models import User
from plaint.cases.models import Case
from plaint.committee.models import PanelSeat
from plaint.evidence.models import Evidence

CST = timezone(timedelta(hours=8))
# PLAINT_WALK_SCREENSHOTS=1 keeps a full-page picture of every page walked, in test-artifacts/screenshots/walk/.
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots" / "walk"
SCREENSHOTS = SCREENSHOTS if os.environ.get("PLAINT_WALK_SCREENSHOTS") else None
PHONE = {"width": 390, "height": 844}
LOCALES = {"zh-hans": "zh-CN", "en": "en-US"}
PAGES_PER_ROLE = 22  # pages looked at per person and language: enough for every kind of page they reach
SAME_KIND = 2  # pages of one kind (same address once references and numbers are taken out)

# Who walks: the demo's accounts, by role (None: a visitor who is not signed in).
WALKERS = {
    "consumer": "consumer-c-1001",
    "merchant": "merchant-tokyo",
    "agent": "agent",
    "reviewer": "reviewer",
    "supervisor": "supervisor",
    "committee": None,  # the member sitting on a panel; found in the data
    "secretary": "secretary",
    "admin": "admin",
    "flagger": "flagger",
    "marketplace": "marketplace",
    "visitor": None,
}

# Django's admin is walked at its index and at one change list, the statement templates staff edit there.
ADMIN_LIST = "/admin/cases/statementtemplate/"
# What a person would type into their page's search box (the admin: the change list walked).
SEARCHES = {"agent": ["/agent/?q=13800001001"], "admin": [ADMIN_LIST]}
# The pages anyone may open, signed in or not.
PUBLIC = re.compile(
    r"^/($|rules/|enforcement/|transparency/|dossier/(verify/|public-key)|accounts/log(in|out)/|language/)"
)
# What each person may use beyond the public pages and their own notifications.
ALLOWED = {
    "consumer": re.compile(r"^/(consumer|cases|offers)/"),
    "merchant": re.compile(r"^/(merchant|cases|offers)/"),
    "agent": re.compile(r"^/(agent|cases|offers)/"),
    # Reviewers write in a case's thread too (a question to one party).
    "reviewer": re.compile(
        r"^/(review/(?!(supervisor|quality|reporter-appeals|investigations|legal-holds|auto-rules)/)|cases/|offers/)"
    ),
    "supervisor": re.compile(r"^/(review|staff/status|cases|offers)/"),
    "committee": re.compile(r"^/committee/(?!(secretary|members)/)"),
    "secretary": re.compile(r"^/committee/secretary/"),
    "admin": re.compile(r"^/(admin|committee/members|staff/status|review/legal-holds|review/auto-rules)/"),
    "flagger": re.compile(r"^$"),
    "marketplace": re.compile(r"^$"),
    "visitor": re.compile(r"^$"),
}
# Not pages: files, the API, the rest of Django's admin, and sign-out (it would end the walk).
NOT_PAGES = re.compile(
    r"^/(api|static|media)/|/download|/export|\.(zip|pdf|csv|json|jpg|png)$"
    rf"|^/admin/(?!{re.escape(ADMIN_LIST[7:])}$).|^/accounts/logout/"
)

# Latin words that may stand in Chinese text: names of things, codes, formats.
PROPER = {
    "plaint", "api", "pdf", "csv", "zip", "json", "id", "sla", "dsa", "pipl", "url", "http", "https", "www",
    "email", "e-mail", "ok", "app", "sms", "ems", "cif", "tmall", "global", "demo", "openapi", "webhook", "qr",
    "ip", "utc", "cst", "gmt", "ai", "sku", "faq", "iso", "gb", "cn", "webp", "iphone", "heic",
}  # fmt: skip

# Elements a person reads as the page's own words (not data): they must be in the page's language.
CHROME = "main h1, main h2, main h3, main h4, main button, main label, main th, main legend, main summary, " \
    "main .btn, main caption, main dt, main option, main .badge, main .progress li, main .hint, main .msg, " \
    "header nav a, header .tools, footer"  # fmt: skip

LOOK = r"""async (chrome) => {
  // Every picture of the page, loaded now (thumbnails are lazy), must show: a broken one is a defect.
  const images = [...document.querySelectorAll('main img')];
  images.forEach(i => { i.loading = 'eager'; });
  await Promise.race([Promise.all(images.map(i => i.decode().catch(() => null))),
    new Promise(done => setTimeout(done, 3000))]);
  const broken = images.filter(i => !i.complete || i.naturalWidth === 0).map(i => i.getAttribute('src'));
  const visible = e => { const r = e.getBoundingClientRect(); const s = getComputedStyle(e);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'; };
  // Words marked as another language (the language switch's "English") are meant to be in it.
  const own = e => { const c = e.cloneNode(true); c.querySelectorAll('[lang]').forEach(x => x.remove());
    return c.textContent.replace(/\s+/g, ' ').trim(); };
  const words = [...document.querySelectorAll(chrome)]
    .filter(e => (e.tagName === 'OPTION' || visible(e)) && !e.closest('main [lang], header [lang]'))
    .map(own).filter(Boolean);
  // Words a person reads that are not text of the page: the phone's table labels (data-label, shown by CSS
  // in place of the hidden table head), placeholders, and the names screen readers speak.
  const named = 'main [data-label], main [placeholder], main [aria-label], header [aria-label]';
  for (const e of document.querySelectorAll(named))
    if (!e.closest('[lang]:not(html)')) for (const name of ['data-label', 'placeholder', 'aria-label'])
      if (e.getAttribute(name)) words.push(e.getAttribute(name));
  const parse = c => (c.match(/[\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = v => { v /= 255; return v <= .03928 ? v / 12.92 : ((v + .055) / 1.055) ** 2.4; };
    return .2126 * f(r) + .7152 * f(g) + .0722 * f(b); };
  const background = e => { for (; e; e = e.parentElement) { const c = parse(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > .5)) return c.slice(0, 3); } return [255, 255, 255]; };
  const unreadable = [];
  for (const e of document.querySelectorAll('main button, main .btn, main label, header a, header button, main a')) {
    if (!visible(e) || !(e.innerText || '').trim()) continue;
    const s = getComputedStyle(e); const size = parseFloat(s.fontSize);
    const fg = parse(s.color).slice(0, 3); const bg = background(e);
    const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a); const ratio = (hi + .05) / (lo + .05);
    const r = e.getBoundingClientRect(); const text = e.innerText.trim().slice(0, 40);
    if (size < 12) unreadable.push(`${text}: ${size}px text`);
    if (ratio < 4.5 && !e.disabled) unreadable.push(`${text}: contrast ${ratio.toFixed(2)}`);
    if (r.right > innerWidth + 1 || r.left < -1) unreadable.push(`${text}: outside the screen`);
    // A button (not one styled as a link in a sentence) is a touch target as tall as Plaint's .btn (2.5rem):
    // an unstyled browser button is 24px, small on a phone and unlike every other button of the page.
    if (e.tagName === 'BUTTON' && !e.classList.contains('link') && r.height < 40)
      unreadable.push(`${text}: a button ${r.height.toFixed(0)}px tall`);
    if (s.overflow !== 'visible' && e.scrollWidth > e.clientWidth + 1) unreadable.push(`${text}: cut off`);
  }
  const wide = document.documentElement.scrollWidth > innerWidth
    ? [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > innerWidth + 1)
        .slice(-3).map(e => e.tagName + '.' + e.className + ' ' + (e.textContent || '').trim().slice(0, 40))
    : [];
  const links = [...document.querySelectorAll('header nav a[href], main a[href]')]
    .filter(a => !a.hasAttribute('download')).map(a => a.href);
  // getAttribute: a field named "action" or "method" hides the form's own property of that name.
  const forms = [...document.querySelectorAll('main form')]
    .filter(f => (f.getAttribute('method') || '').toLowerCase() === 'post')
    .map(f => new URL(f.getAttribute('action') || location.href, location.href).href);
  return {width: document.documentElement.scrollWidth, inner: innerWidth, wide, words: [...new Set(words)],
    unreadable, links, forms, broken};
}"""


def _kind(path: str) -> str:
    """Return the page's kind: its address without its query, references and numbers."""
    return re.sub(r"PL-[A-Z0-9-]+|[A-Z]-\d{4}(-\d+)?|\d+", "#", path.split("?")[0])


def _english(text: str, data: list[str]) -> list[str]:
    """Return the English words of `text` once data, codes and proper names are taken out."""
    for value in data:
        text = text.replace(value, " ")
    # A token with a digit, an underscore, a dot, a slash or a bracket is a code, a file or a rulebook key.
    tokens = [t for t in re.findall(r"[A-Za-z0-9_./\[\]'’-]+", text) if not re.search(r"[\d_./\[\]]", t)]
    words = [w for t in tokens if t.lower() not in PROPER for w in re.findall(r"[A-Za-z][A-Za-z'’]*[A-Za-z]", t)]
    return [w for w in words if w.lower() not in PROPER and not w.isupper()]


def _chinese(text: str, data: list[str]) -> str:
    """Return the Chinese characters of `text` once the data is taken out."""
    for value in data:
        text = text.replace(value, " ")
    return "".join(re.findall(r"[\u3400-\u9fff\uff01-\uff5e\u3001-\u3011]+", text))


def _data() -> list[str]:
    """Return the demo's data a page may show in any language (names, titles, usernames), longest first."""
    from plaint.marketplace.models import Listing, Merchant

    values = set(User.objects.values_list("username", flat=True))
    values |= set(Merchant.objects.values_list("name", flat=True))
    values |= set(Listing.objects.values_list("title", flat=True))
    values |= {c["name"] for c in demo.CONSUMERS}
    values |= {name for _username, name, *_ in demo.COMMITTEE}
    values |= {c.report.description for c in Case.objects.select_related("report")}
    values |= set(Evidence.objects.values_list("original_name", flat=True))
    return sorted((v for v in values if v), key=len, reverse=True)


def _admin_data() -> list[str]:
    """Return the data Django's admin shows besides `_data()`: the statement templates' titles and categories."""
    from plaint.cases.models import StatementTemplate

    values = set(StatementTemplate.objects.values_list("title", flat=True))
    values |= set(StatementTemplate.objects.values_list("category", flat=True))  # the rulebook's codes
    return sorted((v for v in values | set(_data()) if v), key=len, reverse=True)


def _walk(
    page,
    base: str,
    start: list[str],
    who: str,
    signed_in: bool,
    language: str,
    data: list[str],
    problems: list[str],
    admin_data: list[str],
) -> dict:
    """Walk from `start` along every link of the pages reached; return {path: forms} of the pages looked at."""
    seen: dict[str, list[str]] = {}
    kinds: Counter = Counter()
    queue = deque(start)
    while queue and len(seen) < PAGES_PER_ROLE:
        path = queue.popleft()
        if path in seen or NOT_PAGES.search(path) or kinds[_kind(path)] >= SAME_KIND:
            continue
        if signed_in and PUBLIC.search(path) and path != "/":
            continue  # the visitor looks at the public pages; the signed-in look at their own
        kinds[_kind(path)] += 1
        response = page.goto(base + path)
        status = response.status if response else 0
        landed = urlsplit(page.url)
        to_sign_in = landed.path == "/accounts/login/" and not path.startswith("/accounts/login/")
        if status >= 400 or to_sign_in and signed_in:
            problems.append(f"{who} {path}: {status} {landed.path}")
        if status >= 400 or to_sign_in:  # a visitor is asked to sign in for a portal: that is the way in
            continue
        seen[path] = []
        if SCREENSHOTS:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            name = re.sub(r"[^A-Za-z0-9_.-]+", "-", f"walk-{language}-{who}-{path}")
            page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
        look = page.evaluate(LOOK, CHROME)
        if look["width"] > look["inner"]:
            problems.append(f"{who} {path}: {look['width']}px wide on a {look['inner']}px screen: {look['wide']}")
        # Django's admin shows more of the data (the objects' names in its tables and labels).
        page_data = admin_data if path.startswith("/admin/") else data
        for src in look["broken"]:
            problems.append(f"{who} {path}: a picture that does not show: {src}")
        for item in look["unreadable"]:
            problems.append(f"{who} {path}: hard to read: {item}")
        for text in look["words"]:
            if language == "zh-hans" and (english := _english(text, page_data)):
                problems.append(f"{who} {path}: English on a Chinese page: {text[:60]!r} ({' '.join(english[:5])})")
            if language == "en" and (chinese := _chinese(text, page_data)):
                problems.append(f"{who} {path}: Chinese on an English page: {text[:60]!r} ({chinese})")
        seen[path] = [urlsplit(f).path for f in look["forms"] if urlsplit(f).netloc == urlsplit(base).netloc]
        for link in look["links"]:
            parts = urlsplit(link)
            if parts.netloc == urlsplit(base).netloc and not parts.fragment:
                queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return seen


def _refused(response) -> bool:
    """Return whether the answer refuses: 403, 404, 405, or off to a sign-in page (Django's admin has its own)."""
    signs_in = response.status == 302 and re.search(r"/(accounts|admin)/login/", response.headers.get("location", ""))
    return response.status in (403, 404, 405) or bool(signs_in)


def _theirs(who: str, path: str) -> bool:
    return bool(ALLOWED[who].search(path)) or who != "visitor" and path.startswith("/notifications/")


def _try_refusals(context, base: str, who: str, pages: set[str], forms: set[str], problems: list[str]) -> None:
    """Open every page and post to every form that is not `who`'s; each must be refused."""
    token = next((c["value"] for c in context.cookies() if c["name"] == "csrftoken"), "")
    for path in sorted(p for p in pages if not _theirs(who, p)):
        response = context.request.get(base + path, max_redirects=0)
        if not _refused(response):
            problems.append(f"{who} opened {path}: {response.status}")
    for path in sorted(p for p in forms if not _theirs(who, p)):
        response = context.request.post(
            base + path,
            form={"csrfmiddlewaretoken": token},
            headers={"X-CSRFToken": token, "Referer": base + "/"},
            max_redirects=0,
        )
        if not _refused(response):
            problems.append(f"{who} used the form {path}: {response.status}")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_role_walks_its_pages_on_a_phone_and_is_refused_the_others(
    _browser, live_server, transactional_db, sign_in, time_machine, language
):
    time_machine.move_to(datetime(2026, 12, 8, 10, 0, tzinfo=CST))  # the committee's appeals, as in the demo
    demo.load()
    User.objects.update(language=language)
    walkers = WALKERS | {"committee": PanelSeat.objects.filter(panel__state="voting").first().member.user.username}
    data = _data()
    admin_data = _admin_data()
    base = live_server.url
    problems: list[str] = []
    reached: dict[str, dict[str, list[str]]] = {}
    contexts = {}
    for who, username in walkers.items():
        context = _browser.new_context(viewport=PHONE, locale=LOCALES[language])
        context.set_default_timeout(15_000)
        contexts[who] = context
        page = context.new_page()
        start = ["/"]
        if username is not None:
            sign_in(page, User.objects.get(username=username), password=demo.PASSWORD)
            start = [urlsplit(page.url).path, *SEARCHES.get(who, []), "/"]
        reached[who] = _walk(page, base, start, who, username is not None, language, data, problems, admin_data)
        problems += [
            f"{who} reached {p}, not theirs" for p in reached[who] if not (PUBLIC.search(p) or _theirs(who, p))
        ]
    assert len(reached["reviewer"]) > 5 and len(reached["consumer"]) > 5, reached  # the walk went somewhere
    assert {"/admin/", ADMIN_LIST} <= set(reached["admin"]), reached["admin"]  # the admin's pages were looked at

    # Everything somebody reached, tried by everybody who should not use it.
    pages = {path for seen in reached.values() for path in seen if not PUBLIC.search(path)}
    forms = {form for seen in reached.values() for fs in seen.values() for form in fs if not PUBLIC.search(form)}
    for who, context in contexts.items():
        _try_refusals(context, base, who, pages, forms, problems)
    # The cases of other consumers and of other shops, by the consumer and the merchant who walked.
    cases = Case.objects.select_related("report__reporter")
    other_consumers = {f"/consumer/cases/{c.reference}/" for c in cases.exclude(report__reporter__external_id="C-1001")}
    other_shops = {f"/merchant/cases/{c.reference}/" for c in cases.exclude(merchant__external_id="M-TOKYO")}
    assert other_consumers and other_shops
    for who, paths in (("consumer", other_consumers), ("merchant", other_shops)):
        for path in sorted(paths):
            response = contexts[who].request.get(base + path, max_redirects=0)
            if not _refused(response):
                problems.append(f"{who} opened another's case {path}: {response.status}")
    for context in contexts.values():
        context.close()
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)
