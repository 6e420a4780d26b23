"""Case A's dossier through the pages: the consumer downloads the signed ZIP from the case page, it verifies;
one changed byte of a photo and the public verification page names the file."""

import io
import zipfile

from playwright.sync_api import expect

from plaint.dossier.verify import verify
from tests.dossier.world import case_a


def test_the_consumer_downloads_case_as_dossier_and_it_verifies(page, url, sign_in, screenshot, tmp_path):
    world = case_a()
    ref = world["case"].reference
    sign_in(page, world["consumer"])
    page.goto(url(f"/consumer/cases/{ref}/"))
    complaint = page.locator("#complaint-text")
    expect(complaint).to_contain_text("【被投诉方】")
    expect(complaint).to_contain_text("Tokyo Beauty Trading Co., Ltd.")
    screenshot(page, "consumer-case-dossier-zh")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="已签名的 ZIP（PDF 和证据）").click()
    download = download_info.value
    assert download.suggested_filename == f"dossier-{ref}.zip"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    verdict = verify(str(path))
    assert verdict.intact and verdict.case == ref
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        photo = next(n for n in names if n.endswith("expiry.jpg"))
        changed = io.BytesIO()
        with zipfile.ZipFile(changed, "w") as out:
            for name in names:
                content = archive.read(name)
                if name == photo:
                    content = content[:100] + bytes([content[100] ^ 1]) + content[101:]
                out.writestr(name, content)
    broken = tmp_path / "changed.zip"
    broken.write_bytes(changed.getvalue())

    # Anyone, signed in or not, checks it on the public page.
    page.goto(url("/dossier/verify/"))
    page.locator("#dossier-file").set_input_files(str(path))
    page.get_by_role("button", name="核验").click()
    expect(page.locator("[data-verdict]")).to_have_attribute("data-verdict", "intact")
    page.locator("#dossier-file").set_input_files(str(broken))
    page.get_by_role("button", name="核验").click()
    expect(page.locator("[data-verdict]")).to_have_attribute("data-verdict", "broken")
    expect(page.locator("tr.problem")).to_have_count(1)
    expect(page.locator("tr.problem")).to_contain_text(photo)
    screenshot(page, "dossier-verify-broken-zh")
