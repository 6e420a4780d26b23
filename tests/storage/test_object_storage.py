"""Evidence on S3-compatible object storage (PLAINT_STORAGE=s3), against a local server the tests start:
files filed through the API land in the bucket and nowhere on the local disk, are served after the same
access checks, their SHA-256 still holds, the dossier is built from them, held uploads and held mail wait
in the bucket for any process to take, and deleting goes through the storage."""

import hashlib
import io
import zipfile
from datetime import timedelta

import pytest
from django.core.files.storage import storages
from django.test import Client
from django.utils import timezone
from PIL import Image

from plaint.accounts.models import Role
from plaint.cases.models import Case
from plaint.dossier.verify import verify
from plaint.evidence.models import Evidence
from plaint.evidence.storage import ContentMismatch, save_verified
from plaint.inbound.actions import expire_held_mail, ingest_email
from plaint.inbound.models import HeldMail
from plaint.storage import (
    StorageConfigError,
    delete_files,
    evidence_storage,
    files_backend,
    held_storage,
)
from tests import factories as f
from tests.api_client import ApiClient
from tests.dossier.world import case_a, photo_with_location
from tests.inbound.mails import mail

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
REPORT = {
    "target_type": "order",
    "target_id": "O-S3",
    "category": "expired_goods",
    "description": "面霜到货时已过期 the cream arrived expired",
    "remedy_wanted": "refund",
}


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def body_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def folder(data: bytes) -> str:
    return f"evidence/{sha(data)[:2]}/{sha(data)}"


def has_gps(data: bytes) -> bool:
    return bool(Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825))


