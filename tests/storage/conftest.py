"""Object storage for the tests: a local S3-compatible server (moto's server mode), started once per test run,
and a fresh bucket per test that Plaint's storages use instead of the local disk."""

import logging
import socket
import uuid
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest

from plaint.storage import s3_backend, storages_setting

REGION = "us-east-1"
KEYS = {"aws_access_key_id": "plaint-test", "aws_secret_access_key": "plaint-test-secret"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def s3_server():
    """The URL of a running S3-compatible server on a free local port, stopped after the run."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@dataclass
class Bucket:
    name: str
    client: object
    media_root: Path

    def keys(self, prefix: str = "") -> set[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.name, Prefix=prefix)
        return {item["Key"] for page in pages for item in page.get("Contents", [])}

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()

    def put(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.name, Key=key, Body=data)

    def local_files(self) -> list[Path]:
        """Files Plaint wrote to the local disk (MEDIA_ROOT): none while it keeps files in the bucket."""
        return [p for p in self.media_root.rglob("*") if p.is_file()] if self.media_root.exists() else []


@pytest.fixture
def bucket(s3_server, settings, media_root) -> Bucket:
    """A new, empty bucket that keeps this test's evidence and held files (PLAINT_STORAGE=s3)."""
    name = f"plaint-{uuid.uuid4().hex[:20]}"
    client = boto3.client("s3", endpoint_url=s3_server, region_name=REGION, **KEYS)
    client.create_bucket(Bucket=name)
    settings.STORAGES = storages_setting(
        s3_backend(
            name,
            endpoint_url=s3_server,
            region=REGION,
            access_key=KEYS["aws_access_key_id"],
            secret_key=KEYS["aws_secret_access_key"],
            addressing_style="path",
        )
    )
    return Bucket(name, client, Path(media_root))
