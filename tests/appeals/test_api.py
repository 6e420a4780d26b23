"""The appeals API: file (multipart, with evidence), answer, decide, read; refusals in Plaint's error body."""

import pytest

from plaint.cases.models import Appeal
from tests import factories as f
from tests.api_client import ApiClient

from .conftest import decided

pytestmark = pytest.mark.django_db


def test_file_answer_decide_and_read_an_appeal_through_the_api(world):
    case = decided(world, "not_upheld")
    ref = case.reference
    consumer = ApiClient(f.token(world["consumer"]))
    merchant = ApiClient(f.token(world["staff"]))
    supervisor = ApiClient(f.token(world["supervisor"]))
    stranger = ApiClient(f.token(world["stranger"]))

    empty = consumer.post_form(f"/cases/{ref}/appeals", {"appealed": "outcome", "grounds": " "})
    assert empty.status_code == 422 and empty.json()["field"] == "grounds"
    assert stranger.post_form(f"/cases/{ref}/appeals", {"appealed": "outcome", "grounds": "x"}).status_code == 404
    filed = consumer.post_form(
        f"/cases/{ref}/appeals",
        {"appealed": "outcome", "grounds": "新照片显示批号不符。"},
        files=[
            ("label.jpg", f.jpeg("blue"), "photo_of_product"),
            ("notes.exe", b"MZ not an image", "photo_of_product"),
        ],
    )
    assert filed.status_code == 201, filed.content
    body = filed.json()
    assert (body["party"], body["state"], len(body["evidence_ids"])) == ("reporter", "answer_window", 1)
    assert [r["file"] for r in body["rejected_files"]] == ["notes.exe"]  # refused, the appeal kept
    again = consumer.post_form(f"/cases/{ref}/appeals", {"appealed": "outcome", "grounds": "再来"})
    assert again.status_code == 409 and again.json()["code"] == "appeal_exists"
    assert again.json()["details"]["appeal_id"] == body["id"]
    assert consumer.get(f"/cases/{ref}").json()["under_appeal"] is True
    assert stranger.get(f"/appeals/{body['id']}").status_code == 404

    early = supervisor.post_json(
        f"/appeals/{body['id']}/decision", {"result": "overturned", "reasons": "还在答复期内，现在不能决定。"}
    )
    assert early.status_code == 409
    answered = merchant.post_form(f"/appeals/{body['id']}/answer", {"answer": "批号一致。"})
    assert answered.status_code == 200 and answered.json()["state"] == "awaiting_decision"
    twice = merchant.post_form(f"/appeals/{body['id']}/answer", {"answer": "再答复"})
    assert twice.status_code == 409

    bad = supervisor.post_json(
        f"/appeals/{body['id']}/decision", {"result": "sideways", "reasons": "没有这种结果的理由。"}
    )
    assert bad.status_code == 422 and bad.json()["field"] == "result"
    assert (
        merchant.post_json(f"/appeals/{body['id']}/decision", {"result": "confirmed", "reasons": "x" * 20}).status_code
        == 403
    )
    done = supervisor.post_json(
        f"/appeals/{body['id']}/decision", {"result": "overturned", "reasons": "新照片证明批号不符，举报成立。"}
    )
    assert done.status_code == 200, done.content
    assert done.json()["result"] == "overturned" and "Decision on appeal" in done.json()["statement"]["en"]
    read = consumer.get(f"/appeals/{body['id']}").json()
    assert read["state"] == "decided" and read["decided_by"] is None  # staff only
    listed = merchant.get(f"/cases/{ref}/appeals").json()
    assert [a["id"] for a in listed] == [body["id"]]
    assert consumer.get(f"/cases/{ref}").json()["under_appeal"] is False
    assert Appeal.objects.get().result == "overturned"


def test_an_appeal_after_the_window_is_409_with_the_dates(world, time_machine):
    from datetime import timedelta

    case = decided(world, "not_upheld")
    time_machine.shift(timedelta(days=16))
    late = ApiClient(f.token(world["consumer"])).post_form(
        f"/cases/{case.reference}/appeals", {"appealed": "outcome", "grounds": "晚了"}
    )
    assert late.status_code == 409
    assert late.json()["code"] == "appeal_window_closed" and set(late.json()["details"]) == {"opens_at", "closes_at"}
