"""The public rules: /rules/, a version's page and GET /api/rulebook…, without signing in, in both languages."""

from datetime import datetime, timedelta, timezone

import pytest
from django.conf import settings
from django.test import Client

from plaint.accounts.models import Role
from tests import factories as f

pytestmark = pytest.mark.django_db
CST = timezone(timedelta(hours=8))


@pytest.fixture
def on_3_december(time_machine):
    time_machine.move_to(datetime(2026, 12, 3, 10, 0, tzinfo=CST))  # v2 in force, v3 coming on the 7th


def page(path: str, language: str) -> tuple[int, str]:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(path)
    return response.status_code, response.content.decode()


def test_the_list_says_which_version_is_in_force_and_which_is_coming(on_3_december):
    status, html = page("/rules/", "en")
    assert status == 200
    assert html.index("Version 3") < html.index("Version 2") < html.index("Version 1")  # newest first
    assert "In force" in html and "Coming" in html and "No longer in force" in html
    assert "takes effect on" in html
    assert 'href="/rules/3/"' in html
    status, html = page("/rules/", "zh-hans")
    assert status == 200 and "规则" in html and "现行有效" in html and "即将生效" in html


def test_every_page_links_the_rules_for_anonymous_visitors():
    html = page("/", "en")[1]
    assert 'href="/rules/"' in html


def test_a_version_page_shows_the_rules_in_plain_words(on_3_december):
    status, html = page("/rules/2/", "en")
    assert status == 200
    assert "Expired goods" in html and "Photo of the expiry date" in html
    assert "30 days" in html and "(for an order, counted from delivery)" in html
    assert "The report is upheld." in html  # expired goods: silence upholds
    assert "A reviewer decides on the evidence" in html
    assert "Shop suspended" in html and "Points reached" in html  # the ladder
    assert "reconsideration by a supervisor who did not take the decision" in html
    assert "working days" in html and "a reminder" in html  # the service levels
    assert "What changed from version 1" in html
    assert "min_windows" in html  # a value version 2 added: the monitoring baseline
    status, html = page("/rules/2/", "zh-hans")
    assert status == 200 and "过期商品" in html and "举报视为成立" in html or "成立" in html


def test_a_version_page_shows_its_changes_text_and_the_changed_values(on_3_december):
    html = page("/rules/3/", "en")[1]
    assert "What changed from version 2" in html
    assert "routes › default" in html
    assert "reconsideration" in html and "committee" in html
    html = page("/rules/1/", "en")[1]
    assert "The first version" in html


def test_an_unknown_version_is_404():
    assert page("/rules/99/", "en")[0] == 404


def test_the_api_lists_versions_without_a_token(on_3_december):
    body = Client().get("/api/rulebook").json()
    listed = [(v["version"], v["status"]) for v in body]
    assert listed == [("4", "coming"), ("3", "coming"), ("2", "in_force"), ("1", "earlier")]
    assert body[1]["effective_from"] == "2026-12-07T00:00:00+08:00" and body[1]["url"] == "/api/rulebook/3"
    assert Client().get("/api/rulebook/1").json()["version"] == "1"
    assert Client().get("/api/rulebook/current").json()["version"] == "2"
    changes = Client().get("/api/rulebook/3/changes").json()
    assert changes["from_version"] == "2" and changes["changes_text"]
    assert {"path": "appeals.routes.default", "kind": "changed", "before": "reconsideration", "after": "committee"} in (
        changes["changes"]
    )
    assert Client().get("/api/rulebook/1/changes").json()["from_version"] is None
    missing = Client().get("/api/rulebook/99")
    assert missing.status_code == 404 and missing.json()["code"] == "rulebook_version_not_found"


def test_only_the_rulebook_is_public_in_the_api_and_its_schema():
    assert Client().get("/api/cases").status_code == 401
    assert Client().get("/api/monitoring/flags").status_code == 401
    schema = Client().get("/api/openapi.json").json()
    for path in ("/api/rulebook", "/api/rulebook/{version}", "/api/rulebook/{version}/changes"):
        operation = schema["paths"][path]["get"]
        assert not operation.get("security"), path
    assert schema["paths"]["/api/cases"]["get"]["security"]
    assert schema["paths"]["/api/cases/{reference}/log/verify"]["get"]["security"]


def test_a_signed_in_person_reads_the_same_rules(on_3_december):
    client = Client()
    client.force_login(f.user(Role.MERCHANT, merchant=f.merchant("M-A")))
    assert client.get("/rules/3/").status_code == 200
