"""Both sides heard (issue 17, item 1): the reporter opens the merchant's counter-evidence and answers it once.

Under rulebook v3 (in force from 7 December 2026), through the API as a client would: the merchant
contests with a photo that carries GPS; the consumer downloads it without the location; replies once
with words and a file within [intake] reply_days; a second reply, a late one and one after the
decision are refused 409 with the dates; the reviewer reads both rounds; the statement names the
evidence of both sides by file name and kind, without hashes.
"""

import io
from datetime import datetime, timedelta, timezone

import pytest
from PIL import Image

from plaint.accounts.models import Role
from plaint.cases import actions
from plaint.cases.inputs import DecisionIn, ReportIn, ResponseIn
from plaint.cases.models import Case, ReporterReply
from plaint.evidence.actions import Upload
from plaint.rulebook import loader
from tests import factories as f
from tests.api_client import ApiClient

CST = timezone(timedelta(hours=8))


def _gps_jpeg() -> bytes:
    image = Image.new("RGB", (40, 30), "green")
    exif = Image.Exif()
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (35.0, 41.0, 0.0), "E", (139.0, 41.0, 0.0)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


@pytest.fixture
def world(db, time_machine):
    time_machine.move_to(datetime(2026, 12, 8, 10, 0, tzinfo=CST), tick=False)  # rulebook v3 is in force
    shop = f.merchant("M-A", name="Shop A")
    f.order(shop, "C1", external_id="O-1")
    people = {
        "consumer": f.consumer_user("C1"),
        "staff": f.user(Role.MERCHANT, merchant=shop),
        "reviewer": f.user(Role.REVIEWER),
        "agent": f.user(Role.AGENT),
        "other_consumer": f.user(Role.CONSUMER, consumer=f.order(shop, "C2").consumer),
    }
    case = actions.file_report(
        people["consumer"],
        ReportIn(
            target_type="order",
            target_id="O-1",
            category="counterfeit",
            description="假货，请联系我 13812345678",
            remedy_wanted="refund",
        ),
        [Upload("my-photo.jpg", f.jpeg("red"), "photo_of_product")],
    ).case
    assert case.rulebook_version in ("3", "4")  # version 3's reply, kept by version 4
    actions.respond_as_merchant(
        people["staff"],
        case,
        ResponseIn(kind="contest", explanation="正品，附海关单 genuine, customs papers attached"),
        [Upload("shop-warehouse.jpg", _gps_jpeg(), "photo_of_packaging")],
    )
    case.refresh_from_db()
    api = {name: ApiClient(f.token(user)) for name, user in people.items()}
    return people, api, case, time_machine


def test_the_rulebook_gives_the_reply_days_from_version_3_only():
    assert loader.get("3").intake.reply_days == 2
    assert loader.get("2").intake.reply_days is None and loader.get("1").intake.reply_days is None


def test_the_consumer_downloads_the_merchants_counter_evidence_without_its_location(world):
    people, api, case, _ = world
    detail = api["consumer"].get(f"/cases/{case.reference}").json()
    merchant_files = [e for e in detail["evidence"] if e["party"] == "merchant"]
    assert [e["file_name"] for e in merchant_files] == ["shop-warehouse.jpg"]
    url = merchant_files[0]["url"].removeprefix("/api")
    consumer_copy = b"".join(api["consumer"].get(url).streaming_content)
    merchant_original = b"".join(api["staff"].get(url).streaming_content)
    assert Image.open(io.BytesIO(merchant_original)).getexif().get_ifd(0x8825) != {}
    assert Image.open(io.BytesIO(consumer_copy)).getexif().get_ifd(0x8825) == {}
    assert "reply" in detail["allowed_actions"]
    assert detail["reply"] | {"reply_due_at": None} == {
        "text": None,
        "replied_at": None,
        "evidence_ids": [],
        "reply_due_at": None,
    }
    # Two days (v3's [intake] reply_days) from the merchant's answer.
    assert datetime.fromisoformat(detail["reply"]["reply_due_at"]) == datetime(2026, 12, 10, 10, 0, tzinfo=CST)


