"""Evidence people really have: short MP4/MOV videos (rulebook version 3), iPhones' HEIC photos, and
the small thumbnails the pages show instead of the originals.

The videos in tests/evidence/media/ are real H.264 files made by ffmpeg (`testsrc`, 160 x 120, 10 fps):
clip.mp4 3 s, clip.mov 2.5 s (QuickTime brand), long.mp4 75 s (64 x 48). HEIC photos are made here
with pillow-heif.
"""

import hashlib
import io
import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pillow_heif
import pytest
from django.test import Client
from django.utils import timezone
from PIL import Image

from plaint.accounts.models import Role
from plaint.cases.models import Case
from plaint.evidence.models import Evidence
from tests import factories as f
from tests.api_client import ApiClient

pytestmark = pytest.mark.django_db

MEDIA = Path(__file__).parent / "media"
CST = ZoneInfo("Asia/Shanghai")
GPS_IFD = 0x8825
REPORT = {
    "target_type": "order",
    "target_id": "O-1",
    "category": "product_quality",
    "description": "质量问题，视频为证",
    "remedy_wanted": "refund",
}


@pytest.fixture
def v3(time_machine):
    # Version 3 of the rulebook, which takes videos, is in force from 7 December 2026.
    time_machine.move_to(datetime(2026, 12, 8, 10, 0, tzinfo=CST))


@pytest.fixture
def consumer():
    shop = f.merchant("M-A")
    f.order(shop, "C1", external_id="O-1", delivered_at=timezone.now() - timedelta(days=1))
    return ApiClient(f.token(f.consumer_user("C1")))


def heic(gps: bool = True, size: tuple[int, int] = (1200, 900)) -> bytes:
    """Return an iPhone-like HEIC photo, with a GPS position and an XMP packet naming one if `gps`."""
    image = Image.new("RGB", size, (180, 40, 40))
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = "2026:12:01 09:30:00"
    options: dict = {"quality": 50}
    if gps:
        exif[GPS_IFD] = {1: "N", 2: (31.0, 14.0, 0.0), 3: "E", 4: (121.0, 28.0, 0.0)}
        options["xmp"] = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><exif:GPSLatitude>31,14N</exif:GPSLatitude></x:xmpmeta>'
    out = io.BytesIO()
    image.save(out, "HEIF", exif=exif.tobytes(), **options)
    return out.getvalue()


def file_report(consumer, *files):
    response = consumer.post_form("/reports", REPORT, files=list(files))
    assert response.status_code == 201, response.content
    return response.json()


@pytest.mark.parametrize(
    ("name", "content_type", "seconds"), [("clip.mp4", "video/mp4", 3.0), ("clip.mov", "video/quicktime", 2.5)]
)
def test_an_mp4_and_a_mov_are_accepted_with_the_length_read_from_the_container(
    consumer, v3, media_root, name, content_type, seconds
):
    data = (MEDIA / name).read_bytes()

    body = file_report(consumer, (name, data, "photo_of_damage"))

    assert body["rejected_files"] == []
    [item] = body["evidence"]
    assert item["content_type"] == content_type
    assert item["duration"] == seconds
    assert item["thumbnail_url"] is None
    evidence = Evidence.objects.get()
    assert evidence.sha256 == hashlib.sha256(data).hexdigest()
    served = consumer.client.get(item["url"], headers=consumer.headers)
    assert served.status_code == 200
    assert served["Content-Type"] == content_type
    assert served["Content-Disposition"].startswith("inline")
    assert b"".join(served.streaming_content) == data


def test_a_renamed_non_video_and_a_cut_short_video_are_refused(consumer, v3):
    clip = (MEDIA / "clip.mp4").read_bytes()
    body = file_report(
        consumer,
        ("photo.jpg", f.jpeg(), "photo_of_product"),
        ("clip.mp4", b"PK\x03\x04" + b"\x00" * 400, "photo_of_damage"),
        ("half.mp4", clip[:40], "photo_of_damage"),
    )

    rejected = {r["file"]: r["code"] for r in body["rejected_files"]}
    assert rejected == {"clip.mp4": "unsupported_type", "half.mp4": "corrupt_video"}
    assert [e["file_name"] for e in body["evidence"]] == ["photo.jpg"]


def test_a_video_past_the_rulebooks_size_or_length_is_refused_naming_the_limit(consumer, v3, media_root):
    clip = (MEDIA / "clip.mp4").read_bytes()
    # A real MP4 padded past 50 MiB: refused from its size, before it is read.
    big = clip + b"\x00" * (50 * 1024 * 1024 + 1 - len(clip))
    body = file_report(
        consumer,
        ("photo.jpg", f.jpeg(), "photo_of_product"),
        ("big.mp4", big, "photo_of_damage"),
        ("long.mp4", (MEDIA / "long.mp4").read_bytes(), "photo_of_damage"),
    )

    rejected = {r["file"]: r for r in body["rejected_files"]}
    assert rejected["big.mp4"]["code"] == "too_large"
    assert "50 MB for a video" in rejected["big.mp4"]["message"]
    assert rejected["long.mp4"]["code"] == "too_long"
    assert "75 seconds" in rejected["long.mp4"]["message"] and "60 seconds" in rejected["long.mp4"]["message"]
    assert not list((media_root / "evidence").rglob("*.mp4"))


def test_a_photo_past_the_photo_limit_is_refused_though_a_video_may_be_larger(consumer, v3):
    big_photo = f.jpeg() + b"\x00" * (11 * 1024 * 1024)
    body = file_report(consumer, ("photo.jpg", f.jpeg(), "photo_of_product"), ("big.jpg", big_photo, "other"))

    assert [(r["file"], r["code"]) for r in body["rejected_files"]] == [("big.jpg", "too_large")]


