"""Bad input gets a specific error (field, reason, what to do), and nothing already accepted is lost."""

from datetime import timedelta

import pytest
from django.utils import timezone

from plaint.accounts.models import Role
from plaint.cases.models import Case
from tests import factories as f
from tests.api_client import ApiClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    shop = f.merchant("M-A")
    f.order(shop, "C1", external_id="O-1", delivered_at=timezone.now() - timedelta(days=1))
    return ApiClient(f.token(f.consumer_user("C1")))


REPORT = {
    "target_type": "order",
    "target_id": "O-1",
    "category": "product_quality",
    "description": "质量问题",
    "remedy_wanted": "refund",
}


def test_unknown_category_names_the_field_and_the_choices(api):
    response = api.post_form("/reports", REPORT | {"category": "bad_vibes"})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "unknown_category" and body["field"] == "category"
    assert "counterfeit" in body["hint"]


def test_missing_field_is_named(api):
    response = api.post_form("/reports", {k: v for k, v in REPORT.items() if k != "description"})
    assert response.status_code == 422
    assert response.json()["field"] == "description"


def test_remedy_not_offered_for_the_category(api):
    response = api.post_form("/reports", REPORT | {"remedy_wanted": "compensation"})
    assert response.status_code == 422
    assert response.json()["field"] == "remedy_wanted"
    assert "replacement" in response.json()["hint"]


def test_description_over_the_rulebook_limit(api):
    response = api.post_form("/reports", REPORT | {"description": "长" * 8001})
    assert response.status_code == 422
    assert response.json()["code"] == "description_too_long"


def test_a_rejected_file_does_not_lose_the_report_or_the_good_file(api):
    response = api.post_form(
        "/reports",
        REPORT,
        files=[
            ("photo.jpg", f.jpeg(), "photo_of_product"),
            ("virus.jpg", b"MZ\x90\x00 not an image", "photo_of_product"),
        ],
    )
    assert response.status_code == 201
    body = response.json()
    assert body["state"] == "awaiting_merchant"
    assert len(body["evidence"]) == 1
    [rejected] = body["rejected_files"]
    assert rejected["file"] == "virus.jpg" and rejected["code"] == "unsupported_type"
    assert Case.objects.count() == 1


def test_a_file_without_its_kind_is_an_error(api):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = api.client.post(
        "/api/reports",
        REPORT
        | {
            "evidence": [SimpleUploadedFile("a.jpg", f.jpeg()), SimpleUploadedFile("b.jpg", f.jpeg())],
            "evidence_kind": ["photo_of_product", "other", "other"],
        },
        headers=api.headers,
    )
    assert response.status_code == 422
    assert response.json()["field"] == "evidence_kind"
    assert Case.objects.count() == 0


def test_a_kind_without_any_file_is_an_error_not_a_crash(api):
    response = api.client.post("/api/reports", REPORT | {"evidence_kind": "photo_of_product"}, headers=api.headers)
    assert response.status_code == 422
    assert response.json()["field"] == "evidence_kind"
    assert "0 file(s)" in response.json()["message"]
    assert Case.objects.count() == 0


def test_agent_must_name_the_consumer_and_a_phone_channel():
    shop = f.merchant("M-A")
    f.order(shop, "C1", external_id="O-1")
    agent = ApiClient(f.token(f.user(Role.AGENT)))
    response = agent.post_form("/reports", REPORT)
    assert response.status_code == 422 and response.json()["field"] == "consumer_id"
    response = agent.post_form("/reports", REPORT | {"consumer_id": "C1", "channel": "web"})
    assert response.status_code == 422 and response.json()["field"] == "channel"
    response = agent.post_form(
        "/reports", REPORT | {"consumer_id": "C1", "channel": "hotline", "channel_reference": "CALL-20261124-0042"}
    )
    assert response.status_code == 201
    assert response.json()["channel"] == "hotline"
    case = agent.get(response.json()["url"].removeprefix("/api")).json()
    assert case["report"]["channel_reference"] == "CALL-20261124-0042"
    assert case["timeline"][0]["data"]["channel"] == "hotline"


def test_an_idempotency_key_sent_with_another_request_is_refused_naming_the_first_case(api):
    photo = ("p.jpg", f.jpeg(), "photo_of_product")
    first = api.post_form("/reports", REPORT, files=[photo], **{"Idempotency-Key": "k-1"})
    assert first.status_code == 201
    reference = first.json()["reference"]
    # The very same request again is a retry: the first case, nothing new.
    retry = api.post_form("/reports", REPORT, files=[photo], **{"Idempotency-Key": "k-1"})
    assert (retry.status_code, retry.json()["reference"]) == (200, reference)
    # Another description, or another file, under the same key is another request: refused, not swallowed.
    for fields, files in (
        (REPORT | {"description": "另一个问题", "category": "not_as_described"}, [photo]),
        (REPORT, [("p.jpg", f.jpeg(color="blue"), "photo_of_product")]),
    ):
        reused = api.post_form("/reports", fields, files=files, **{"Idempotency-Key": "k-1"})
        assert reused.status_code == 422
        body = reused.json()
        assert (body["code"], body["field"], body["details"]) == (
            "idempotency_key_reused",
            "Idempotency-Key",
            {"case": reference},
        )
        assert reference in body["message"]
    assert Case.objects.count() == 1


def test_a_retry_of_a_large_upload_streamed_to_disk_is_the_same_request(api, settings):
    # Files above FILE_UPLOAD_MAX_MEMORY_SIZE reach the action as temporary files, not bytes.
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024
    photo = ("big.jpg", f.jpeg(size=(400, 300)), "photo_of_product")
    first = api.post_form("/reports", REPORT, files=[photo], **{"Idempotency-Key": "big-1"})
    retry = api.post_form("/reports", REPORT, files=[photo], **{"Idempotency-Key": "big-1"})
    assert (first.status_code, retry.status_code) == (201, 200)
    assert retry.json()["reference"] == first.json()["reference"]
    assert len(retry.json()["evidence"]) == 1
