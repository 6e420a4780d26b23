"""Benchmark: evidence on the local disk and on S3-compatible object storage (PLAINT_STORAGE=s3), through the
API. Files 20 photos (2 megapixels, each its own file and thumbnail) to a case, one per request, then
downloads each as the consumer and reads each thumbnail as the merchant, and reports the median time of a
request with each storage. The bucket is moto's server on this machine, so the figures are Plaint's own
cost of going through the storage API (a few requests per file), not a network's; a remote service adds
its round trips; the requests sent to the bucket are counted too. Target: at most 4 requests to the bucket
per photo added (for the original and the thumbnail: HEAD, PUT) and 3 per download or thumbnail (HEAD on
opening, then boto3's download: HEAD, GET).

    PLAINT_DATABASE_URL=postgres://... python -m bench.object_storage   # part of make bench; ~20 s
"""

import io
import os
import socket
import statistics
import sys
import tempfile
import time
from datetime import timedelta

from bench.common import fresh_database

DB = "plaint_bench_object_storage"
PHOTOS = 20


def photo(shade: int) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    image = Image.new("RGB", (1600, 1200), (shade, 120, 90))
    # A patch of noise: photos of close shades would otherwise compress to the same file (one address).
    image.paste(Image.frombytes("RGB", (64, 64), os.urandom(64 * 64 * 3)), (shade % 1500, 0))
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main() -> None:
    os.environ["PLAINT_MEDIA_ROOT"] = tempfile.mkdtemp(prefix="plaint-bench-storage-")
    fresh_database(DB)
    import logging

    import boto3
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection
    from django.test import Client, override_settings
    from django.utils import timezone
    from moto.server import ThreadedMotoServer

    from plaint.accounts.models import ApiToken, Role, User
    from plaint.marketplace.models import Consumer, Merchant, Order
    from plaint.storage import LOCAL_BACKEND, evidence_storage, s3_backend, storages_setting

    merchant = Merchant.objects.create(external_id="M-1", name="Bench shop", country="JP", cross_border=True)
    consumer = Consumer.objects.create(external_id="C-1", name="Bench consumer")
    for order in ("O-0", "O-1"):  # one report per storage
        Order.objects.create(
            external_id=order,
            consumer=consumer,
            merchant=merchant,
            currency="CNY",
            amount_paid=100,
            paid_at=timezone.now() - timedelta(days=3),
            delivered_at=timezone.now() - timedelta(days=1),
        )
    reporter = User.objects.create_user("bench-consumer", role=Role.CONSUMER, consumer=consumer)
    seller = User.objects.create_user("bench-merchant", role=Role.MERCHANT, merchant=merchant)
    as_consumer = Client(HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(reporter)[1]}")
    as_merchant = Client(HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(seller)[1]}")

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    keys = {"access_key": "bench", "secret_key": "bench-secret"}
    boto3.client(
        "s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="bench", aws_secret_access_key="x"
    ).create_bucket(Bucket="plaint-bench")
    setups = {
        "local disk": storages_setting({"BACKEND": LOCAL_BACKEND}),
        "S3 (moto)": storages_setting(
            s3_backend("plaint-bench", endpoint_url=endpoint, region="us-east-1", addressing_style="path", **keys)
        ),
    }
    report = {"target_type": "order", "category": "product_quality", "description": "benchmark"}
    report |= {"remedy_wanted": "refund"}
    results = {}
    sent: list[str] = []  # the requests to the bucket, by method
    try:
        for offset, (label, storages) in enumerate(setups.items()):
            with override_settings(STORAGES=storages):
                filed = as_consumer.post("/api/reports", report | {"target_id": f"O-{offset}"})
                if filed.status_code != 201:
                    raise SystemExit(f"filing failed: {filed.status_code} {filed.content[:300]!r}")
                reference = filed.json()["reference"]
                uploads, downloads, thumbnails = [], [], []
                sent.clear()
                if label != "local disk":
                    events = evidence_storage().connection.meta.client.meta.events
                    events.register("before-send.s3", lambda request, **kw: sent.append(request.method))
                for n in range(PHOTOS):
                    data = {
                        "evidence": [SimpleUploadedFile(f"p{n}.jpg", photo(offset * PHOTOS + n))],
                        "evidence_kind": ["photo_of_product"],
                    }
                    started = time.perf_counter()
                    added = as_consumer.post(f"/api/cases/{reference}/evidence", data)
                    uploads.append(time.perf_counter() - started)
                    if added.status_code != 200:
                        raise SystemExit(f"adding evidence failed: {added.status_code} {added.content[:300]!r}")
                per_upload = len(sent) / PHOTOS
                sent.clear()
                evidence = added.json()["evidence"]
                for item in evidence:
                    for client, url, times in (
                        (as_consumer, item["url"], downloads),
                        (as_merchant, item["thumbnail_url"], thumbnails),
                    ):
                        started = time.perf_counter()
                        response = client.get(url)
                        body = b"".join(response.streaming_content)
                        times.append(time.perf_counter() - started)
                        if response.status_code != 200 or not body:
                            raise SystemExit(f"{url}: {response.status_code}")
                per_download = len(sent) / (2 * len(evidence))
                results[label] = [statistics.median(t) * 1000 for t in (uploads, downloads, thumbnails)]
                results[label] += [per_upload, per_download]
    finally:
        server.stop()
        connection.close()
    print(f"object storage benchmark: PostgreSQL, {PHOTOS} photos of 2 megapixels, median ms per request")
    print(f"  {'storage':<12} {'add a photo':>12} {'download':>10} {'thumbnail':>10}   bucket requests")
    for label, (upload, download, thumbnail, per_upload, per_download) in results.items():
        counted = f"{per_upload:.1f} per photo added, {per_download:.1f} per download" if per_upload else ""
        print(f"  {label:<12} {upload:>12.1f} {download:>10.1f} {thumbnail:>10.1f}   {counted}")
    per_upload, per_download = results["S3 (moto)"][3:]
    if per_upload > 4 or per_download > 3:
        sys.exit("FAIL: more requests to the bucket than 4 per photo added or 3 per download")


if __name__ == "__main__":
    main()
