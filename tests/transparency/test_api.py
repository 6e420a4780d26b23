"""GET /api/transparency: public, the report's figures as JSON and CSV; a bad period is a 422 naming it."""

import csv
import io

import pytest

from plaint.transparency.jobs import compute_day

from .conftest import DAY

pytestmark = pytest.mark.django_db


def test_anyone_reads_the_figures_without_signing_in(world, client):
    compute_day(DAY)
    answer = client.get("/api/transparency", {"period": "2026-12"})
    assert answer.status_code == 200
    body = answer.json()
    assert body["period"] == "2026-12" and body["reports_received"] == 5 and body["withdrawn"] == 1
    hotline = client.get("/api/transparency", {"period": "2026-Q4", "channel": "hotline"}).json()
    assert hotline["reports_received"] == 1
    counterfeit = client.get("/api/transparency", {"period": "2026", "category": "counterfeit"}).json()
    assert counterfeit["reports_received"] == 2


@pytest.mark.parametrize("period", ["2026-13", "2026-Q5", "26", "November", "2026-11-01", ""])
def test_a_bad_period_is_a_422_naming_it(client, period):
    answer = client.get("/api/transparency", {"period": period})
    assert answer.status_code == 422
    body = answer.json()
    assert body["field"] == "period" and body["code"] in ("invalid_period", "invalid_input")
    if period:
        assert body["hint"] == "Write a month as 2026-11, a quarter as 2026-Q4, or a year as 2026."


def test_a_missing_period_is_a_422_naming_it(client):
    answer = client.get("/api/transparency")
    assert answer.status_code == 422 and answer.json()["field"] == "period"


def test_csv_download(world, client):
    compute_day(DAY)
    answer = client.get("/api/transparency/csv", {"period": "2026-12"})
    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/csv")
    assert 'filename="plaint-transparency-2026-12.csv"' in answer["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.content.decode())))
    received = {(r["category"], r["channel"]): int(r["value"]) for r in rows if r["figure"] == "received"}
    assert received == {("counterfeit", "web"): 2, ("product_quality", "web"): 2, ("product_quality", "hotline"): 1}
    assert client.get("/api/transparency/csv", {"period": "x"}).status_code == 422


def test_the_endpoints_are_in_the_openapi_document_without_auth(client):
    document = client.get("/api/openapi.json").json()
    operation = document["paths"]["/api/transparency"]["get"]
    assert not operation.get("security")
    assert [p["name"] for p in operation["parameters"]] == ["period", "category", "channel"]
    assert "/api/transparency/csv" in document["paths"]
