"""What an uploaded file really is: sniffed, hashed, dated, and stripped of location for the other party."""

import hashlib
import io
import zipfile
from datetime import UTC, datetime, timedelta, timezone

import pytest
from PIL import Image

from plaint.evidence.inspection import EvidenceRejected, inspect

CST = timezone(timedelta(hours=8))
LIMIT = 1024 * 1024
PIXELS = 50_000_000


def image_bytes(fmt: str, *, gps: bool = False, taken: str | None = "2026:11:20 14:03:55", offset: str | None = None):
    image = Image.new("RGB", (64, 48), "#2a9d8f")
    exif = Image.Exif()
    if taken:
        exif.get_ifd(0x8769)[0x9003] = taken
    if offset:
        exif.get_ifd(0x8769)[0x9011] = offset
    if gps:
        ifd = exif.get_ifd(0x8825)
        ifd[1], ifd[2], ifd[3], ifd[4] = "N", (31.0, 13.0, 50.0), "E", (121.0, 28.0, 10.0)
    buffer = io.BytesIO()
    image.save(buffer, fmt, exif=exif.tobytes())
    return buffer.getvalue()


def check(data: bytes, name: str = "file"):
    return inspect(data, name, max_bytes=LIMIT, local_tz=CST, max_pixels=PIXELS)


@pytest.mark.parametrize(("fmt", "mime"), [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp")])
def test_photos_are_sniffed_hashed_and_dated(fmt, mime):
    data = image_bytes(fmt)
    result = check(data, "photo.bin")
    assert result.content_type == mime
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert result.size == len(data)
    assert result.captured_at == datetime(2026, 11, 20, 14, 3, 55, tzinfo=CST)
    assert result.had_location is False
    assert result.shared_bytes is None  # nothing to remove: the file itself is shared, no re-encoding


def test_exif_offset_wins_over_the_local_zone():
    result = check(image_bytes("JPEG", offset="+09:00"))
    assert result.captured_at == datetime(2026, 11, 20, 5, 3, 55, tzinfo=UTC)


def test_garbage_exif_time_is_ignored():
    assert check(image_bytes("JPEG", taken="yesterday-ish")).captured_at is None
    assert check(image_bytes("JPEG", taken=None)).captured_at is None


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_gps_is_removed_from_the_shared_copy_and_the_rest_is_kept(fmt):
    data = image_bytes(fmt, gps=True)
    original = Image.open(io.BytesIO(data))
    original.load()  # PNG reads its eXIf chunk on load
    assert original.getexif().get_ifd(0x8825)  # the test image really carries GPS
    result = check(data)
    assert result.had_location is True
    shared = Image.open(io.BytesIO(result.shared_bytes))
    shared.load()
    assert shared.getexif().get_ifd(0x8825) == {}
    assert shared.getexif().get_ifd(0x8769).get(0x9003) == "2026:11:20 14:03:55"
    assert shared.size == original.size
    assert shared.format == original.format
    assert result.sha256 == hashlib.sha256(data).hexdigest()  # the hash is of what was uploaded


def test_png_named_pdf_is_a_png():
    assert check(image_bytes("PNG"), "report.pdf").content_type == "image/png"


def test_pdf_is_accepted_and_a_truncated_one_is_not():
    pdf = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    assert check(pdf, "inspection.pdf").content_type == "application/pdf"
    with pytest.raises(EvidenceRejected) as exc:
        check(pdf[:30], "inspection.pdf")
    assert exc.value.code == "corrupt_pdf"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_chinese_chat_logs_are_text(encoding):
    log = "2026-11-20 10:01 买家：面霜过期了\n2026-11-20 10:05 卖家：请提供照片\n".encode(encoding)
    result = check(log, "chat.txt")
    assert result.content_type == "text/plain"
    assert result.shared_bytes is None


def test_zip_renamed_to_jpg_is_refused_with_the_accepted_types():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.txt", "x")
    with pytest.raises(EvidenceRejected) as exc:
        check(buffer.getvalue(), "photo.jpg")
    assert exc.value.code == "unsupported_type"
    assert "JPEG, PNG, WebP or HEIC" in exc.value.message


def test_binary_that_is_not_text_is_refused():
    with pytest.raises(EvidenceRejected) as exc:
        check(b"MZ\x90\x00\x03\x00\x00\x00", "setup.jpg")
    assert exc.value.code == "unsupported_type"


def test_truncated_jpeg_is_refused():
    data = image_bytes("JPEG")
    with pytest.raises(EvidenceRejected) as exc:
        check(data[: len(data) // 2], "cut.jpg")
    assert exc.value.code == "corrupt_image"


def test_empty_and_oversize_files_are_refused_with_the_limit():
    with pytest.raises(EvidenceRejected) as exc:
        check(b"", "empty.jpg")
    assert exc.value.code == "empty"
    with pytest.raises(EvidenceRejected) as exc:
        check(b"a" * (LIMIT + 1), "big.txt")
    assert exc.value.code == "too_large"
    assert "the limit is 1 MB" in exc.value.message


def test_a_photo_without_location_is_checked_without_decoding_every_pixel_yet_a_cut_one_is_refused():
    # A phone-sized JPEG: random noise so the compressed data is large and cutting it loses blocks.
    image = Image.frombytes("RGB", (1600, 1200), bytes(range(256)) * (1600 * 1200 * 3 // 256))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    data = buffer.getvalue()
    result = check(data, "big.jpg")
    assert result.shared_bytes is None and result.had_location is False
    with pytest.raises(EvidenceRejected) as exc:
        check(data[: len(data) * 9 // 10], "cut.jpg")
    assert exc.value.code == "corrupt_image"
