"""Benchmark: forty 79-megapixel PNGs (about 10 KB each, 3 GB of pixels together) sent to a case as
evidence through the API are refused from their headers, without a pixel decoded. Times the request
(Django's test client, in process, on PostgreSQL) and the same request with forty ordinary photos for
comparison. Target: the refusal in under 1 s, where decoding them took minutes.

    PLAINT_DATABASE_URL=postgres://... python -m bench.uploads   # part of make bench; ~10 s
"""

import io
import os
import struct
import sys
import tempfile
import time
import zlib
from datetime import timedelta

from bench.common import fresh_database

DB = "plaint_bench_uploads"
FILES = 40


def huge_png(width: int, height: int) -> bytes:
    """Return a valid black 1-bit PNG of width x height (the same as tests/evidence/test_limits.py makes)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" * (1 + (width + 7) // 8)
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def photo(shade: int) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (1600, 1200), (shade, 120, 90)).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def main() -> None:
    os.environ["PLAINT_MEDIA_ROOT"] = tempfile.mkdtemp(prefix="plaint-bench-uploads-")
    os.environ["PLAINT_EVIDENCE_MAX_FILES"] = str(FILES)  # so every file meets the pixel limit, not the count
    fresh_database(DB)
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from plaint.accounts.models import ApiToken, Role, User
    from plaint.marketplace.models import Consumer, Merchant, Order

    merchant = Merchant.objects.create(external_id="M-1", name="Bench shop", country="JP", cross_border=True)
    consumer = Consumer.objects.create(external_id="C-1", name="Bench consumer")
    Order.objects.create(
        external_id="O-1",
        consumer=consumer,
        merchant=merchant,
        currency="CNY",
        amount_paid=100,
        paid_at=timezone.now() - timedelta(days=3),
        delivered_at=timezone.now() - timedelta(days=1),
    )
    user = User.objects.create_user("bench-consumer", role=Role.CONSUMER, consumer=consumer)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(user)[1]}")
    report = {"target_type": "order", "target_id": "O-1", "category": "product_quality"}
    report |= {"description": "benchmark", "remedy_wanted": "refund"}
    filed = client.post(
        "/api/reports",
        report | {"evidence": [SimpleUploadedFile("p.jpg", photo(0))], "evidence_kind": ["photo_of_product"]},
    )
    if filed.status_code != 201:
        raise SystemExit(f"filing failed: {filed.status_code} {filed.content[:300]!r}")
    path = f"/api/cases/{filed.json()['reference']}/evidence"

    def send(files: list[tuple[str, bytes]]) -> tuple[int, float]:
        data = {
            "evidence": [SimpleUploadedFile(name, content) for name, content in files],
            "evidence_kind": ["photo_of_product"] * len(files),
        }
        started = time.perf_counter()
        response = client.post(path, data)
        return response.status_code, time.perf_counter() - started

    bomb = huge_png(8900, 8900)
    status, refused = send([(f"big-{n}.png", bomb) for n in range(FILES)])
    if status != 422:
        raise SystemExit(f"expected 422 for the 79-megapixel PNGs, got {status}")
    status, accepted = send([(f"photo-{n}.jpg", photo(n)) for n in range(FILES)])
    print(f"upload limits benchmark: PostgreSQL, {FILES} files in one request to add evidence")
    print(f"  {FILES} x 79-megapixel PNG ({len(bomb) // 1024} KB each): refused (422) in {refused * 1000:.0f} ms")
    print(f"  {FILES} x 2-megapixel JPEG photos (for comparison): {status} in {accepted * 1000:.0f} ms")
    connection.close()
    if refused >= 1:
        sys.exit("FAIL: the refusal took 1 s or more")


if __name__ == "__main__":
    main()