@pytest.fixture
def filed(bucket):
    """A report filed through the API with a phone photo (location in it), a plain photo and a PDF."""
    shop = f.merchant("M-S3")
    f.order(shop, "C-S3", external_id="O-S3", delivered_at=timezone.now() - timedelta(days=2))
    f.order(shop, "C-NOSY", external_id="O-NOSY", delivered_at=timezone.now() - timedelta(days=2))
    phone = photo_with_location("#b08968", "2026:11:20 10:15:00")
    plain = f.jpeg("#eeeeee", (320, 240), exif_time="2026:11:20 10:16:30")
    clients = {
        "consumer": ApiClient(f.token(f.consumer_user("C-S3"))),
        "merchant": ApiClient(f.token(f.user(Role.MERCHANT, merchant=shop))),
        "reviewer": ApiClient(f.token(f.user(Role.REVIEWER))),
        "other consumer": ApiClient(f.token(f.consumer_user("C-NOSY"))),
        "other merchant": ApiClient(f.token(f.user(Role.MERCHANT, merchant=f.merchant("M-ELSE")))),
    }
    response = clients["consumer"].post_form(
        "/reports",
        REPORT,
        files=[
            ("damage.jpg", phone, "photo_of_packaging"),
            ("expiry.jpg", plain, "photo_of_expiry_date"),
            ("invoice.pdf", PDF, "other"),
        ],
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["rejected_files"] == []
    urls = {e["file_name"]: e for e in body["evidence"]}
    return {"clients": clients, "case": body["reference"], "urls": urls, "phone": phone, "plain": plain}


def test_filed_evidence_is_in_the_bucket_and_not_on_the_local_disk(bucket, filed):
    phone, plain = filed["phone"], filed["plain"]
    keys = bucket.keys()
    assert {
        f"{folder(phone)}/original.jpg",
        f"{folder(phone)}/shared.jpg",  # the copy without location data
        f"{folder(phone)}/thumbnail.jpg",
        f"{folder(plain)}/original.jpg",
        f"{folder(plain)}/thumbnail.jpg",
        f"{folder(PDF)}/original.pdf",
    } == keys
    assert bucket.local_files() == []
    # The SHA-256 recorded at upload is the hash of the object kept: it can be checked at any time.
    for evidence in Evidence.objects.all():
        assert sha(bucket.read(evidence.file.name)) == evidence.sha256
    assert has_gps(bucket.read(f"{folder(phone)}/original.jpg"))
    assert not has_gps(bucket.read(f"{folder(phone)}/shared.jpg"))


def test_downloads_come_from_the_bucket_after_the_same_access_checks(bucket, filed):
    clients, urls, phone = filed["clients"], filed["urls"], filed["phone"]
    damage = urls["damage.jpg"]["url"].removeprefix("/api")
    thumbnail = urls["damage.jpg"]["thumbnail_url"].removeprefix("/api")
    pdf = urls["invoice.pdf"]["url"].removeprefix("/api")

    # The consumer's side and staff get the original, byte for byte; the merchant the copy without location.
    for reader in ("consumer", "reviewer"):
        response = clients[reader].get(damage)
        assert response.status_code == 200
        assert body_of(response) == phone
        assert response["Content-Type"] == "image/jpeg" and response["Cache-Control"] == "private"
    response = clients["merchant"].get(damage)
    assert response.status_code == 200
    copy = body_of(response)
    assert copy == bucket.read(f"{folder(phone)}/shared.jpg") and not has_gps(copy)
    response = clients["merchant"].get(thumbnail)
    assert response.status_code == 200
    shown = body_of(response)
    assert shown == bucket.read(f"{folder(phone)}/thumbnail.jpg") and max(Image.open(io.BytesIO(shown)).size) <= 320
    download = clients["reviewer"].get(pdf)
    assert body_of(download) == PDF and download["Content-Disposition"].startswith("attachment")

    # Others get what they get with files on the local disk: nothing.
    for stranger in ("other consumer", "other merchant"):
        for path in (damage, thumbnail, pdf):
            refused = clients[stranger].get(path)
            assert refused.status_code == 404, (stranger, path)
            assert phone not in body_of(refused)
    assert Client().get(f"/api{damage}").status_code == 401


def test_the_dossier_is_built_from_the_bucket_and_verifies(bucket):
    world = case_a()
    case = world["case"]
    assert bucket.keys("evidence/") and bucket.local_files() == []
    response = ApiClient(f.token(world["consumer"])).get(f"/cases/{case.reference}/dossier.zip")
    assert response.status_code == 200
    data = body_of(response)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        photos = [n for n in archive.namelist() if n.startswith("evidence/")]
        assert {sha(archive.read(n)) for n in photos} == {e.sha256 for e in case.evidence.all()}
    verdict = verify(io.BytesIO(data))
    assert verdict.intact and verdict.signature_valid
    f.order(world["shop"], "C-STRANGER")
    stranger = f.consumer_user("C-STRANGER")
    assert ApiClient(f.token(stranger)).get(f"/cases/{case.reference}/dossier.zip").status_code == 404
    assert bucket.local_files() == []


def test_held_uploads_wait_in_the_bucket_for_any_process_and_old_ones_are_swept(bucket):
    from django.core.files.uploadedfile import SimpleUploadedFile

    shop = f.merchant()
    order = f.order(shop, "C-ME")
    agent = Client()
    agent.force_login(f.user(Role.AGENT))
    # A token of a session that never came back, kept longer ago than files are held.
    bucket.put("held/1000000000.abandoned/0", b"old")
    form = {
        "target": f"order:{order.external_id}",
        "category": "expired_goods",
        "description": "面霜已过期。",
        "remedy_wanted": "refund",
        "channel": "hotline",
        "channel_reference": "",  # forgotten: the form comes back with the files kept
        "evidence_kind": ["photo_of_expiry_date"],
        "evidence": [SimpleUploadedFile("expiry.jpg", f.jpeg("white"), "image/jpeg")],
    }
    response = agent.post("/agent/consumers/C-ME/report/", form)
    assert response.status_code == 200 and not Case.objects.exists()
    token = response.context["held"]["token"]
    assert bucket.keys("held/") == {f"held/{token}/0"}  # the abandoned one is gone, this one kept
    assert bucket.read(f"held/{token}/0") == f.jpeg("white")
    assert bucket.local_files() == []
    # Another web process (a fresh storage object, as after a restart) takes them back.
    del storages._storages["held"]
    retry = {k: v for k, v in form.items() if k not in ("evidence", "evidence_kind")}
    response = agent.post(
        "/agent/consumers/C-ME/report/", retry | {"channel_reference": "CALL-1", "held": token, "keep_held": ["0"]}
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert list(case.evidence.values_list("original_name", flat=True)) == ["expiry.jpg"]
    assert bucket.keys("held/") == set()
    assert f"{folder(f.jpeg('white'))}/original.jpg" in bucket.keys("evidence/")


def test_held_files_gone_from_the_bucket_are_said_not_skipped(bucket):
    from django.core.files.uploadedfile import SimpleUploadedFile

    order = f.order(f.merchant(), "C-ME")
    agent = Client()
    agent.force_login(f.user(Role.AGENT))
    form = {
        "target": f"order:{order.external_id}",
        "category": "expired_goods",
        "description": "面霜已过期。",
        "remedy_wanted": "refund",
        "channel": "hotline",
        "channel_reference": "",
        "evidence_kind": ["photo_of_expiry_date"],
        "evidence": [SimpleUploadedFile("expiry.jpg", f.jpeg("white"), "image/jpeg")],
    }
    token = agent.post("/agent/consumers/C-ME/report/", form).context["held"]["token"]
    bucket.client.delete_object(Bucket=bucket.name, Key=f"held/{token}/0")
    retry = {k: v for k, v in form.items() if k not in ("evidence", "evidence_kind")}
    response = agent.post(
        "/agent/consumers/C-ME/report/", retry | {"channel_reference": "CALL-1", "held": token, "keep_held": ["0"]}
    )
    assert response.status_code == 200
    assert "上次保留的文件已超过保留时间" in response.content.decode()
    assert not Case.objects.exists()


def test_unconfirmed_inbound_mail_waits_in_the_bucket_and_goes_when_it_expires(
    bucket, settings, django_capture_on_commit_callbacks
):
    shop = f.merchant("M-A", contact_email="shop@example.cn")
    f.order(shop, "C3", external_id="O-3003", delivered_at=timezone.now() - timedelta(days=3), email_verified=False)
    now = timezone.now()
    raw = mail("c3@example.cn", "report@plaint.example", "[expired_goods] O-3003", "过期了")
    assert ingest_email(raw, now=now).outcome == "held"
    stored = HeldMail.objects.get()
    assert bucket.keys("inbound/held/") == {stored.raw.name} and bucket.read(stored.raw.name) == raw
    assert bucket.local_files() == []
    with django_capture_on_commit_callbacks(execute=True):
        assert expire_held_mail(now + timedelta(hours=settings.PLAINT_INBOUND_HOLD_HOURS)) == 1
    assert bucket.keys("inbound/held/") == set()


def test_a_short_object_at_the_address_is_replaced_and_changed_content_is_not_stored(bucket, filed):
    plain = filed["plain"]
    name = f"{folder(plain)}/original.jpg"
    bucket.put(name, plain[: len(plain) // 2])  # a short object, as a failing copy would leave
    assert save_verified(name, io.BytesIO(plain), len(plain), sha(plain)) == name
    assert bucket.read(name) == plain
    other = f"{folder(PDF)}/again.pdf"
    with pytest.raises(ContentMismatch):
        save_verified(other, io.BytesIO(PDF + b"changed"), len(PDF), sha(PDF))
    assert other not in bucket.keys()


def test_deleting_evidence_files_goes_through_the_storage(bucket, filed):
    evidence = Evidence.objects.get(original_name="damage.jpg")
    names = [evidence.file.name, evidence.shared_file.name, evidence.thumbnail.name, evidence.view_file.name]
    assert delete_files(evidence_storage(), names) == 3  # no view.jpg for a JPEG: skipped
    assert not bucket.keys(folder(filed["phone"]))
    assert delete_files(evidence_storage(), names) == 0  # already gone: nothing to do, no error
    assert bucket.keys(folder(filed["plain"]))  # the other files stay


def test_the_storage_settings_come_from_the_environment():
    assert files_backend({})["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    s3 = files_backend(
        {"PLAINT_STORAGE": "s3", "PLAINT_S3_BUCKET": "evidence", "PLAINT_S3_ENDPOINT_URL": "https://s3.example.cn"}
    )
    assert s3["BACKEND"] == "storages.backends.s3.S3Storage"
    assert s3["OPTIONS"]["bucket_name"] == "evidence" and s3["OPTIONS"]["endpoint_url"] == "https://s3.example.cn"
    assert s3["OPTIONS"]["default_acl"] is None
    with pytest.raises(StorageConfigError, match="PLAINT_S3_BUCKET"):
        files_backend({"PLAINT_STORAGE": "s3"})
    with pytest.raises(StorageConfigError, match="'ftp' is not known"):
        files_backend({"PLAINT_STORAGE": "ftp"})


def test_the_local_disk_stays_the_default(media_root):
    assert evidence_storage().path("evidence/x") == str(media_root / "evidence" / "x")
    assert held_storage().path("held/t/0") == str(media_root / "held" / "t" / "0")
