"""No input crashes the server: NUL characters, out-of-range times and integers, over-long e-mails,
and the errors Django and ninja raise themselves all answer with Plaint's error body (pages: a page)."""

import io
import json
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from plaint.accounts.models import Role
from plaint.api.urls import api
from plaint.cases.models import Case
from plaint.marketplace.models import Merchant, Order
from tests import factories as f
from tests.api_client import ApiClient

pytestmark = pytest.mark.django_db

HUGE = str(2**70)


@pytest.fixture
def world():
    shop = f.merchant("M-H")
    f.order(shop, "C1", external_id="O-H1", delivered_at=timezone.now() - timedelta(days=2))
    consumer = f.consumer_user("C1")
    filed = ApiClient(f.token(consumer)).post_form(
        "/reports",
        {
            "target_type": "order",
            "target_id": "O-H1",
            "category": "not_as_described",
            "description": "页面写无添加，实物配料表含香精",
        },
        files=[("label.jpg", f.jpeg(), "photo_of_product")],
    )
    assert filed.status_code == 201, filed.content
    return {
        "shop": shop,
        "consumer": consumer,
        "reference": filed.json()["reference"],
        "api": ApiClient(f.token(consumer)),
        "marketplace": ApiClient(f.token(f.user(Role.MARKETPLACE))),
        "supervisor": ApiClient(f.token(f.user(Role.SUPERVISOR))),
    }


