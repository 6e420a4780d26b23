"""Trusted flaggers (EU DSA art. 22): registered by an admin, filing through their own tokens with their own
evidence kinds (rulebook v4 [trusted_flaggers]), first in the queue and marked so everywhere; their record."""

from datetime import datetime, timedelta, timezone
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from plaint.accounts.models import Role, User
from plaint.cases.models import Case
from plaint.reporters.models import FlaggerKind, TrustedFlagger
from tests import factories as f
from tests.api_client import ApiClient

pytestmark = pytest.mark.django_db

CST = timezone(timedelta(hours=8))
V4 = datetime(2026, 12, 8, 10, 0, tzinfo=CST)


@pytest.fixture
def world(time_machine):
    time_machine.move_to(V4, tick=False)
    shop = f.merchant("M-A", name="Shop A")
    f.listing(shop, "L-1")
    f.order(shop, "C1", external_id="O-1", delivered_at=V4 - timedelta(days=3))
    out = StringIO()
    call_command("trusted_flagger", "register", "--name", "Maison Lumière", "--kind", "brand_owner", stdout=out)
    flagger = TrustedFlagger.objects.get()
    out = StringIO()
    call_command("trusted_flagger", "add-account", str(flagger.pk), "lumiere-api", stdout=out)
    token = out.getvalue().rsplit(": ", 1)[1].strip()
    return {
        "shop": shop,
        "flagger": flagger,
        "flagger_api": ApiClient(token),
        "consumer": f.consumer_user("C1"),
        "merchant": f.user(Role.MERCHANT, merchant=shop),
        "reviewer": f.user(Role.REVIEWER),
        "admin": f.user(Role.ADMIN),
    }


def counterfeit(target_type: str = "listing", target_id: str = "L-1", category: str = "counterfeit") -> dict:
    return {
        "target_type": target_type,
        "target_id": target_id,
        "category": category,
        "description": "Our authentication lab examined a unit bought from this listing: not our product.",
        "remedy_wanted": "none" if category != "counterfeit" else "refund",
    }


def test_registering_makes_the_reporter_row_and_an_account_whose_token_files_first_in_the_queue(world):
    flagger = world["flagger"]
    assert flagger.kind == FlaggerKind.BRAND_OWNER and flagger.consumer.external_id == f"flagger-{flagger.pk}"
    account = User.objects.get(username="lumiere-api")
    assert account.role == Role.TRUSTED_FLAGGER and account.flagger == flagger and not account.has_usable_password()

    # An ordinary consumer's report first, with a higher priority than the flagger's category.
    consumer = ApiClient(f.token(world["consumer"]))
    plain = consumer.post_form(
        "/reports",
        counterfeit("order", "O-1"),
        [("p.jpg", f.jpeg(), "photo_of_product")],
    )
    assert plain.status_code == 201 and plain.json()["trusted_flagger"] is False
    filed = world["flagger_api"].post_form(
        "/reports",
        counterfeit(),
        [("auth.jpg", f.jpeg("blue"), "authentication_report"), ("p.jpg", f.jpeg(), "photo_of_product")],
    )
    assert filed.status_code == 201, filed.json()
    body = filed.json()
    assert body["trusted_flagger"] is True and body["channel"] == "trusted_flagger"
    assert {e["kind"] for e in body["evidence"]} == {"authentication_report", "photo_of_product"}
    case = Case.objects.get(reference=body["reference"])
    assert case.trusted_flagger and case.reporter_id == flagger.consumer_id
    # Both go to review; the flagger's case is first although it came later with the same priority.
    Case.objects.filter(reference__in=[body["reference"], plain.json()["reference"]]).update(
        state="awaiting_review", decision_due_at=V4 + timedelta(days=1)
    )
    Case.objects.filter(reference=plain.json()["reference"]).update(priority=5, decision_due_at=V4)
    queue = ApiClient(f.token(world["reviewer"])).get("/review/queue").json()["results"]
    assert [r["reference"] for r in queue] == [body["reference"], plain.json()["reference"]]
    assert [r["trusted_flagger"] for r in queue] == [True, False]

    # The flagger reads its own case, marked; the merchant's page and the review page show the badge.
    mine = world["flagger_api"].get(f"/cases/{body['reference']}")
    assert mine.status_code == 200 and mine.json()["trusted_flagger"] is True
    assert world["flagger_api"].get(f"/cases/{plain.json()['reference']}").status_code == 404
    for user, path in (
        (world["merchant"], f"/merchant/cases/{body['reference']}/"),
        (world["reviewer"], f"/review/cases/{body['reference']}/"),
        (world["reviewer"], "/review/"),
    ):
        client = Client()
        client.force_login(user)
        page = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
        assert page.status_code == 200 and b"trusted-flagger" in page.content, path
    client = Client()
    client.force_login(world["merchant"])
    assert b"trusted-flagger" not in client.get(f"/merchant/cases/{plain.json()['reference']}/").content


