"""Uploads are bounded before they cost: pixels from the header, files and bytes per request, memory per file.

Each refusal names the file and the limit, and loses nothing already accepted.
"""

import struct
import tracemalloc
import zlib
from datetime import UTC, timedelta
from pathlib import Path

import pytest
from django.core.signals import request_started
from django.utils import timezone

from plaint.cases.models import Case
from plaint.evidence.models import Evidence
from tests import factories as f
from tests.api_client import ApiClient

pytestmark = pytest.mark.django_db

REPORT = {
    "target_type": "order",
    "target_id": "O-1",
    "category": "product_quality",
    "description": "质量问题",
    "remedy_wanted": "refund",
}


def huge_png(width: int, height: int) -> bytes:
    """Return a valid black 1-bit PNG of width x height: a small file whose pixels would fill hundreds of MB."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte, then the row's bits
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def stored_files(root: Path) -> set[Path]:
    return {p for p in (root / "evidence").rglob("*") if p.is_file()} if (root / "evidence").exists() else set()


@pytest.fixture
def consumer():
    shop = f.merchant("M-A")
    f.order(shop, "C1", external_id="O-1", delivered_at=timezone.now() - timedelta(days=1))
    return ApiClient(f.token(f.consumer_user("C1")))


@pytest.fixture
def case(consumer):
    response = consumer.post_form("/reports", REPORT, files=[("photo.jpg", f.jpeg("white"), "photo_of_product")])
    assert response.status_code == 201
    return Case.objects.get(reference=response.json()["reference"])


def test_forty_79_megapixel_pngs_are_refused_from_their_headers_and_the_case_keeps_its_evidence(
    consumer, case, settings, media_root
):
    settings.PLAINT_EVIDENCE_MAX_FILES = 40  # so each file meets the pixel limit, not the count
    bomb = huge_png(8900, 8900)  # 79.2 megapixels in about 10 KB
    assert len(bomb) < 100_000
    before = stored_files(media_root)
    state = case.state

    response = consumer.post_form(
        f"/cases/{case.reference}/evidence", {}, files=[(f"big-{n}.png", bomb, "photo_of_product") for n in range(40)]
    )

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "no_valid_evidence"
    rejected = body["details"]["rejected_files"]
    assert [r["file"] for r in rejected] == [f"big-{n}.png" for n in range(40)]
    assert {r["code"] for r in rejected} == {"too_many_pixels"}
    assert "big-7.png is 8900 x 8900 pixels (79.2 megapixels); the limit is 50 megapixels" in rejected[7]["message"]
    # Nothing was decoded into a copy, nothing stored, and what the case had is still there.
    assert stored_files(media_root) == before
    case.refresh_from_db()
    assert case.state == state
    assert [e.original_name for e in Evidence.objects.filter(case=case)] == ["photo.jpg"]


def test_the_pixel_limit_follows_its_setting_and_the_other_files_are_kept(consumer, case, settings):
    settings.PLAINT_EVIDENCE_MAX_PIXELS = 1_000_000
    response = consumer.post_form(
        f"/cases/{case.reference}/evidence",
        {},
        files=[("bomb.png", huge_png(3000, 3000), "photo_of_product"), ("ok.jpg", f.jpeg("blue"), "photo_of_product")],
    )
    assert response.status_code == 200
    [rejected] = response.json()["rejected_files"]
    assert rejected["file"] == "bomb.png" and rejected["code"] == "too_many_pixels"
    assert "the limit is 1 megapixels" in rejected["message"]
    assert sorted(e.original_name for e in Evidence.objects.filter(case=case)) == ["ok.jpg", "photo.jpg"]


def test_pillow_itself_refuses_a_bomb_at_open_past_twice_the_limit(settings, monkeypatch):
    from PIL import Image

    from plaint.evidence.inspection import EvidenceRejected, inspect

    # Set at start-up, so any code that opens an image is covered, not only inspection.
    assert Image.MAX_IMAGE_PIXELS == settings.PLAINT_EVIDENCE_MAX_PIXELS
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1_000_000)
    # A caller with a laxer limit of its own still cannot get a 9-megapixel image decoded.
    with pytest.raises(EvidenceRejected) as refused:
        inspect(huge_png(3000, 3000), "bomb.png", max_bytes=10**7, max_pixels=10**9, local_tz=UTC)
    assert refused.value.code == "too_many_pixels"


def test_files_past_the_count_limit_are_refused_and_the_report_keeps_the_first_ones(consumer, settings):
    settings.PLAINT_EVIDENCE_MAX_FILES = 3
    colors = ["red", "blue", "green", "gray"]
    files = [(f"p{n}.jpg", f.jpeg(color), "photo_of_product") for n, color in enumerate(colors)]

    response = consumer.post_form("/reports", REPORT, files=files)

    assert response.status_code == 201
    body = response.json()
    assert [e["file_name"] for e in body["evidence"]] == ["p0.jpg", "p1.jpg", "p2.jpg"]
    [rejected] = body["rejected_files"]
    assert rejected["file"] == "p3.jpg" and rejected["code"] == "too_many_files"
    assert "p3.jpg is file 4 of 4; at most 3 files" in rejected["message"]


def test_more_files_than_django_parses_is_a_422_naming_the_limit_not_a_bare_400(consumer, case):
    files = [(f"n{n}.txt", b"note", "other") for n in range(101)]  # DATA_UPLOAD_MAX_NUMBER_FILES is 100
    response = consumer.post_form(f"/cases/{case.reference}/evidence", {}, files=files)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "too_many_files" and body["field"] == "evidence"
    assert "at most 10 files" in body["hint"]
    assert [e.original_name for e in Evidence.objects.filter(case=case)] == ["photo.jpg"]


def test_a_file_past_the_total_per_request_is_refused_naming_the_limit(consumer, case, settings):
    photos = [f.jpeg(color, (200, 200)) for color in ["red", "blue", "green"]]
    settings.PLAINT_EVIDENCE_MAX_TOTAL_BYTES = len(photos[0]) + len(photos[1])

    response = consumer.post_form(
        f"/cases/{case.reference}/evidence",
        {},
        files=[(f"p{n}.jpg", data, "photo_of_product") for n, data in enumerate(photos)],
    )

    assert response.status_code == 200
    [rejected] = response.json()["rejected_files"]
    assert rejected["file"] == "p2.jpg" and rejected["code"] == "too_much_evidence"
    limit = f"{settings.PLAINT_EVIDENCE_MAX_TOTAL_BYTES / 1024:.1f}".rstrip("0").rstrip(".")
    assert rejected["message"].startswith("p2.jpg") and f"the limit is {limit} KB in one request" in rejected["message"]
    assert sorted(e.original_name for e in Evidence.objects.filter(case=case)) == ["p0.jpg", "p1.jpg", "photo.jpg"]


def test_a_large_upload_is_streamed_to_disk_and_read_in_chunks_never_whole_in_memory(consumer, case):
    # An 8 MiB chat log: held whole (and decoded whole) it would cost 16 MiB or more at once.
    line = b"2026-11-20 10:01 buyer: the cream expired last year, see the photo\n"
    log = line * (8 * 1024 * 1024 // len(line))
    start = []

    def measure_from_here(**kwargs):
        tracemalloc.reset_peak()
        start.append(tracemalloc.get_traced_memory()[0])

    request_started.connect(measure_from_here)
    tracemalloc.start()
    try:
        # The test client has built the request body by the time the request starts: only the server's work counts.
        response = consumer.post_form(f"/cases/{case.reference}/evidence", {}, files=[("chat.txt", log, "chat_log")])
        peak = tracemalloc.get_traced_memory()[1] - start[0]
    finally:
        tracemalloc.stop()
        request_started.disconnect(measure_from_here)

    assert response.status_code == 200, response.content
    stored = Evidence.objects.get(case=case, original_name="chat.txt")
    assert stored.size == len(log)
    assert peak < 4 * 1024 * 1024, f"peak {peak / 1024 / 1024:.1f} MiB during the request"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "the limit is 50 megapixels"),
        ("zh-hans", "上限为 50 百万像素"),
    ],
)
def test_the_pages_name_the_pixel_limit_in_the_visitors_language(language, expected):
    from django.utils import translation

    from plaint.web.common import rejected_files

    refused = [{"file": "big.png", "code": "too_many_pixels", "message": "big.png is 8900 x 8900 pixels …"}]
    with translation.override(language):
        [item] = rejected_files(refused)
    assert item["file"] == "big.png" and expected in item["reason"]
