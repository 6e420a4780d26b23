"""Closing the loop: the consumer rates a closed case once; supervisors read the figures (issue 17 item 10)."""

from datetime import timedelta

import pytest

from tests.remedies.conftest import accepted

pytestmark = pytest.mark.django_db


def test_the_consumer_rates_a_closed_case_once(world):
    ref = accepted(world)["reference"]
    assert "rate" in world["consumer"].get(f"/cases/{ref}").json()["allowed_actions"]
    rated = world["consumer"].post_json(f"/cases/{ref}/rating", {"score": 4, "comment": "处理很快 quick"})
    assert rated.status_code == 200, rated.content
    assert rated.json()["score"] == 4 and rated.json()["comment"] == "处理很快 quick"
    mine = world["consumer"].get(f"/cases/{ref}").json()
    assert mine["rating"]["score"] == 4 and "rate" not in mine["allowed_actions"]
    assert world["merchant"].get(f"/cases/{ref}").json()["rating"] is None
    again = world["consumer"].post_json(f"/cases/{ref}/rating", {"score": 1})
    assert again.status_code == 409 and again.json()["code"] == "already_rated"
    assert again.json()["details"]["score"] == 4


def test_an_open_case_cannot_be_rated_yet(world):
    ref = accepted(world)["reference"]
    world["consumer"].post_json(f"/cases/{ref}/reopen", {"reason": "钱没到账"})
    refused = world["consumer"].post_json(f"/cases/{ref}/rating", {"score": 3})
    assert refused.status_code == 409 and refused.json()["code"] == "case_not_closed"


@pytest.mark.parametrize(
    "side, status", [("merchant", 403), ("agent", 403), ("supervisor", 403), ("other_consumer", 404)]
)
def test_only_the_reporting_consumer_rates(world, side, status):
    ref = accepted(world)["reference"]
    assert world[side].post_json(f"/cases/{ref}/rating", {"score": 5}).status_code == status


@pytest.mark.parametrize("body", [{"score": 0}, {"score": 6}, {"score": "five"}, {"score": 3, "comment": "x" * 2001}])
def test_a_bad_rating_is_422(world, body):
    ref = accepted(world)["reference"]
    bad = world["consumer"].post_json(f"/cases/{ref}/rating", body)
    assert bad.status_code == 422 and bad.json()["field"] in ("score", "comment")


def test_supervisors_read_ratings_per_category_and_period(world, time_machine):
    for score in (5, 3):
        ref = accepted(world, "product_quality")["reference"]
        world["consumer"].post_json(f"/cases/{ref}/rating", {"score": score})
    ref = accepted(world, "damaged_on_arrival")["reference"]
    world["consumer"].post_json(f"/cases/{ref}/rating", {"score": 1})
    time_machine.shift(timedelta(days=31))
    ref = accepted(world, "product_quality")["reference"]
    world["consumer"].post_json(f"/cases/{ref}/rating", {"score": 2})
    figures = world["supervisor"].get("/ratings", period="month")
    assert figures.status_code == 200, figures.content
    rows = [(r["period"], r["category"], r["count"], r["average"], r["scores"]["5"]) for r in figures.json()["results"]]
    assert rows == [
        ("2027-01-01", "product_quality", 1, 2.0, 0),
        ("2026-12-01", "damaged_on_arrival", 1, 1.0, 0),
        ("2026-12-01", "product_quality", 2, 4.0, 1),
    ]
    only = world["admin"].get("/ratings", period="month", category="damaged_on_arrival").json()["results"]
    assert [(r["category"], r["count"]) for r in only] == [("damaged_on_arrival", 1)]
    window = world["supervisor"].get("/ratings", **{"from": "2027-01-01T00:00:00+08:00"}).json()["results"]
    assert [r["count"] for r in window] == [1]


@pytest.mark.parametrize("side", ["consumer", "merchant", "agent", "reviewer", "marketplace"])
def test_ratings_are_for_supervisors(world, side):
    assert world[side].get("/ratings").status_code == 403


def test_bad_rating_queries_are_422(world):
    assert world["supervisor"].get("/ratings", period="year").status_code == 422
    bad = world["supervisor"].get(
        "/ratings", **{"from": "2026-12-09T00:00:00+08:00", "to": "2026-12-01T00:00:00+08:00"}
    )
    assert bad.status_code == 422 and bad.json()["field"] == "from"


def test_a_range_that_cannot_be_counted_back_is_422(world):
    bad = world["supervisor"].get("/ratings", to="0001-01-02T00:00:00+00:00")
    assert bad.status_code == 422 and bad.json()["field"] == "to"
