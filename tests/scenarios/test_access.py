"""Each role reaches only what it must: every cross-access attempt is refused without leaking."""

import io
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from PIL import Image

from plaint.accounts.models import Role
from tests import factories as f
from tests.api_client import ApiClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    shop = f.merchant("M-A", name="Shop A")
    other = f.merchant("M-B", name="Shop B")
    f.order(shop, "C1", external_id="O-C1", delivered_at=timezone.now() - timedelta(days=2))
    f.order(shop, "C2", external_id="O-C2", delivered_at=timezone.now() - timedelta(days=2))
    roles = {
        "c1": f.consumer_user("C1"),
        "c2": f.consumer_user("C2"),
        "merchant_a": f.user(Role.MERCHANT, merchant=shop),
        "merchant_b": f.user(Role.MERCHANT, merchant=other),
        "reviewer": f.user(Role.REVIEWER),
        "supervisor": f.user(Role.SUPERVISOR),
        "agent": f.user(Role.AGENT),
        "admin": f.user(Role.ADMIN),
        "marketplace": f.user(Role.MARKETPLACE),
    }
    api = {name: ApiClient(f.token(u)) for name, u in roles.items()}
    ref = (
        api["c1"]
        .post_form(
            "/reports",
            {
                "target_type": "order",
                "target_id": "O-C1",
                "category": "product_quality",
                "description": "质量问题 quality problem",
                "remedy_wanted": "refund",
            },
            files=[("p.jpg", f.jpeg(), "photo_of_product")],
        )
        .json()["reference"]
    )
    return api, ref


def test_other_consumer_cannot_see_or_touch_the_case(world):
    api, ref = world
    assert api["c2"].get(f"/cases/{ref}").status_code == 404
    assert api["c2"].get(f"/cases/{ref}/timeline").status_code == 404
    assert api["c2"].post_json(f"/cases/{ref}/withdraw", {"reason": "x"}).status_code == 404
    assert api["c2"].post_form(f"/cases/{ref}/evidence", {}, [("p.jpg", f.jpeg(), "other")]).status_code == 404
    assert api["c2"].get("/cases").json()["count"] == 0
    assert api["c1"].get("/cases").json()["count"] == 1


def test_consumer_cannot_report_about_another_consumers_order(world):
    api, _ = world
    response = api["c2"].post_form(
        "/reports", {"target_type": "order", "target_id": "O-C1", "category": "product_quality", "description": "x"}
    )
    assert response.status_code == 422
    assert response.json()["code"] == "unknown_order"
    assert response.json()["field"] == "target_id"


def test_other_merchant_cannot_see_or_answer(world):
    api, ref = world
    assert api["merchant_b"].get(f"/cases/{ref}").status_code == 404
    answer = api["merchant_b"].post_form(f"/cases/{ref}/response", {"kind": "accept", "explanation": "ok"})
    assert answer.status_code == 404
    assert api["merchant_b"].get("/cases").json()["count"] == 0
    assert api["merchant_a"].get("/cases").json()["count"] == 1


def test_parties_cannot_work_the_review_queue(world):
    api, ref = world
    for name in ("c1", "merchant_a", "agent", "admin", "marketplace"):
        assert api[name].get("/review/queue").status_code == 403, name
        assert api[name].post_json(f"/review/cases/{ref}/claim", {}).status_code == 403, name


def test_staff_cannot_answer_for_the_merchant_and_merchant_cannot_file(world):
    api, ref = world
    assert (
        api["reviewer"].post_form(f"/cases/{ref}/response", {"kind": "accept", "explanation": "x"}).status_code == 403
    )
    filed = api["merchant_a"].post_form(
        "/reports", {"target_type": "merchant", "target_id": "M-B", "category": "counterfeit", "description": "x"}
    )
    assert filed.status_code == 403


def test_only_the_marketplace_pushes_marketplace_data(world):
    api, _ = world
    body = {"id": "M-NEW", "name": "New", "country": "DE"}
    for name in ("c1", "merchant_a", "reviewer", "agent"):
        assert api[name].post_json("/marketplace/merchants", body).status_code == 403, name
    assert api["marketplace"].post_json("/marketplace/merchants", body).status_code == 201


def test_merchant_cannot_withdraw_and_consumer_cannot_decide(world):
    api, ref = world
    assert api["merchant_a"].post_json(f"/cases/{ref}/withdraw", {"reason": "x"}).status_code == 403
    assert (
        api["c1"]
        .post_json(
            f"/review/cases/{ref}/decision",
            {"outcome": "upheld", "reason_codes": ["violation_established"], "statement": "x" * 30},
        )
        .status_code
        == 403
    )


def test_no_token_or_a_bad_token_is_401():
    assert Client().get("/api/cases").status_code == 401
    assert ApiClient("plt_not-a-token").get("/cases").status_code == 401


def test_a_claimed_case_is_nobody_elses(world):
    api, ref = world
    api["merchant_a"].post_form(f"/cases/{ref}/response", {"kind": "contest", "explanation": "not true"})
    assert api["reviewer"].post_json(f"/review/cases/{ref}/claim", {}).status_code == 200
    taken = api["supervisor"].post_json(f"/review/cases/{ref}/claim", {})
    assert taken.status_code == 409
    assert taken.json()["code"] == "claimed_by_other"
    decide = api["supervisor"].post_json(
        f"/review/cases/{ref}/decision",
        {"outcome": "upheld", "reason_codes": ["violation_established"], "statement": "y" * 30},
    )
    assert decide.status_code == 409
    assert api["supervisor"].post_json(f"/review/cases/{ref}/release", {}).status_code == 200
    assert api["supervisor"].post_json(f"/review/cases/{ref}/claim", {}).status_code == 200

    # Who holds the claim is the platform's business, not the parties'.
    def claimed_by(name):
        return [c["claimed_by"] for c in api[name].get("/cases").json()["results"] if c["reference"] == ref]

    assert claimed_by("c1") == [None] and claimed_by("merchant_a") == [None]
    assert claimed_by("reviewer") != [None]


def _gps_jpeg() -> bytes:
    image = Image.new("RGB", (40, 30), "blue")
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = "2026:11:20 09:00:00"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (31.0, 14.0, 0.0), "E", (121.0, 28.0, 0.0)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def test_merchant_downloads_photos_without_location_and_reporter_gets_the_original(world):
    api, _ = world
    ref = (
        api["c1"]
        .post_form(
            "/reports",
            {
                "target_type": "order",
                "target_id": "O-C1",
                "category": "counterfeit",
                "description": "疑似假货",
                "remedy_wanted": "refund",
            },
            files=[("gps.jpg", _gps_jpeg(), "photo_of_product")],
        )
        .json()["reference"]
    )
    case = api["merchant_a"].get(f"/cases/{ref}").json()
    url = case["evidence"][0]["url"].removeprefix("/api")
    merchant_copy = b"".join(api["merchant_a"].get(url).streaming_content)
    original = b"".join(api["c1"].get(url).streaming_content)
    assert Image.open(io.BytesIO(merchant_copy)).getexif().get_ifd(0x8825) == {}
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825) != {}
    # The marketplace's system client reads cases, but not where the reporter took the photo.
    marketplace_copy = b"".join(api["marketplace"].get(url).streaming_content)
    assert Image.open(io.BytesIO(marketplace_copy)).getexif().get_ifd(0x8825) == {}
    assert api["merchant_b"].get(url).status_code == 404