def refused(response, status: int, code: str, field: str | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == code, body
    assert body["message"]
    if field is not None:
        assert body["field"] == field, body
    return body


def order_body(**changes) -> dict:
    body = {
        "id": "O-NEW",
        "consumer": {"id": "C9", "name": "王芳", "email": "c9@example.cn"},
        "merchant_id": "M-H",
        "amount_paid": "99.00",
        "paid_at": "2026-01-02T10:00:00+08:00",
        "items": [{"title": "面霜", "unit_price": "99.00"}],
    }
    return body | changes


# --- NUL characters ----------------------------------------------------------------------------


def test_nul_in_an_api_query_string_is_422_naming_the_parameter(world):
    body = refused(world["api"].get("/cases", state="awaiting\x00review"), 422, "nul_character", "state")
    assert body["hint"]


def test_nul_in_an_api_path_is_422(world):
    refused(world["api"].get(f"/cases/{world['reference']}%00"), 422, "nul_character", "path")


def test_nul_in_a_json_field_is_422_naming_the_field(world):
    ref = world["reference"]
    refused(world["api"].post_json(f"/cases/{ref}/withdraw", {"reason": "不要了\x00"}), 422, "nul_character", "reason")
    assert world["api"].get(f"/cases/{ref}").json()["state"] != "withdrawn"


def test_nul_in_a_multipart_form_field_is_422_and_files_nothing(world):
    before = Case.objects.count()
    response = world["api"].post_form(
        "/reports",
        {
            "target_type": "merchant",
            "target_id": "M-H",
            "category": "service_attitude",
            "description": "态度\x00差",
            "remedy_wanted": "compensation",
        },
    )
    refused(response, 422, "nul_character", "description")
    assert Case.objects.count() == before


def test_nul_in_marketplace_data_is_422_naming_the_nested_field(world):
    body = order_body(consumer={"id": "C9", "name": "王\x00芳"})
    refused(world["marketplace"].post_json("/marketplace/orders", body), 422, "nul_character", "consumer.name")
    listing = {"id": "L-N", "merchant_id": "M-H", "title": "面霜", "declared": {"成分": ["水", "香\x00精"]}}
    refused(world["marketplace"].post_json("/marketplace/listings", listing), 422, "nul_character", "declared.成分.1")
    assert not Order.objects.filter(external_id="O-NEW").exists()


def test_import_marketplace_reports_a_nul_line_and_imports_the_others(tmp_path):
    path = tmp_path / "push.jsonl"
    lines = [
        {"type": "merchant", "id": "M-OK", "name": "Seoul Beauty", "country": "KR"},
        {"type": "merchant", "id": "M-BAD", "name": "Bad\x00Shop", "country": "KR"},
    ]
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_marketplace", str(path), stdout=io.StringIO(), stderr=err)
    assert "line 2: name: " in err.getvalue() and "NUL" in err.getvalue()
    assert Merchant.objects.filter(external_id="M-OK").exists()
    assert not Merchant.objects.filter(external_id="M-BAD").exists()


@pytest.mark.parametrize(("language", "words"), [("en", "NUL character"), ("zh-hans", "空字符")])
def test_nul_in_a_page_query_is_a_422_page_in_the_readers_language(world, language, words):
    user = world["consumer"]
    user.language = language
    user.save(update_fields=["language"])
    client = Client()
    client.force_login(user)
    response = client.get("/consumer/", {"page": "1\x00"})
    assert response.status_code == 422
    html = response.content.decode()
    assert words in html and "page" in html


def test_nul_in_a_page_form_is_a_422_page(world):
    client = Client()
    client.force_login(world["consumer"])
    response = client.post(f"/consumer/cases/{world['reference']}/withdraw/", {"reason": "不要\x00了"})
    assert response.status_code == 422
    assert "reason" in response.content.decode()


# --- times, integers, e-mail lengths ---------------------------------------------------------------


@pytest.mark.parametrize("paid_at", ["1970-01-01T00:00:00Z", "2100-01-01T00:00:00Z", "9999-12-31T23:59:59-23:59"])
def test_marketplace_times_outside_2000_to_2100_are_422(world, paid_at):
    response = world["marketplace"].post_json("/marketplace/orders", order_body(paid_at=paid_at))
    refused(response, 422, "invalid_input", "paid_at")


def test_a_listing_expiry_outside_the_range_is_422(world):
    listing = {"id": "L-E", "merchant_id": "M-H", "title": "面霜", "expiry_date": "9999-12-31"}
    refused(world["marketplace"].post_json("/marketplace/listings", listing), 422, "invalid_input", "expiry_date")


def test_a_huge_quantity_is_422_not_a_database_error(world):
    body = order_body(items=[{"title": "面霜", "unit_price": "1.00", "quantity": 2**40}])
    refused(world["marketplace"].post_json("/marketplace/orders", body), 422, "invalid_input", "items.0.quantity")


def test_an_email_longer_than_254_characters_is_422(world):
    body = order_body(consumer={"id": "C9", "name": "王芳", "email": "a" * 250 + "@example.cn"})
    refused(world["marketplace"].post_json("/marketplace/orders", body), 422, "invalid_input", "consumer.email")


@pytest.mark.parametrize("page", [HUGE, "-1", "0"])
def test_page_numbers_out_of_range_are_422(world, page):
    refused(world["api"].get("/cases", page=page), 422, "invalid_input", "page")
    refused(world["api"].get("/notifications", page=page), 422, "invalid_input", "page")


def test_huge_ids_in_api_paths_are_422(world):
    refused(world["api"].post_json(f"/notifications/{HUGE}/read", {}), 422, "invalid_input", "notification_id")
    response = world["supervisor"].post_json(f"/appeals/{HUGE}/decision", {"overturn": False, "reasons": "x"})
    refused(response, 422, "invalid_input", "appeal_id")
    refused(world["api"].get(f"/cases/{world['reference']}/evidence/{HUGE}/file"), 422, "invalid_input", "evidence_id")


def test_huge_numbers_in_page_addresses_and_queries_do_not_crash(world):
    client = Client()
    client.force_login(world["consumer"])
    assert client.get("/consumer/", {"page": HUGE}).status_code == 200
    assert client.post(f"/notifications/{HUGE}/read/").status_code == 404
    reviewer = Client()
    reviewer.force_login(f.user(Role.REVIEWER))
    assert reviewer.get("/review/", {"merchant": HUGE, "priority": "-" + HUGE, "page": HUGE}).status_code == 200
    merchant = Client()
    merchant.force_login(f.user(Role.MERCHANT, merchant=world["shop"]))
    assert merchant.post(f"/merchant/cases/{world['reference']}/rectifications/{HUGE}/proof/").status_code == 404
    supervisor = Client()
    supervisor.force_login(f.user(Role.SUPERVISOR))
    assert supervisor.post(f"/review/appeals/{HUGE}/decision/", {"overturn": "1"}).status_code == 404


# --- Django's and ninja's own errors -----------------------------------------------------------------


def test_an_unknown_api_address_is_404_with_the_error_body(world):
    body = refused(world["api"].get("/no-such-thing"), 404, "not_found")
    assert body["hint"]


def test_a_wrong_method_is_405_with_the_error_body_and_allow(world):
    response = world["api"].get("/reports")
    refused(response, 405, "method_not_allowed")
    assert "POST" in response["Allow"]


def test_malformed_json_is_422(world):
    response = world["api"].client.post(
        f"/api/cases/{world['reference']}/withdraw",
        "{not json",
        content_type="application/json",
        headers=world["api"].headers,
    )
    refused(response, 422, "malformed_body", "body")


def test_a_malformed_multipart_body_is_422(world):
    response = world["api"].client.post(
        "/api/reports",
        b'--xyz\r\nContent-Disposition: form-data; name="a"\r\n\r\n',
        content_type="multipart/form-data; boundary=",
        headers=world["api"].headers,
    )
    refused(response, 422, "malformed_body")


def test_an_anonymous_api_call_is_401_not_a_csrf_refusal():
    client = Client(enforce_csrf_checks=True)
    refused(client.post("/api/cases/PL-XXXX-XXXX/nudge"), 401, "unauthenticated")
    refused(client.get("/api/cases"), 401, "unauthenticated")


def test_a_signed_in_page_script_still_needs_its_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world["consumer"])
    refused(client.post("/api/notifications/1/read"), 403, "csrf_failed")
    client.get("/consumer/")  # sets the CSRF cookie, as the page does for its scripts
    token = client.cookies["csrftoken"].value
    response = client.get("/api/cases", headers={"X-CSRFToken": token})
    assert response.status_code == 200
    missing = client.post("/api/notifications/999/read", headers={"X-CSRFToken": token})
    refused(missing, 404, "notification_not_found")


