"""The dossier: the signed ZIP verifies, a changed byte or a bad signature is named, the merchant's copy
carries no personal data of the consumer, and only the parties and staff get one (others 404)."""

import base64
import io
import json
import re
import zipfile
import zlib

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from PIL import Image

from plaint.accounts.models import Role
from plaint.dossier import build, signing
from plaint.dossier.complaint import complaint_text
from plaint.dossier.verify import verify
from tests import factories as f
from tests.api_client import ApiClient
from tests.dossier.world import case_a

pytestmark = pytest.mark.django_db

PERSONAL = ("李娜", "13800000000", "c-1001@example.cn")


@pytest.fixture
def world():
    return case_a()


def zip_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def rewrite(data: bytes, change) -> bytes:
    """Return the ZIP `data` with each entry's bytes passed through `change(name, bytes)`."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as old, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            new.writestr(info.filename, change(info.filename, old.read(info.filename)))
    return out.getvalue()


def flip_one_byte(name: str, content: bytes, target: str) -> bytes:
    if name != target:
        return content
    middle = len(content) // 2
    return content[:middle] + bytes([content[middle] ^ 0x01]) + content[middle + 1 :]


def test_the_consumers_zip_holds_the_pdf_the_originals_and_a_signed_manifest_and_verifies(world, tmp_path):
    case = world["case"]
    response = ApiClient(f.token(world["consumer"])).get(f"/cases/{case.reference}/dossier.zip")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert f"dossier-{case.reference}.zip" in response["Content-Disposition"]
    data = zip_of(response)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        manifest = json.loads(archive.read("manifest.json"))
        # The consumer's own photos are the originals, byte for byte as uploaded.
        originals = {e.sha256 for e in case.evidence.all()}
        photos = [n for n in names if n.startswith("evidence/")]
        assert {hashlib_of(archive.read(n)) for n in photos} == originals
    assert names[0] == "dossier.pdf" and {"manifest.json", "signature.json"} <= set(names)
    assert manifest["case"] == case.reference and manifest["copy_for"] == "reporter"
    assert manifest["log_head"]["sequence"] == case.events.count() and len(manifest["log_head"]["hash"]) == 64
    assert [e["path"] for e in manifest["files"]] == ["dossier.pdf", *photos]

    verdict = verify(io.BytesIO(data))
    assert verdict.intact and verdict.signature_valid and verdict.problems == []
    path = tmp_path / "dossier.zip"
    path.write_bytes(data)
    out = io.StringIO()
    call_command("verify_dossier", str(path), stdout=out)
    assert "intact" in out.getvalue() and case.reference in out.getvalue()


def hashlib_of(content: bytes) -> str:
    import hashlib

    return hashlib.sha256(content).hexdigest()


def test_one_changed_byte_of_a_photo_fails_verify_dossier_naming_the_file(world, tmp_path):
    data = build.build_zip(world["case"], world["consumer"], "zh-hans").read()
    photo = next(n for n in zipfile.ZipFile(io.BytesIO(data)).namelist() if n.endswith("expiry.jpg"))
    path = tmp_path / "changed.zip"
    path.write_bytes(rewrite(data, lambda name, content: flip_one_byte(name, content, photo)))
    out = io.StringIO()
    with pytest.raises(CommandError, match="NOT intact"):
        call_command("verify_dossier", str(path), stdout=out)
    assert f"{photo}: changed" in out.getvalue()
    assert "dossier.pdf" not in out.getvalue() and "damage.jpg" not in out.getvalue()


def test_a_changed_byte_inside_the_stored_zip_is_named_too(world):
    # The ZIP as downloaded, one byte of the photo's stored (compressed) data flipped in place.
    data = bytearray(build.build_zip(world["case"], world["consumer"], "zh-hans").read())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = next(i for i in archive.infolist() if i.filename.endswith("damage.jpg"))
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + info.compress_size // 2] ^= 0xFF
    verdict = verify(io.BytesIO(bytes(data)))
    assert not verdict.intact and verdict.signature_valid
    assert [(p.path, p.kind) for p in verdict.problems] == [(info.filename, "changed")]


def test_an_edited_manifest_fails_the_signature(world):
    data = build.build_zip(world["case"], world["consumer"], "zh-hans").read()

    def forge(name: str, content: bytes) -> bytes:
        # Somebody swaps a photo and writes its new hash into the manifest: the signature no longer matches.
        if name == "manifest.json":
            manifest = json.loads(content)
            manifest["files"][1]["sha256"] = "0" * 64
            return json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=2).encode()
        return content

    verdict = verify(io.BytesIO(rewrite(data, forge)))
    assert not verdict.intact and not verdict.signature_valid
    assert ("manifest.json", "signature") in [(p.path, p.kind) for p in verdict.problems]


def test_a_dossier_signed_with_another_key_fails(world, settings):
    data = build.build_zip(world["case"], world["consumer"], "zh-hans").read()
    settings.PLAINT_DOSSIER_SIGNING_KEY = base64.b64encode(b"another-deployment-key-32-bytes!").decode()
    verdict = verify(io.BytesIO(data))
    assert not verdict.intact and not verdict.signature_valid
    assert verdict.problems[0].kind == "signature"


def test_a_bad_signature_value_fails(world):
    data = build.build_zip(world["case"], world["consumer"], "zh-hans").read()

    def bad(name: str, content: bytes) -> bytes:
        if name != "signature.json":
            return content
        signature = json.loads(content)
        raw = bytearray(base64.b64decode(signature["signature"]))
        raw[0] ^= 0x01
        return json.dumps(signature | {"signature": base64.b64encode(bytes(raw)).decode()}).encode()

    verdict = verify(io.BytesIO(rewrite(data, bad)))
    assert not verdict.signature_valid and not verdict.intact


def test_an_added_or_removed_file_is_named(world):
    data = build.build_zip(world["case"], world["consumer"], "zh-hans").read()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as old, zipfile.ZipFile(out, "w") as new:
        for info in old.infolist():
            if not info.filename.endswith("damage.jpg"):
                new.writestr(info.filename, old.read(info.filename))
        new.writestr("evidence/99-extra.jpg", b"not from Plaint")
    found = {(p.path, p.kind) for p in verify(io.BytesIO(out.getvalue())).problems}
    assert ("evidence/99-extra.jpg", "unexpected") in found
    assert any(path.endswith("damage.jpg") and kind == "missing" for path, kind in found)


def test_what_is_not_a_dossier_is_a_clear_422_on_the_api_and_a_message_on_the_page():
    client = Client()
    response = client.post("/api/dossier/verify", {"file": io.BytesIO(b"not a zip")})
    assert response.status_code == 422
    assert response.json()["code"] == "not_a_dossier" and response.json()["field"] == "file"
    upload = io.BytesIO(b"PK junk")
    upload.name = "x.zip"
    page = client.post("/dossier/verify/", {"file": upload}, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 422 and "not a Plaint dossier" in page.content.decode()


def test_the_public_page_says_intact_or_names_the_changed_file(world):
    data = build.build_zip(world["case"], world["consumer"], "zh-hans").read()
    client = Client()
    upload = io.BytesIO(data)
    upload.name = "dossier.zip"
    page = client.post("/dossier/verify/", {"file": upload}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-verdict="intact"' in page and world["case"].reference in page
    changed = io.BytesIO(rewrite(data, lambda n, c: flip_one_byte(n, c, "dossier.pdf")))
    changed.name = "dossier.zip"
    page = client.post("/dossier/verify/", {"file": changed}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-verdict="broken"' in page and "<code>dossier.pdf</code>" in page


def test_the_public_key_is_published_and_checks_the_signature(world):
    client = Client()
    key = client.get("/api/dossier/public-key").json()
    assert key["algorithm"] == "Ed25519" and key["key_id"] == signing.key_id()
    assert "BEGIN PUBLIC KEY" in client.get("/dossier/public-key").content.decode()
    # Anyone can check the signature with the published key alone, without Plaint.
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    data = build.build_zip(world["case"], world["consumer"], "zh-hans").read()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        manifest, signature = archive.read("manifest.json"), json.loads(archive.read("signature.json"))
    import hashlib

    public = Ed25519PublicKey.from_public_bytes(bytes.fromhex(key["public_key"]))
    public.verify(base64.b64decode(signature["signature"]), hashlib.sha256(manifest).digest())


def test_the_merchants_copy_has_no_consumer_name_phone_or_email(world):
    case, merchant = world["case"], world["merchant"]
    api = ApiClient(f.token(merchant))
    data = zip_of(api.get(f"/cases/{case.reference}/dossier.zip"))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        everything = b"".join(archive.read(n) for n in archive.namelist() if n != "dossier.pdf")
    assert manifest["copy_for"] == "merchant"
    # The reporter's photo that says where it was taken is the copy without location data.
    copies = {e["path"].rsplit("-", 1)[-1]: e for e in manifest["files"][1:]}
    assert copies["damage.jpg"]["copy"] == "without_location" and copies["expiry.jpg"]["copy"] == "original"
    damage = case.evidence.get(original_name="damage.jpg")
    assert copies["damage.jpg"]["sha256"] == hashlib_of(damage.shared_file.read()) != damage.sha256
    html = build.render_html(case, merchant, "zh-hans")
    text = api.get(f"/cases/{case.reference}/complaint-text").json()["text"]
    for value in PERSONAL:
        assert value not in html and value not in text
        assert value.encode() not in everything
    assert "李*" in html and "[电话/phone]" in html and "[邮箱/e-mail]" in html
    # The consumer's own copy has them (the test would catch a dossier that left them out for everybody).
    own = build.render_html(case, world["consumer"], "zh-hans")
    assert all(value in own for value in PERSONAL)


def test_the_pdf_is_small_uses_the_cjk_font_and_shows_the_thumbnails(world):
    case = world["case"]
    response = ApiClient(f.token(world["consumer"])).get(f"/cases/{case.reference}/dossier.pdf", lang="en")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = response.content
    assert pdf.startswith(b"%PDF") and len(pdf) < 400_000
    streams = b"".join(_inflate(m) for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S))
    assert b"WenQuanYi" in pdf + streams
    html = build.render_html(case, world["consumer"], "en")
    assert html.count('src="data:image/jpeg;base64,') == 2
    for e in case.evidence.all():
        assert e.sha256 in html
    assert "Dossier of case" in html and "Statements of reasons" in html
    assert "卷宗" in build.render_html(case, world["consumer"], "zh-hans")


def _inflate(match) -> bytes:
    try:
        return zlib.decompress(match.group(1))
    except zlib.error:
        return b""


def test_the_complaint_text_names_the_registered_respondent_the_facts_demands_and_evidence(world):
    case = world["case"]
    text = ApiClient(f.token(world["consumer"])).get(f"/cases/{case.reference}/complaint-text").json()["text"]
    for part in ("【投诉人】", "【被投诉方】", "【事实与理由】", "【投诉请求】", "【证据清单】"):
        assert part in text
    assert "Tokyo Beauty Trading Co., Ltd." in text and "2-1-1 Ginza" in text
    assert "13800000000" in text and "O-A-1001" in text and case.reference in text
    for e in case.evidence.all():
        assert e.sha256 in text
    english = complaint_text(case, world["consumer"], "en")
    assert "[Respondent]" in english and "Registered address: 2-1-1 Ginza" in english


@pytest.mark.parametrize("path", ["dossier.zip", "dossier.pdf", "complaint-text"])
def test_only_the_parties_and_staff_get_a_dossier_others_404(world, path):
    case = world["case"]
    other_shop = f.merchant("M-OTHER", name="Other shop")
    f.order(other_shop, "C-2002")
    strangers = [
        f.consumer_user("C-2002"),
        f.user(Role.MERCHANT, merchant=other_shop),
        f.user(Role.MARKETPLACE),
        f.user(Role.COMMITTEE),
        f.user(Role.SECRETARY),
    ]
    for stranger in strangers:
        response = ApiClient(f.token(stranger)).get(f"/cases/{case.reference}/{path}")
        assert response.status_code == 404, stranger.role
        assert response.json()["code"] == "case_not_found"
    for reader in (world["consumer"], world["merchant"], world["reviewer"], f.user(Role.AGENT)):
        assert ApiClient(f.token(reader)).get(f"/cases/{case.reference}/{path}").status_code == 200, reader.role
    assert Client().get(f"/api/cases/{case.reference}/{path}").status_code == 401


def test_the_consumers_case_page_offers_the_dossier_and_the_complaint_text(world):
    client = Client()
    client.force_login(world["consumer"])
    case = world["case"]
    page = client.get(f"/consumer/cases/{case.reference}/").content.decode()
    assert f"/api/cases/{case.reference}/dossier.zip" in page and 'id="complaint-text"' in page
    assert "【被投诉方】" in page and "data-copy" in page
    merchant = Client()
    merchant.force_login(world["merchant"])
    page = merchant.get(f"/merchant/cases/{case.reference}/").content.decode()
    assert f"/api/cases/{case.reference}/dossier.zip" in page and "complaint-text" not in page


def test_making_a_pdf_leaves_evidence_inspection_refusing_a_cut_photo(world):
    # WeasyPrint sets Pillow's process-wide LOAD_TRUNCATED_IMAGES when imported; inspection must not change.
    from PIL import ImageFile

    from plaint.evidence.inspection import EvidenceRejected
    from tests.evidence.test_files import check

    build.render_pdf(world["case"], world["consumer"], "zh-hans")
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
    image = Image.frombytes("RGB", (1600, 1200), bytes(range(256)) * (1600 * 1200 * 3 // 256))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    data = buffer.getvalue()
    with pytest.raises(EvidenceRejected):
        check(data[: len(data) * 9 // 10], "cut.jpg")
