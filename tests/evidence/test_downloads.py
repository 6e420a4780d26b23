"""Evidence is served so that it never runs in Plaint's site: photos inline, everything else a download,
with the sniffed type, its extension and nosniff."""

import re
from datetime import timedelta
from urllib.parse import unquote

import pytest
from django.utils import timezone

from plaint.accounts.models import Role
from plaint.evidence.downloads import file_name
from tests import factories as f
from tests.api_client import ApiClient

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
# A "chat log" that a browser would run as a page if it were served as HTML or sniffed.
ACTIVE_TEXT = "<html><script>fetch('/api/cases')</script>聊天记录 chat log</html>\n".encode()


def disposition(header: str) -> tuple[str, str | None]:
    """Read a Content-Disposition as a browser does (RFC 6266): filename* wins over filename."""
    kind = header.split(";", 1)[0].strip()
    extended = re.search(r"filename\*=UTF-8''([^;\s]+)", header)
    if extended:
        return kind, unquote(extended.group(1), encoding="utf-8")
    plain = re.search(r'filename="([^"]*)"', header)
    return kind, plain.group(1) if plain else None


@pytest.fixture
def downloads(db):
    shop = f.merchant("M-D")
    f.order(shop, "C1", external_id="O-D1", delivered_at=timezone.now() - timedelta(days=2))
    consumer = ApiClient(f.token(f.consumer_user("C1")))
    merchant = ApiClient(f.token(f.user(Role.MERCHANT, merchant=shop)))
    filed = consumer.post_form(
        "/reports",
        {
            "target_type": "order",
            "target_id": "O-D1",
            "category": "product_quality",
            "description": "面霜有异味 the cream smells off",
            "remedy_wanted": "refund",
        },
        files=[
            ("实拍图.png", f.jpeg(), "photo_of_product"),  # a JPEG, named as a PNG
            ("发票.jpg", PDF, "other"),  # a PDF, named as a photo
            ("chat.html", ACTIVE_TEXT, "chat_log"),  # text that looks like a page
            ("receipt.PDF", PDF, "order_screenshot"),
        ],
    )
    assert filed.status_code == 201, filed.content
    body = filed.json()
    assert body["rejected_files"] == []
    files = {e["file_name"]: e["url"].removeprefix("/api") for e in body["evidence"]}
    return {"consumer": consumer, "merchant": merchant}, files


@pytest.mark.parametrize("viewer", ["consumer", "merchant"])
def test_a_photo_is_shown_inline_with_the_extension_of_what_it_is(downloads, viewer):
    clients, files = downloads
    response = clients[viewer].get(files["实拍图.png"])
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert disposition(response["Content-Disposition"]) == ("inline", "实拍图.jpg")
    # RFC 6266: an ASCII filename for old clients, the UTF-8 name in filename*.
    assert response["Content-Disposition"] == (
        "inline; filename=\"evidence-{}.jpg\"; filename*=UTF-8''%E5%AE%9E%E6%8B%8D%E5%9B%BE.jpg".format(
            files["实拍图.png"].split("/")[-2]
        )
    )


@pytest.mark.parametrize("viewer", ["consumer", "merchant"])
def test_a_pdf_named_as_a_photo_is_a_pdf_download(downloads, viewer):
    clients, files = downloads
    response = clients[viewer].get(files["发票.jpg"])
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert disposition(response["Content-Disposition"]) == ("attachment", "发票.pdf")
    assert b"".join(response.streaming_content) == PDF


def test_text_that_looks_like_a_page_is_a_plain_text_download(downloads):
    clients, files = downloads
    response = clients["merchant"].get(files["chat.html"])
    assert response["Content-Type"] == "text/plain"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert disposition(response["Content-Disposition"]) == ("attachment", "chat.txt")
    assert "sandbox" in response["Content-Security-Policy"]
    assert response["Cache-Control"] == "private"


def test_an_ascii_name_is_sent_as_is_with_the_extension_in_lower_case(downloads):
    clients, files = downloads
    response = clients["consumer"].get(files["receipt.PDF"])
    assert response["Content-Disposition"] == 'attachment; filename="receipt.pdf"'


@pytest.mark.parametrize(
    ("uploaded", "content_type", "saved"),
    [
        ("photo.JPG", "image/jpeg", "photo.jpg"),
        ("scan.pdf.exe", "application/pdf", "scan.pdf.pdf"),
        ('a"b;c\\..\\..\\evil.html', "text/plain", "evil.txt"),
        ("../../etc/passwd", "text/plain", "passwd.txt"),
        ("", "image/webp", "evidence-7.webp"),
        (".hidden", "application/pdf", "hidden.pdf"),
        ('x"\r\nSet-Cookie: a=b', "text/plain", "x_Set-Cookie_ a=b.txt"),
        ("二维码.svg", "image/svg+xml", "二维码.bin"),
    ],
)
def test_the_saved_name_keeps_the_uploaders_stem_and_takes_the_sniffed_extension(uploaded, content_type, saved):
    assert file_name(uploaded, content_type, "evidence-7") == saved
