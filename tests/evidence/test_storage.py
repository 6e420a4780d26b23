"""Evidence files are written whole or not at all, and a short file at a content address is never reused."""

import errno
import hashlib
import io
import os
import resource
import signal
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone
from PIL import Image

from plaint.cases.models import Case
from plaint.evidence.actions import Upload, check_uploads, store
from plaint.evidence.models import Evidence
from plaint.rulebook import loader
from tests import factories as f
from tests.api_client import ApiClient
from tests.evidence.test_files import image_bytes

pytestmark = pytest.mark.django_db

REPORT = {
    "target_type": "order",
    "target_id": "O-1",
    "category": "product_quality",
    "description": "质量问题",
    "remedy_wanted": "refund",
}


@pytest.fixture
def consumer():
    shop = f.merchant("M-A")
    f.order(shop, "C1", external_id="O-1", delivered_at=timezone.now() - timedelta(days=1))
    return ApiClient(f.token(f.consumer_user("C1")))


def noise_jpeg(side: int = 800) -> bytes:
    """Return a JPEG of random-looking pixels: large enough that writing it takes many blocks."""
    image = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=95)
    return buffer.getvalue()


def address(media_root: Path, data: bytes, name: str) -> Path:
    digest = hashlib.sha256(data).hexdigest()
    return media_root / "evidence" / digest[:2] / digest / name


def whole(path: Path, data: bytes) -> bool:
    stored = path.read_bytes()
    return len(stored) == len(data) and hashlib.sha256(stored).hexdigest() == hashlib.sha256(data).hexdigest()


def test_a_truncated_file_at_the_content_address_is_replaced_not_reused(consumer, media_root):
    photo = noise_jpeg()
    # What a worker killed mid-write left under the photo's address.
    left = address(media_root, photo, "original.jpg")
    left.parent.mkdir(parents=True)
    left.write_bytes(photo[: len(photo) // 3])

    response = consumer.post_form("/reports", REPORT, files=[("photo.jpg", photo, "photo_of_product")])

    assert response.status_code == 201, response.content
    evidence = Evidence.objects.get()
    assert evidence.size == len(photo) and evidence.sha256 == hashlib.sha256(photo).hexdigest()
    assert Path(evidence.file.path) == left
    assert whole(left, photo)
    download = consumer.get(f"/cases/{response.json()['reference']}/evidence/{evidence.pk}/file")
    assert b"".join(download.streaming_content) == photo


def test_a_corrupt_shared_copy_of_the_same_size_is_replaced(consumer, media_root):
    photo = image_bytes("JPEG", gps=True)
    reference = consumer.post_form("/reports", REPORT, files=[("photo.jpg", photo, "photo_of_product")]).json()[
        "reference"
    ]
    first = Evidence.objects.get()
    shared = Path(first.shared_file.path)
    good = shared.read_bytes()
    shared.write_bytes(bytes(len(good)))  # same size, every byte wrong

    response = consumer.post_form(f"/cases/{reference}/evidence", {}, files=[("again.jpg", photo, "photo_of_product")])

    assert response.status_code == 200, response.content
    second = Evidence.objects.exclude(pk=first.pk).get()
    assert second.shared_file.name == first.shared_file.name
    assert shared.read_bytes() == good


def test_a_whole_file_at_the_content_address_is_reused_as_it_is(media_root):
    from plaint.evidence.storage import save_verified

    photo = noise_jpeg(200)
    name = "evidence/test/original.jpg"
    digest = hashlib.sha256(photo).hexdigest()
    assert save_verified(name, io.BytesIO(photo), len(photo), digest) == name
    before = os.stat(default_storage.path(name))
    assert save_verified(name, io.BytesIO(photo), len(photo), digest) == name
    after = os.stat(default_storage.path(name))
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_a_write_that_fails_midway_leaves_nothing_at_the_content_address(media_root):
    photo = noise_jpeg()
    case, user = _a_case()
    [checked], rejected = check_uploads(
        [Upload("photo.jpg", photo, "photo_of_product")], loader.get(case.rulebook_version)
    )
    assert not rejected
    final = address(media_root, photo, "original.jpg")

    # The disk refuses to let any file grow past 64 KiB: the write fails partway, as a full disk or a
    # killed worker would leave it. SIGXFSZ is ignored so the failure arrives as an OSError (EFBIG).
    limits = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, limits[1]))
    try:
        with pytest.raises(OSError) as failed:
            store(case, checked, user, "reporter", timezone.now())
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, limits)
        signal.signal(signal.SIGXFSZ, previous)

    assert failed.value.errno == errno.EFBIG
    assert not final.exists()
    assert not final.parent.exists() or not any(final.parent.iterdir())  # no partial file left either
    assert not Evidence.objects.exists()
    # The next attempt stores the file whole.
    evidence = store(case, checked, user, "reporter", timezone.now())
    assert Path(evidence.file.path) == final and whole(final, photo)


def _a_case():
    shop = f.merchant("M-B")
    f.order(shop, "C2", external_id="O-2", delivered_at=timezone.now() - timedelta(days=1))
    user = f.consumer_user("C2")
    response = ApiClient(f.token(user)).post_form("/reports", REPORT | {"target_id": "O-2"})
    assert response.status_code == 201, response.content
    return Case.objects.get(reference=response.json()["reference"]), user
