"""The marketplace pushes its data by API and JSON Lines; both create or update by the marketplace's IDs."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from plaint.accounts.models import Role
from plaint.marketplace.models import Consumer, Listing, Merchant, Order
from tests import factories as f
from tests.api_client import ApiClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return ApiClient(f.token(f.user(Role.MARKETPLACE)))


ORDER = {
    "id": "O-77",
    "consumer": {"id": "C-77", "name": "张伟", "phone": "13900000077"},
    "merchant_id": "M-1",
    "amount_paid": "299.00",
    "tariff_paid": "27.51",
    "paid_at": "2026-11-01T10:00:00+08:00",
    "shipped_at": "2026-11-02T09:00:00+08:00",
    "delivered_at": "2026-11-09T16:30:00+08:00",
    "items": [{"listing_id": "L-1", "title": "奶粉 900g", "quantity": 1, "unit_price": "299.00"}],
}


def push_basics(api):
    assert (
        api.post_json("/marketplace/merchants", {"id": "M-1", "name": "Aus Dairy", "country": "au"}).status_code == 201
    )
    listing = {
        "id": "L-1",
        "merchant_id": "M-1",
        "title": "奶粉 900g",
        "origin_country": "AU",
        "customs_declaration_no": "2233",
        "batch": "A7",
        "expiry_date": "2027-06-01",
    }
    assert api.post_json("/marketplace/listings", listing).status_code == 201


def test_push_creates_then_updates_by_id(api):
    push_basics(api)
    assert Merchant.objects.get(external_id="M-1").country == "AU"
    again = api.post_json(
        "/marketplace/merchants", {"id": "M-1", "name": "Aus Dairy Global", "country": "AU", "status": "suspended"}
    )
    assert again.status_code == 200 and again.json() == {"id": "M-1", "created": False}
    merchant = Merchant.objects.get(external_id="M-1")
    assert (merchant.name, merchant.status) == ("Aus Dairy Global", "suspended")
    assert Merchant.objects.count() == 1
    assert api.post_json("/marketplace/orders", ORDER).status_code == 201
    assert api.post_json("/marketplace/orders", ORDER | {"tariff_paid": "0"}).status_code == 200
    order = Order.objects.get(external_id="O-77")
    assert str(order.tariff_paid) == "0.00"
    assert order.items.count() == 1 and order.consumer.name == "张伟"
    assert Listing.objects.get(external_id="L-1").expiry_date.isoformat() == "2027-06-01"


def test_an_order_of_an_unknown_merchant_names_the_field(api):
    response = api.post_json("/marketplace/orders", ORDER)
    assert response.status_code == 422
    assert response.json()["field"] == "merchant_id"
    assert "Push the merchant first" in response.json()["hint"]


def test_the_marketplace_says_whether_a_consumers_email_is_verified(api):
    push_basics(api)
    verified = ORDER | {"consumer": ORDER["consumer"] | {"email": "zw@example.cn", "email_verified": True}}
    assert api.post_json("/marketplace/orders", verified).status_code == 201
    assert Consumer.objects.get(external_id="C-77").email_verified is True
    # Unsaid means not verified (a changed address, say): reports mailed from it are held for confirmation.
    changed = ORDER | {"consumer": ORDER["consumer"] | {"email": "zhang.wei@example.cn"}}
    assert api.post_json("/marketplace/orders", changed).status_code == 200
    assert Consumer.objects.get(external_id="C-77").email_verified is False
    wrong = ORDER | {"consumer": ORDER["consumer"] | {"email_verified": "perhaps"}}
    refused = api.post_json("/marketplace/orders", wrong)
    assert refused.status_code == 422 and "email_verified" in json.dumps(refused.json())


def test_invalid_fields_are_named(api):
    push_basics(api)
    response = api.post_json("/marketplace/orders", ORDER | {"delivered_at": "2026-10-01T00:00:00+08:00"})
    assert response.status_code == 422
    assert "delivered_at is before" in response.json()["message"]
    response = api.post_json("/marketplace/merchants", {"id": "M-2", "name": "X", "country": "Japan"})
    assert response.status_code == 422 and response.json()["field"] == "country"
    item = ORDER["items"][0] | {"listing_id": "L-404"}
    response = api.post_json("/marketplace/orders", ORDER | {"items": [item]})
    assert response.status_code == 422 and response.json()["field"] == "items[0].listing_id"


def test_json_lines_import_keeps_good_lines_and_names_bad_ones(tmp_path):
    lines = [
        {"type": "merchant", "id": "M-1", "name": "Aus Dairy", "country": "AU"},
        {"type": "listing", "id": "L-1", "merchant_id": "M-1", "title": "奶粉"},
        {"type": "order", **ORDER},
        {"type": "order", **ORDER, "id": "O-78", "merchant_id": "M-404"},
        {"type": "coupon", "id": "X"},
    ]
    path = tmp_path / "push.jsonl"
    path.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\n{not json\n")
    err = io.StringIO()
    with pytest.raises(CommandError, match="3 line\\(s\\) failed"):
        call_command("import_marketplace", str(path), stdout=io.StringIO(), stderr=err)
    messages = err.getvalue()
    assert "line 4: merchant_id: No merchant with id 'M-404'" in messages
    assert 'line 5: each line needs "type"' in messages
    assert "line 6: not JSON" in messages
    assert Order.objects.filter(external_id="O-77").exists()
    assert not Order.objects.filter(external_id="O-78").exists()
    out = io.StringIO()
    call_command("import_marketplace", _first_three(tmp_path, lines), stdout=out)
    assert "0 created, 3 updated, 0 failed" in out.getvalue()


def _first_three(tmp_path, lines):
    path = tmp_path / "again.jsonl"
    path.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines[:3]))
    return str(path)


def test_an_admin_may_not_push_marketplace_data():
    """Only the marketplace's system client writes the marketplace's facts; an admin gets 403 and changes nothing."""
    admin = ApiClient(f.token(f.user(Role.ADMIN)))
    for path, body in (
        ("/marketplace/merchants", {"id": "M-1", "name": "Aus Dairy", "country": "AU"}),
        ("/marketplace/listings", {"id": "L-1", "merchant_id": "M-1", "title": "奶粉 900g"}),
        ("/marketplace/orders", ORDER),
    ):
        response = admin.post_json(path, body)
        assert response.status_code == 403, path
        error = response.json()
        assert error["code"] == "marketplace_only"
        assert error["message"] == "Only the marketplace's system client pushes marketplace data."
        assert "marketplace's API token" in error["hint"]
    assert not Merchant.objects.exists() and not Listing.objects.exists() and not Order.objects.exists()