def test_flaggers_own_evidence_kinds_are_refused_from_anyone_else_and_outside_their_categories(world):
    consumer = ApiClient(f.token(world["consumer"]))
    refused = consumer.post_form(
        "/reports", counterfeit("order", "O-1"), [("auth.jpg", f.jpeg(), "authentication_report")]
    )
    assert refused.status_code == 422 and refused.json()["code"] == "flagger_evidence_kind"
    assert refused.json()["field"] == "evidence"
    wrong = world["flagger_api"].post_form(
        "/reports",
        counterfeit("merchant", "M-A", category="service_attitude"),
        [("auth.jpg", f.jpeg(), "authentication_report")],
    )
    assert wrong.status_code == 422 and wrong.json()["code"] == "flagger_evidence_category"
    assert "counterfeit, false_advertising" in wrong.json()["message"]
    assert not Case.objects.exists()


def test_a_flagger_reports_listings_and_merchants_not_orders_and_a_suspended_flagger_files_nothing(world):
    api = world["flagger_api"]
    order = api.post_form("/reports", counterfeit("order", "O-1"), [("p.jpg", f.jpeg(), "photo_of_product")])
    assert order.status_code == 422 and order.json()["code"] == "flagger_target"
    named = api.post_form("/reports", counterfeit() | {"consumer_id": "C1"})
    assert named.status_code == 422 and named.json()["field"] == "consumer_id"
    call_command("trusted_flagger", "suspend", str(world["flagger"].pk), stdout=StringIO())
    suspended = api.post_form("/reports", counterfeit(), [("p.jpg", f.jpeg(), "photo_of_product")])
    assert suspended.status_code == 403 and suspended.json()["code"] == "flagger_suspended"
    assert not Case.objects.exists()


def test_the_flaggers_record_is_for_admins_and_supervisors(world):
    world["flagger_api"].post_form("/reports", counterfeit(), [("p.jpg", f.jpeg(), "photo_of_product")])
    case = Case.objects.get()
    case.state = "inadmissible"
    case.save()
    rows = ApiClient(f.token(world["admin"])).get("/trusted-flaggers").json()
    assert rows[0]["name"] == "Maison Lumière" and rows[0]["record"]["filed"] == 1
    assert rows[0]["record"]["imprecise_share"] == 1.0
    for role_user in (world["reviewer"], world["consumer"], world["merchant"]):
        assert ApiClient(f.token(role_user)).get("/trusted-flaggers").status_code == 403
    assert world["flagger_api"].get("/trusted-flaggers").status_code == 403
    out = StringIO()
    call_command("trusted_flagger", "list", stdout=out)
    assert "filed 1" in out.getvalue() and "imprecise 100%" in out.getvalue()
    # The Django admin lists it with the figures.
    admin = User.objects.create_superuser("root", "root@example.test", "pw", role=Role.ADMIN)
    client = Client()
    client.force_login(admin)
    page = client.get("/admin/reporters/trustedflagger/")
    assert page.status_code == 200 and b"Maison Lumi" in page.content and b"100%" in page.content