def test_the_consumer_replies_once_and_the_reviewer_and_merchant_read_both_rounds(world):
    people, api, case, _ = world
    answer = api["consumer"].post_form(
        f"/cases/{case.reference}/reply",
        {"text": "海关单上的批次与我收到的不一致。Call me on 13812345678."},
        files=[("batch-label.jpg", f.jpeg("navy"), "photo_of_packaging")],
    )
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["reply"]["replied_at"] and len(body["reply"]["evidence_ids"]) == 1
    assert "reply" not in body["allowed_actions"]
    assert body["state"] == "awaiting_review"  # no new state, and the review clock is unchanged
    assert body["deadlines"]["decision_due_at"] == Case.objects.get(pk=case.pk).decision_due_at.isoformat()
    assert [e["kind"] for e in body["timeline"]][-1] == "reporter_replied"

    again = api["consumer"].post_form(f"/cases/{case.reference}/reply", {"text": "再补充一句 one more thing"})
    assert again.status_code == 409
    assert again.json()["code"] == "already_replied"
    assert datetime.fromisoformat(again.json()["details"]["reply_due_at"]) == datetime(2026, 12, 10, 10, 0, tzinfo=CST)
    assert ReporterReply.objects.filter(case=case).count() == 1

    staff_view = api["reviewer"].get(f"/cases/{case.reference}").json()
    assert staff_view["responses"][0]["explanation"].startswith("正品")
    assert "13812345678" in staff_view["reply"]["text"]
    reply_files = [e for e in staff_view["evidence"] if e["id"] in staff_view["reply"]["evidence_ids"]]
    assert [(e["file_name"], e["party"]) for e in reply_files] == [("batch-label.jpg", "reporter")]
    # The merchant reads the reply with the reporter's phone number masked.
    merchant_view = api["staff"].get(f"/cases/{case.reference}").json()
    assert "13812345678" not in merchant_view["reply"]["text"]
    assert "[电话/phone]" in merchant_view["reply"]["text"]


def test_only_the_reporters_side_replies(world):
    people, api, case, _ = world
    refused = api["staff"].post_form(f"/cases/{case.reference}/reply", {"text": "我们也来回应"})
    assert refused.status_code == 403
    assert api["other_consumer"].post_form(f"/cases/{case.reference}/reply", {"text": "not mine"}).status_code == 404
    # An agent replies for the consumer who called.
    assert (
        api["agent"].post_form(f"/cases/{case.reference}/reply", {"text": "顾客电话补充：批次不符"}).status_code == 200
    )


def test_a_reply_after_the_rulebooks_days_is_refused_with_the_dates(world):
    people, api, case, clock = world
    clock.move_to(datetime(2026, 12, 10, 10, 1, tzinfo=CST), tick=False)
    late = api["consumer"].post_form(f"/cases/{case.reference}/reply", {"text": "迟到的回应 late"})
    assert late.status_code == 409
    error = late.json()
    assert error["code"] == "reply_window_closed"
    assert "2026-12-08 10:00" in error["message"] and "2026-12-10 10:00" in error["message"]
    assert datetime.fromisoformat(error["details"]["reply_opened_at"]) == datetime(2026, 12, 8, 10, 0, tzinfo=CST)
    assert "reply" not in api["consumer"].get(f"/cases/{case.reference}").json()["allowed_actions"]


def test_a_reply_once_the_case_is_decided_is_refused_and_the_statement_names_both_sides_evidence(world):
    people, api, case, _ = world
    actions.claim_case(people["reviewer"], case)
    actions.decide_case(
        people["reviewer"],
        case,
        DecisionIn(
            outcome="upheld",
            reason_codes=["violation_established"],
            statement="依据双方证据作出决定。Decided on both sides' evidence.",
        ),
    )
    refused = api["consumer"].post_form(f"/cases/{case.reference}/reply", {"text": "决定之后的回应"})
    assert refused.status_code == 409
    assert refused.json()["code"] == "reply_closed"
    assert refused.json()["details"]["state"] == "decided"
    assert "2026-12-10 10:00" in refused.json()["message"]

    decision = api["consumer"].get(f"/cases/{case.reference}").json()["decisions"][0]
    considered = decision["statement"]["evidence_considered"]
    assert {(e["file_name"], e["party"], e["kind"]) for e in considered} == {
        ("my-photo.jpg", "reporter", "photo_of_product"),
        ("shop-warehouse.jpg", "merchant", "photo_of_packaging"),
    }
    for language in ("statement_text",):
        text = decision[language]
        assert "my-photo.jpg" in text and "shop-warehouse.jpg" in text
        assert "sha256" not in text
        assert all(e["sha256"][:16] not in text for e in considered)


def test_nothing_to_reply_to_without_a_contest_nor_under_an_older_rulebook(world, time_machine):
    people, api, case, _ = world
    # Accepted: the case is resolved; nothing to answer.
    f.order(case.merchant, "C1", external_id="O-2")
    other = actions.file_report(
        people["consumer"],
        ReportIn(target_type="order", target_id="O-2", category="product_quality", description="破损 broken"),
        [Upload("p.jpg", f.jpeg(), "photo_of_product")],
    ).case
    refused = api["consumer"].post_form(f"/cases/{other.reference}/reply", {"text": "还没有答复"})
    assert refused.status_code == 409 and refused.json()["code"] == "nothing_to_reply_to"


def test_the_reply_is_empty_words_refused_422(world):
    people, api, case, _ = world
    refused = api["consumer"].post_form(f"/cases/{case.reference}/reply", {"text": "  "})
    assert refused.status_code == 422
    assert refused.json()["field"] == "text"
    assert not ReporterReply.objects.filter(case=case).exists()
