"""The README's and docs' screenshots, made again from the demo marketplace (docs/pages.md).

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--at 2026-12-09T10:00:00+08:00]

Loads the demo into a scratch var directory (PLAINT_VAR_DIR, removed afterwards), serves it on a free
port with `manage.py serve` as `make demo` does, signs in as the demo users in Debian's Chromium
(Playwright, as tests/browser does) and saves PNGs at a phone's width (390 × 844) or a desk's
(1280 × 800), scale 1, each cut to the part the caption names and kept under 250 KB.

The demo adapts to the rulebook in force, so what the pages show depends on the date: without `--at`
the real time is used. With `--at`, the loading and the server run on that moment (time_machine,
ticking from it), e.g. to show the features of a rulebook version not yet in force.
"""

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("PLAINT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]
PASSWORD = "plaint-demo"
PHONE = (390, 844)
DESK = (1280, 800)
MAX_BYTES = 250 * 1024
COMMITTEE = [f"committee-{name}" for name in "lin ma xu tang zhou he sun guo liang song feng deng".split()]
# Runs manage.py with the clock moved to PLAINT_SCREENSHOTS_AT (ticking), when it is set.
LAUNCHER = """
import os, runpy, sys
at = os.environ.get("PLAINT_SCREENSHOTS_AT")
if at:
    import time_machine
    time_machine.travel(at, tick=True).start()
sys.argv = ["manage.py", *sys.argv[1:]]
runpy.run_path("manage.py", run_name="__main__")
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _environment(var_dir: Path, at: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLAINT_")}
    env.update(
        PLAINT_VAR_DIR=str(var_dir),
        PLAINT_DEBUG="1",
        PLAINT_DEMO="1",
        PLAINT_EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    )
    if at:
        env["PLAINT_SCREENSHOTS_AT"] = at
    return env


def _manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "-c", LAUNCHER, *args], cwd=ROOT, env=env, check=True)


@contextmanager
def demo_server(at: str | None) -> Iterator[str]:
    """Load the demo into a scratch var directory and serve it; yield its base URL."""
    var_dir = Path(tempfile.mkdtemp(prefix="plaint-screenshots-"))
    env = _environment(var_dir, at)
    port = _free_port()
    server = None
    try:
        _manage(env, "migrate", "--noinput", "-v", "0")
        _manage(env, "load_demo")
        # The transparency report's figures are computed nightly; compute the demo's days now.
        today = (datetime.fromisoformat(at) if at else datetime.now(UTC)).astimezone(ZoneInfo("Asia/Shanghai")).date()
        _manage(env, "transparency_compute", "--from", str(today - timedelta(days=1)), "--to", str(today))
        log = (var_dir / "serve.log").open("w")
        server = subprocess.Popen(
            [sys.executable, "-c", LAUNCHER, "serve", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        for _ in range(120):
            try:
                urllib.request.urlopen(base + "/", timeout=2)
                break
            except OSError:
                if server.poll() is not None:
                    raise SystemExit(f"the server stopped: see {var_dir / 'serve.log'}") from None
                time.sleep(0.5)
        else:
            raise SystemExit("the server did not answer within a minute")
        yield base
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=20)
        shutil.rmtree(var_dir, ignore_errors=True)


def _api(base: str, user: str, path: str) -> object:
    request = urllib.request.Request(base + path, headers={"Authorization": f"Bearer demo-{user}"})
    with urllib.request.urlopen(request, timeout=20) as answer:
        return json.load(answer)


class Camera:
    """Browser contexts signed in as demo users, and PNGs cut to a part of the page."""

    def __init__(self, browser: object, base: str, out: Path) -> None:
        self.browser, self.base, self.out = browser, base, out
        self.saved: list[Path] = []

    def page(self, user: str | None, size: tuple[int, int], language: str) -> object:
        width, height = size
        context = self.browser.new_context(
            viewport={"width": width, "height": height},
            device_scale_factor=1,
            locale="zh-CN" if language == "zh-hans" else "en-US",
        )
        context.set_default_timeout(30_000)
        page = context.new_page()
        if user:
            page.goto(self.base + "/accounts/login/")
            page.locator("#id_username").fill(user)
            page.locator("#id_password").fill(PASSWORD)
            page.locator("main form button[type=submit]").click()
            page.wait_for_load_state()
            if "/accounts/login/" in page.url:
                raise SystemExit(f"sign-in failed for {user}")
        self.language(page, language)
        return page

    def language(self, page: object, language: str) -> None:
        """Choose the page language with the header's switch (remembered for a signed-in user)."""
        if page.url == "about:blank":
            page.goto(self.base + "/")
        if page.locator("html").get_attribute("lang") != ("zh-Hans" if language == "zh-hans" else "en"):
            page.locator(f"button[name=language][value={language}]").first.click()
            page.wait_for_load_state()

    def save(self, page: object, name: str, start: str | None = None, end: str | None = None, most: int = 2400) -> Path:
        """Save the page from `start`'s top (or the page's) to `end`'s bottom (or `most` pixels lower)."""
        width = page.viewport_size["width"]
        top = 0.0
        if start:
            top = page.locator(start).first.bounding_box()["y"] + page.evaluate("window.scrollY") - 8
        height = page.evaluate("document.documentElement.scrollHeight") - top
        if end:
            box = page.locator(end).first.bounding_box()
            height = box["y"] + page.evaluate("window.scrollY") + box["height"] + 8 - top
        clip = {"x": 0, "y": max(top, 0), "width": width, "height": min(height, most)}
        path = self.out / f"{name}.png"
        page.screenshot(path=str(path), full_page=True, clip=clip)
        _shrink(path)
        self.saved.append(path)
        print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: {path.stat().st_size // 1024} KB")
        return path


def _shrink(path: Path) -> None:
    """Re-save optimised; fall back to a 256-colour palette when still over MAX_BYTES."""
    image = Image.open(path).convert("RGB")
    image.save(path, optimize=True)
    if path.stat().st_size > MAX_BYTES:
        image.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)


def take(camera: Camera) -> None:
    base = camera.base
    # (a) The consumer's category step, after "Suggest a category" from her own words (Chinese, desk).
    page = camera.page("consumer-c-1001", DESK, "zh-hans")
    page.goto(base + "/consumer/report/new/")
    page.get_by_role("radio", name="订单 O-2026-1001").check()
    page.get_by_role("button", name="下一步").click()
    page.wait_for_load_state()
    words = page.get_by_label("请用自己的话说说发生了什么？")
    if words.count():
        words.fill("面霜收到时外包装破了，瓶底日期已经过期，还有一股怪味")
        page.get_by_role("button", name="推荐类别").click()
        page.wait_for_load_state()
    if not page.locator("[data-suggested]").count():
        # No suggestion under this rulebook: choose the category, as the consumer would, to show its window.
        page.get_by_role("radio", name="到货破损").check()
        page.wait_for_load_state("networkidle")
    camera.save(page, "consumer-category-suggested-zh", start="main", most=1500)
    page.context.close()

    # (b) The review workspace of the contested formula report (photo taken before delivery).
    cases = _api(base, "reviewer", "/api/review/search?q=O-2026-1003")
    ref = _reference(cases, mentions="counterfeit")
    page = camera.page("reviewer", DESK, "zh-hans")
    page.goto(f"{base}/review/cases/{ref}/")
    camera.save(page, "review-workspace-forensics-zh", start="main", end="#evidence-h >> xpath=..", most=2400)
    page.context.close()

    # (c) Emily Chen's case page at a phone's width: where it stands, the merchant's answer.
    ref = _reference(_api(base, "consumer-c-1003", "/api/cases"), mentions="counterfeit")
    page = camera.page("consumer-c-1003", PHONE, "en")
    page.goto(f"{base}/consumer/cases/{ref}/")
    camera.save(page, "consumer-case-progress-phone-en", start="main", end="#thread", most=2400)
    page.context.close()

    # (d) A decision with its statement of reasons, read in English at a phone's width.
    ref = _reference(_api(base, "consumer-c-1002", "/api/cases"), mentions="expired_goods")
    page = camera.page("consumer-c-1002", PHONE, "en")
    page.goto(f"{base}/consumer/cases/{ref}/")
    camera.save(page, "consumer-decision-reasons-phone-en", start="article.statement", end="article.statement")
    page.context.close()

    # (e) The public transparency report, in Chinese.
    page = camera.page(None, DESK, "zh-hans")
    page.goto(base + "/transparency/")
    camera.save(page, "transparency-zh", start="main", most=1000)
    page.context.close()

    # (f) A committee member's panel with the vote form (panels sit from rulebook v3; the draw is random).
    for member in COMMITTEE:
        page = camera.page(member, PHONE, "zh-hans")
        page.goto(base + "/committee/")
        panel = page.locator("main a[href*='/committee/panels/']")
        if panel.count():
            panel.first.click()
            page.wait_for_load_state()
            camera.save(page, "committee-vote-phone-zh", start="section:has(#panel-h)", end="section:has(#vote-h)")
            page.context.close()
            break
        page.context.close()
    else:
        print("no committee member sits on a panel under the rulebook in force: no committee screenshot")


def _reference(answer: object, mentions: str) -> str:
    """The reference of the first case in an API list whose fields mention `mentions`."""
    items = answer["results"] if isinstance(answer, dict) else answer
    for item in items:
        if mentions in json.dumps(item):
            return item["reference"]
    raise SystemExit(f"no case mentioning {mentions} in the demo: {str(answer)[:300]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--at", help="ISO 8601 moment to run the demo at (default: now)")
    options = parser.parse_args()
    options.out.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    with demo_server(options.at) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            take(Camera(browser, base, options.out))
        finally:
            browser.close()


if __name__ == "__main__":
    main()