def test_under_version_2_a_video_is_refused_as_not_accepted_by_its_rules(consumer):
    assert timezone.now() < datetime(2026, 12, 7, tzinfo=CST) or pytest.skip("version 3 is already in force")
    body = file_report(
        consumer, ("photo.jpg", f.jpeg(), "photo_of_product"), ("clip.mp4", (MEDIA / "clip.mp4").read_bytes(), "other")
    )

    assert [(r["file"], r["code"]) for r in body["rejected_files"]] == [("clip.mp4", "videos_not_accepted")]


def test_a_heic_photo_is_kept_whole_with_its_hash_and_shown_as_a_jpeg_without_location(consumer, media_root):
    original = heic(gps=True)
    body = file_report(consumer, ("IMG_0001.HEIC", original, "photo_of_damage"))

    [item] = body["evidence"]
    assert item["content_type"] == "image/heic"
    assert item["sha256"] == hashlib.sha256(original).hexdigest()
    assert item["captured_at"].startswith("2026-12-01T09:30:00")
    evidence = Evidence.objects.get()
    assert evidence.had_location

    # The reporter's own download is the original, byte for byte, as a file to save.
    own = consumer.client.get(item["url"], headers=consumer.headers)
    assert b"".join(own.streaming_content) == original
    assert own["Content-Disposition"].startswith("attachment") and "IMG_0001.heic" in own["Content-Disposition"]

    # The page shows a JPEG: every pixel, upright, without any metadata.
    view = consumer.client.get(item["view_url"], headers=consumer.headers)
    assert view["Content-Type"] == "image/jpeg"
    shown = Image.open(io.BytesIO(b"".join(view.streaming_content)))
    assert shown.format == "JPEG" and shown.size == (1200, 900)
    assert not shown.getexif() and "xmp" not in shown.info

    # The merchant's copy of the original is a HEIC without the GPS position or the XMP packet.
    merchant = ApiClient(f.token(f.user(Role.MERCHANT, merchant=evidence.case.merchant)))
    shared = merchant.client.get(item["url"], headers=merchant.headers)
    shared_bytes = b"".join(shared.streaming_content)
    assert shared_bytes != original
    copy = Image.open(io.BytesIO(shared_bytes))
    assert copy.format == "HEIF" and copy.size == (1200, 900)
    assert GPS_IFD not in copy.getexif() and not copy.info.get("xmp")
    assert pillow_heif.is_supported(shared_bytes)


def test_every_photo_gets_a_small_thumbnail_without_metadata(consumer, media_root):
    photo = f.jpeg("blue", size=(4000, 3000), exif_time="2026:11:20 10:00:00")
    body = file_report(
        consumer, ("big.jpg", photo, "photo_of_product"), ("IMG_0002.heic", heic(gps=False), "photo_of_damage")
    )

    for item in body["evidence"]:
        response = consumer.client.get(item["thumbnail_url"], headers=consumer.headers)
        assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
        data = b"".join(response.streaming_content)
        thumb = Image.open(io.BytesIO(data))
        assert max(thumb.size) == 320
        assert not thumb.getexif()
        assert len(data) < 20_000
    big = next(e for e in body["evidence"] if e["file_name"] == "big.jpg")
    assert consumer.client.get(big["url"][: -len("file")] + "view", headers=consumer.headers).status_code == 404


def test_a_pdf_has_no_thumbnail_and_asking_for_one_is_404(consumer):
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    body = file_report(consumer, ("photo.jpg", f.jpeg(), "photo_of_product"), ("invoice.pdf", pdf, "other"))

    item = next(e for e in body["evidence"] if e["file_name"] == "invoice.pdf")
    assert item["thumbnail_url"] is None
    response = consumer.client.get(item["url"][: -len("file")] + "thumbnail", headers=consumer.headers)
    assert response.status_code == 404
    assert response.json()["code"] == "no_thumbnail"


def test_thumbnails_are_not_served_to_someone_who_cannot_see_the_case(consumer):
    body = file_report(consumer, ("photo.jpg", f.jpeg(), "photo_of_product"))
    stranger = ApiClient(f.token(f.user(Role.MERCHANT, merchant=f.merchant("M-B"))))

    response = stranger.client.get(body["evidence"][0]["thumbnail_url"], headers=stranger.headers)

    assert response.status_code == 404


def test_the_review_page_shows_thumbnails_and_plays_videos_not_the_originals(consumer, v3):
    photos = [f.jpeg(color, size=(3000, 2000)) for color in ("red", "green", "blue")]
    body = file_report(
        consumer,
        *[(f"p{n}.jpg", data, "photo_of_product") for n, data in enumerate(photos)],
        ("clip.mp4", (MEDIA / "clip.mp4").read_bytes(), "photo_of_damage"),
    )
    case = Case.objects.get(reference=body["reference"])
    reviewer = f.user(Role.REVIEWER)
    client = Client()
    client.force_login(reviewer)

    html = client.get(f"/review/cases/{case.reference}/").content.decode()

    gallery = html[html.index('id="evidence-h"') :]
    sources = re.findall(r'<img src="([^"]+)"', gallery)
    thumbs = [s for s in sources if s.endswith("/thumbnail")]
    assert len(thumbs) == 3
    # The originals are shown only in the zoom, which loads when opened (loading="lazy", hidden).
    assert all(s.endswith("/thumbnail") or s.endswith("/file") for s in sources)
    video = next(e for e in body["evidence"] if e["file_name"] == "clip.mp4")
    assert f'<video class="evidence-video" controls preload="metadata" playsinline src="{video["url"]}"' in gallery
    assert "0:03" in gallery
    thumb_bytes = sum(len(b"".join(client.get(s).streaming_content)) for s in thumbs)
    assert thumb_bytes * 10 < sum(len(p) for p in photos)
