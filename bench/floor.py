"""The floor for `bench.intake`: the least a Django + django-ninja app can do to take a report.

One POST /api/reports with the same multipart body Plaint takes: the bearer token is checked with
one SELECT on a token table (its SHA-256, as Plaint stores it), the photo is written to disk, and the
report is one INSERT. Nothing else: no admissibility, no case, no clocks, no notifications. Served by
the same gunicorn, with the same workers, the same PostgreSQL and the same connection settings as
Plaint, and loaded by the same wrk script, so Plaint's intake can be given as a ratio of it.

    gunicorn bench.floor:application   # FLOOR_DATABASE_URL, FLOOR_MEDIA_ROOT; tables: bench/floor_tables.py
"""

import hashlib
import os
import uuid
from pathlib import Path

import dj_database_url
import django
from django.conf import settings

if not settings.configured:
    database = dj_database_url.parse(os.environ["FLOOR_DATABASE_URL"], conn_max_age=600)
    # The same connection options as Plaint's settings give PostgreSQL (prepared statements).
    database["OPTIONS"] = {"server_side_binding": True, "prepare_threshold": 5}
    settings.configure(
        DEBUG=False,
        SECRET_KEY="floor-bench-only",
        ALLOWED_HOSTS=["*"],
        ROOT_URLCONF=__name__,
        INSTALLED_APPS=[],
        MIDDLEWARE=[],
        DATABASES={"default": database},
        USE_TZ=True,
        DATA_UPLOAD_MAX_MEMORY_SIZE=10 * 1024 * 1024,
        LOGGING_CONFIG=None,
    )
    django.setup()

from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import HttpRequest  # noqa: E402
from django.urls import path  # noqa: E402
from ninja import File, Form, NinjaAPI, Schema  # noqa: E402
from ninja.files import UploadedFile  # noqa: E402
from ninja.security import HttpBearer  # noqa: E402

MEDIA = Path(os.environ.get("FLOOR_MEDIA_ROOT", "/tmp/plaint-floor-media"))


class Token(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> str | None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT consumer FROM floor_token WHERE key_hash = %s", [hashlib.sha256(token.encode()).hexdigest()]
            )
            row = cursor.fetchone()
        return row[0] if row else None


class ReportIn(Schema):
    target_type: str
    target_id: str
    category: str
    description: str
    remedy_wanted: str
    evidence_kind: str


api = NinjaAPI(auth=Token(), urls_namespace="floor")


@api.post("/reports", response={201: dict})
def file_report(request: HttpRequest, data: Form[ReportIn], evidence: File[UploadedFile]) -> tuple[int, dict]:
    content = evidence.read()
    name = uuid.uuid4().hex + ".jpg"
    (MEDIA / name).write_bytes(content)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO floor_report (consumer, target_type, target_id, category, description, remedy_wanted, "
            "evidence_kind, photo, photo_sha256) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
            [
                request.auth,
                data.target_type,
                data.target_id,
                data.category,
                data.description,
                data.remedy_wanted,
                data.evidence_kind,
                name,
                hashlib.sha256(content).hexdigest(),
            ],
        )
        report_id = cursor.fetchone()[0]
    return 201, {"id": report_id, "photo": name}


urlpatterns = [path("api/", api.urls)]
MEDIA.mkdir(parents=True, exist_ok=True)
application = WSGIHandler()
