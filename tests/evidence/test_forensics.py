"""Forensics at intake: a photo sent again (the same file or a near copy) in another case, a photo taken
before delivery, one with no capture time, one edited by software; flags shown to staff with their
reason, never to the parties, and never refusing a report."""

import io
import random
from datetime import UTC, timedelta

import pytest
from django.test import Client
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFilter

from plaint.accounts.models import Role
from plaint.evidence import forensics
from plaint.evidence.inspection import inspect
from plaint.evidence.models import Evidence, EvidenceFlag
from tests import factories as f
from tests.api_client import ApiClient

pytestmark = pytest.mark.django_db

EXIF_IFD = 0x8769


def scene(seed: int, size: tuple[int, int] = (1200, 900)) -> Image.Image:
    """Return a photo-like picture: blurred coloured shapes, different for each seed."""
    draw_random = random.Random(seed)
    image = Image.new("RGB", size, tuple(draw_random.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(25):
        x, y = draw_random.randrange(size[0]), draw_random.randrange(size[1])
        w, h = draw_random.randrange(50, 500), draw_random.randrange(50, 400)
        draw.ellipse((x, y, x + w, y + h), fill=tuple(draw_random.randrange(256) for _ in range(3)))
    return image.filter(ImageFilter.GaussianBlur(3))


def jpeg(image: Image.Image, quality: int = 90, taken: str | None = "2026:11:29 10:00:00", software: str = "") -> bytes:
    exif = Image.Exif()
    if taken:
        exif.get_ifd(EXIF_IFD)[0x9003] = taken
    if software:
        exif[0x0131] = software
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality, exif=exif.tobytes())
    return buffer.getvalue()


def near_copy(image: Image.Image) -> bytes:
    """Return the picture cropped 2 % on each side, halved and re-compressed, as a reposter would."""
    w, h = image.size
    cropped = image.crop((int(w * 0.02), int(h * 0.02), int(w * 0.98), int(h * 0.98)))
    return jpeg(cropped.resize((cropped.width // 2, cropped.height // 2)), quality=60)


REPORT = {"target_type": "order", "category": "product_quality", "description": "质量问题", "remedy_wanted": "refund"}


@pytest.fixture
def world():
    delivered = timezone.now() - timedelta(days=2)
    shop_a, shop_b = f.merchant("M-A"), f.merchant("M-B")
    f.order(shop_a, "C1", external_id="O-1", delivered_at=delivered)
    f.order(shop_a, "C1", external_id="O-1b", delivered_at=delivered)
    f.order(shop_b, "C2", external_id="O-2", delivered_at=delivered)
    f.order(shop_a, "C3", external_id="O-3", delivered_at=delivered)
    merchant_a = f.user(Role.MERCHANT, merchant=shop_a)
    return {
        "c1": ApiClient(f.token(f.consumer_user("C1"))),
        "c2": ApiClient(f.token(f.consumer_user("C2"))),
        "c3": ApiClient(f.token(f.consumer_user("C3"))),
        "merchant_a": ApiClient(f.token(merchant_a)),
        "reviewer_user": (reviewer := f.user(Role.REVIEWER)),
        "reviewer": ApiClient(f.token(reviewer)),
    }


def file(client: ApiClient, order_id: str, photo: bytes, name: str = "photo.jpg") -> str:
    response = client.post_form("/reports", REPORT | {"target_id": order_id}, files=[(name, photo, "photo_of_product")])
    assert response.status_code == 201, response.content
    return response.json()["reference"]


def flags_of(client: ApiClient, reference: str, lang: str = "en") -> list[dict]:
    (item,) = client.get(f"/cases/{reference}", lang=lang).json()["evidence"]
    return item["flags"]


def test_the_band_split_and_the_signed_storage_round_trip():
    value = 0xFEDC_BA98_7654_3210
    assert forensics.bands(value) == [0xFEDC, 0xBA98, 0x7654, 0x3210]
    fields = forensics.hash_fields(value)
    assert fields["phash"] < 0 and forensics.unsigned(fields["phash"]) == value
    assert [fields[f"phash_band_{n}"] for n in range(4)] == [0xFEDC, 0xBA98, 0x7654, 0x3210]
    assert forensics.hash_fields(None) == {"phash": None} | {f"phash_band_{n}": None for n in range(4)}


def phash(data: bytes) -> int:
    return inspect(data, "photo.jpg", max_bytes=10**8, local_tz=UTC, max_pixels=10**8).phash


def test_a_near_copy_has_a_near_hash_and_another_photo_does_not():
    for seed in range(5):
        original = scene(seed)
        base = phash(jpeg(original))
        assert (base ^ phash(near_copy(original))).bit_count() <= forensics.NEAR_COPY_DISTANCE
        assert (base ^ phash(jpeg(scene(seed + 100)))).bit_count() > 16


def test_another_consumers_near_copy_against_another_merchant_is_flagged_for_staff_only(world):
    original = scene(7)
    first = file(world["c1"], "O-1", jpeg(original))
    second = file(world["c2"], "O-2", near_copy(original), "mine.jpg")
    # Never refused: the report is filed and admitted like any other.
    assert world["c2"].get(f"/cases/{second}").json()["state"] == "awaiting_merchant"
    (flag,) = flags_of(world["reviewer"], second)
    assert flag["code"] == "copy"
    (match,) = flag["details"]["matches"]
    assert match["case"] == first and match["by"] == "other_consumer" and match["against"] == "other_merchant"
    assert not match["same_file"] and match["distance"] <= forensics.NEAR_COPY_DISTANCE
    assert f"was already sent in case {first}, by another consumer, against another merchant" in flag["reason"]
    assert "近似副本" in flags_of(world["reviewer"], second, lang="zh")[0]["reason"]
    # The parties read their cases without any flag, and without the reporter's record.
    for party, reference in ((world["c2"], second), (world["c1"], first)):
        body = party.get(f"/cases/{reference}").json()
        assert "flags" not in body["evidence"][0] and body["reporter_record"] is None
    # The first photo was new when it came: no copy flag on it.
    assert flags_of(world["reviewer"], first) == []


def test_the_same_file_again_by_the_same_reporter_is_flagged_as_the_same_photo(world):
    photo = jpeg(scene(8))
    first = file(world["c1"], "O-1", photo)
    second = file(world["c1"], "O-1b", photo)
    (flag,) = flags_of(world["reviewer"], second)
    (match,) = flag["details"]["matches"]
    assert match == match | {"case": first, "by": "same_reporter", "against": "same_merchant", "same_file": True}
    assert flag["reason"].startswith(f"The same photo was already sent in case {first}, by this reporter")


def test_a_different_photo_is_not_flagged(world):
    file(world["c1"], "O-1", jpeg(scene(9)))
    second = file(world["c2"], "O-2", jpeg(scene(10)))
    assert flags_of(world["reviewer"], second) == []


def test_the_merchants_own_photo_sent_by_a_consumer_is_flagged(world):
    showcase = scene(11)
    first = file(world["c1"], "O-1", jpeg(scene(12)))
    answered = world["merchant_a"].post_form(
        f"/cases/{first}/response",
        {"kind": "contest", "explanation": "货品完好，见发货前照片。"},
        files=[("packing.jpg", jpeg(showcase), "photo_of_product")],
    )
    assert answered.status_code == 200, answered.content
    second = file(world["c3"], "O-3", near_copy(showcase))
    (flag,) = flags_of(world["reviewer"], second)
    assert flag["details"]["matches"][0] | {"case": first, "by": "this_merchant"} == flag["details"]["matches"][0]
    assert f"in case {first}, by this merchant itself." in flag["reason"]


def test_a_photo_taken_before_delivery_with_no_time_or_edited_is_flagged_with_its_reason(world):
    long_ago = file(world["c1"], "O-1", jpeg(scene(13), taken="2020:01:02 03:04:05"))
    (flag,) = flags_of(world["reviewer"], long_ago)
    assert flag["code"] == "before_delivery" and "before the order was delivered" in flag["reason"]
    assert flag["details"]["captured_at"].startswith("2020-01-02T03:04:05")

    screenshot = file(world["c2"], "O-2", jpeg(scene(14), taken=None))
    assert [x["code"] for x in flags_of(world["reviewer"], screenshot)] == ["no_capture_time"]

    edited = file(world["c3"], "O-3", jpeg(scene(15), software="Adobe Photoshop 25.0 (Windows)"))
    (flag,) = flags_of(world["reviewer"], edited)
    assert flag == {
        "code": "edited",
        "reason": "The file says it was edited with Adobe Photoshop 25.0 (Windows).",
        "details": {"software": "Adobe Photoshop 25.0 (Windows)"},
    }
    # A camera's own name in the Software tag is not editing; a photo taken after delivery is fine.
    camera = file(world["c1"], "O-1b", jpeg(scene(16), software="iPhone 15 Pro 17.1"))
    assert flags_of(world["reviewer"], camera) == []


def test_near_copies_finds_hashes_up_to_the_distance_through_the_bands(world):
    file(world["c1"], "O-1", jpeg(scene(17)))
    stored = Evidence.objects.get()
    base = 0x0123_4567_89AB_CDEF

    def put(value: int) -> None:
        Evidence.objects.filter(pk=stored.pk).update(**forensics.hash_fields(value))

    # 8 bits apart, one in the first band: the probe of that band finds it.
    spread = base ^ 0x0001_0003_0007_0003
    put(spread)
    assert forensics.near_copies(base) == [(stored.pk, 8)]
    # 9 bits apart: a candidate, but past the distance.
    put(base ^ 0x0001_0007_000F_0001)
    assert forensics.near_copies(base) == []
    # No band within one bit (2 bits in each): not even a candidate, though 8 apart.
    put(base ^ 0x0003_0003_0003_0003)
    assert forensics.near_copies(base) == []
    # The case's own photos are left out.
    put(base)
    assert forensics.near_copies(base, exclude_case_id=stored.case_id) == []


def test_the_review_page_shows_the_flags_next_to_the_photo_and_the_reporters_record(world):
    original = scene(18)
    first = file(world["c1"], "O-1", jpeg(original))
    second = file(world["c2"], "O-2", near_copy(original))
    client = Client()
    client.force_login(world["reviewer_user"])
    page = client.get(f"/review/cases/{second}/").content.decode()
    gallery = page.split('class="gallery"', 1)[1]
    assert "forensic-flag flag-copy" in gallery
    assert f'href="/review/cases/{first}/">{first}</a>' in gallery
    assert "已在案件" in gallery and "由另一位消费者提交" in gallery
    assert "共举报 1 次：处理中 1，成立 0" in page  # the reporter's record
    assert EvidenceFlag.objects.count() == 1


def test_a_flat_picture_is_matched_only_as_the_same_file(world):
    white, grey = f.jpeg("white", size=(640, 480)), f.jpeg("#808080", size=(640, 480))
    assert forensics.flat(phash(white)) and phash(white) == phash(grey)  # one hash for every plain picture
    first = file(world["c1"], "O-1", white)
    assert flags_of(world["reviewer"], file(world["c2"], "O-2", grey)) == [
        {"code": "no_capture_time", "reason": flags_of(world["reviewer"], first)[0]["reason"], "details": {}}
    ]
    (copy, _) = flags_of(world["reviewer"], file(world["c3"], "O-3", white))
    assert (
        copy["code"] == "copy"
        and copy["details"]["matches"][0] | {"case": first, "same_file": True} == (copy["details"]["matches"][0])
    )
