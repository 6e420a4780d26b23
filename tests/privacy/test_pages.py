"""The "my data" page (download, erasure) and the supervisors' legal holds page, in both languages, with refusals."""

import io
import json
import zipfile
from datetime import datetime

import pytest
from django.test import Client

from plaint.privacy.models import LegalHold
from tests.appeals.conftest import CST

from .conftest import withdrawn


def _client(user, language: str = "zh-hans") -> Client:
    user.language = language
    user.save()
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(("language", "words"), [("zh-hans", "下载我的数据"), ("en", "Download my data")])
def test_my_data_page_in_both_languages(world, language, words):
    page = _client(world["consumer"], language).get("/consumer/my-data/").content.decode()
    assert words in page and 'name="confirm"' in page


def test_the_page_download_is_the_consumers_zip(world):
    case = withdrawn(world)
    response = _client(world["consumer"]).get("/consumer/my-data/download/")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert json.loads(archive.read("data.json"))["cases"][0]["reference"] == case.reference


def test_erasure_needs_the_box_ticked_then_answers_and_signs_out(world, time_machine):
    case = withdrawn(world)
    time_machine.move_to(datetime(2026, 12, 9, 10, 0, tzinfo=CST))  # rulebook v4, with [retention]
    client = _client(world["consumer"], "en")
    refused = client.post("/consumer/my-data/", {}, follow=True).content.decode()
    assert "Tick the box" in refused
    world["consumer"].refresh_from_db()
    assert world["consumer"].is_active
    answer = client.post("/consumer/my-data/", {"confirm": "erase"}).content.decode()
    assert f"Case {case.reference} is kept until" in answer  # closed today: kept three years
    assert client.get("/consumer/").status_code == 302  # signed out


@pytest.mark.parametrize("role", ["staff", "reviewer", "supervisor"])
def test_my_data_is_for_consumers(world, role):
    assert _client(world[role]).get("/consumer/my-data/").status_code == 403


def test_supervisor_sets_and_lifts_a_hold_in_the_page(world):
    case = withdrawn(world)
    client = _client(world["supervisor"], "en")
    page = client.post(
        "/review/legal-holds/",
        {"action": "set", "reference": case.reference, "reason": "Court order 2026-77"},
        follow=True,
    ).content.decode()
    assert f"Case {case.reference} is under a legal hold" in page and "Court order 2026-77" in page
    short = client.post(
        "/review/legal-holds/", {"action": "lift", "reference": case.reference, "reason": "no"}, follow=True
    ).content.decode()
    assert "at least 5 characters" in short
    assert LegalHold.objects.get(case=case).lifted_at is None
    client.post("/review/legal-holds/", {"action": "lift", "reference": case.reference, "reason": "Order lifted"})
    assert LegalHold.objects.get(case=case).lifted_at is not None
    assert "法律保全" in _client(world["supervisor"], "zh-hans").get("/review/legal-holds/").content.decode()


@pytest.mark.parametrize("role", ["consumer", "staff", "reviewer"])
def test_legal_holds_page_is_for_supervisors_and_admins(world, role):
    assert _client(world[role]).get("/review/legal-holds/").status_code == 403


@pytest.mark.parametrize("path", ["privacy/legalhold", "privacy/purge", "privacy/erasurerequest"])
def test_the_admin_shows_holds_purges_and_erasure_requests_read_only(db, client, path):
    from plaint.accounts.models import Role
    from tests import factories as f

    admin = f.user(Role.ADMIN, is_staff=True, is_superuser=True)
    client.force_login(admin)
    assert client.get(f"/admin/{path}/").status_code == 200
    assert client.get(f"/admin/{path}/add/").status_code == 403