# --- the OpenAPI document -------------------------------------------------------------------------------


def test_the_document_declares_every_error_status_with_the_error_schema():
    document = api.get_openapi_schema()
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            declared = {str(status): value for status, value in operation["responses"].items()}
            assert {"200", "201"} & declared.keys(), (method, path)
            for status in ("400", "401", "403", "404", "409", "422", "429"):
                schema = declared[status]["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Error"}, (method, path, status)


def test_the_document_lists_the_real_enumerations():
    schemas = api.get_openapi_schema()["components"]["schemas"]

    def enum_of(schema: dict) -> list:
        if "$ref" in schema:
            return enum_of(schemas[schema["$ref"].rsplit("/", 1)[1]])
        if "anyOf" in schema:
            return [v for option in schema["anyOf"] for v in enum_of(option)]
        return schema.get("enum", [])

    case = schemas["CaseOut"]["properties"]
    assert set(enum_of(case["state"])) >= {"new", "awaiting_merchant", "awaiting_review", "decided", "withdrawn"}
    assert {"not_as_described", "counterfeit", "expired_goods"} <= set(enum_of(case["category"]))
    assert set(enum_of(case["channel"])) == {
        "web",
        "app",
        "api",
        "hotline",
        "online_chat",
        "email",
        "trusted_flagger",
        "own_initiative",
    }
    decision = schemas["DecisionIn"]["properties"]
    assert set(enum_of(decision["outcome"])) == {"upheld", "partly_upheld", "not_upheld"}
    assert "violation_established" in enum_of(decision["reason_codes"]["items"])
    assert "refund" in enum_of(decision["remedy"])
    assert "photo_of_product" in enum_of(schemas["EvidenceRequestIn"]["properties"]["kinds"]["items"])
    assert set(enum_of(schemas["AppealOut"]["properties"]["state"])) == {"pending", "overturned", "rejected"}
