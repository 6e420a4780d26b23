"""A consumer downloads everything Plaint holds about them (and nothing of other consumers), and asks for erasure:
what may go goes, what the law keeps is listed with its reason and date, in the consumer's language."""

import io
import json
import zipfile
from datetime import datetime

import pytest

from plaint.accounts.models import Role
from plaint.cases import actions, chain
from plaint.cases.inputs import ReportIn
from plaint.evidence.actions import Upload
from plaint.privacy.models import ErasureRequest, Purge
from tests import factories as f
from tests.api_client import ApiClient
from tests.appeals.conftest import CST

from .conftest import CHAT, withdrawn

LATER = datetime(2030, 1, 5, 10, 0, tzinfo=CST)


def _zip(response) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


@pytest.fixture
def other_consumer(world):
    """Another consumer of the same shop, with a case of their own."""
    order = f.order(world["shop"], "C-OTHER")
    order.consumer.__class__.objects.filter(pk=order.consumer_id).update(name="王芳", phone="13700009999")
    other = f.consumer_user("C-OTHER")
    data = ReportIn(
        target_type="order", target_id=order.external_id, category="expired_goods", description="王芳的举报"
    )
    return actions.file_report(other, data, [Upload("o.jpg", f.jpeg("blue"), "photo_of_expiry_date")]).case


def test_the_download_holds_my_cases_messages_and_files_and_nothing_of_others(world, other_consumer):
    mine = withdrawn(world)
    response = ApiClient(f.token(world["consumer"])).get("/me/data", lang="en")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Cache-Control"] == "private, no-store"
    archive = _zip(response)
    data = json.loads(archive.read("data.json"))
    assert data["format"] == "plaint-personal-data-1"
    assert data["profile"]["id"] == "C1" and data["profile"]["phone"] == "13800000000"
    [case] = data["cases"]
    assert case["reference"] == mine.reference
    assert "13912345678" in case["report"]["description"]  # my own words, unmasked
    assert [m["text"] for m in case["thread"]["messages"]] == ["请联系我 13912345678"]
    assert any(e["kind"] == "withdraw" for e in case["timeline"])
    assert data["notifications"]
    # My evidence files, as I sent them.
    chat = next(p for p in data["files"] if p["path"].endswith("chat.txt"))
    assert archive.read(chat["path"]) == CHAT
    assert len(data["files"]) == 2
    # Nothing of the other consumer: not their case, name, phone or file.
    whole = archive.read("data.json").decode()
    assert other_consumer.reference not in whole and "王芳" not in whole and "13700009999" not in whole
    assert not any(other_consumer.reference in name for name in archive.namelist())


@pytest.mark.parametrize("role", ["staff", "supervisor", "reviewer"])
def test_only_a_consumer_downloads_their_own_data(world, role):
    client = ApiClient(f.token(world[role]))
    response = client.get("/me/data")
    assert response.status_code == 403 and response.json()["code"] == "consumers_only"
    assert client.post_json("/me/erasure", {}).status_code == 403
    assert not ErasureRequest.objects.exists()


def test_erasure_erases_the_old_case_and_keeps_the_open_and_recent_ones_with_reasons(world, time_machine):
    old = withdrawn(world)
    time_machine.move_to(datetime(2029, 6, 1, tzinfo=CST))
    recent = withdrawn(world, "最近的举报 13912345678")
    order = f.order(world["shop"], "C1")
    data = ReportIn(target_type="order", target_id=order.external_id, category="expired_goods", description="仍在处理")
    still_open = actions.file_report(
        world["consumer"], data, [Upload("x.jpg", f.jpeg("white"), "photo_of_expiry_date")]
    ).case
    time_machine.move_to(LATER)
    world["consumer"].language = "en"
    world["consumer"].save()
    token = f.token(world["consumer"])
    client = ApiClient(token)

    response = client.post_json("/me/erasure", {})

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["erased"]["cases"] == [{"case": old.reference}]
    assert body["erased"]["account"] is True and body["erased"]["profile"] is False
    kept = {k["case"]: k for k in body["kept"]}
    assert kept[still_open.reference]["reason"] == "open" and kept[still_open.reference]["until"] is None
    assert kept[recent.reference]["reason"] == "retention"
    assert datetime.fromisoformat(kept[recent.reference]["until"]).astimezone(CST).date().isoformat() == "2032-06-01"
    message = " ".join(body["message"])
    assert f"Case {recent.reference} is kept until 2032-06-01" in message and "E-Commerce Law" in message
    assert Purge.objects.filter(case=old, scope="case", rule__startswith="erasure:").exists()
    assert chain.verify(old) == []
    recent.report.refresh_from_db()
    assert "13912345678" in recent.report.description  # kept, stored only
    # The account is closed: the token no longer works.
    assert client.get("/me/data").status_code == 401
    world["consumer"].refresh_from_db()
    assert not world["consumer"].is_active and world["consumer"].email == ""
    request = ErasureRequest.objects.get()
    assert request.answered_at is not None and (request.due_at - request.requested_at).days == 15


def test_erasure_with_nothing_to_keep_erases_the_profile_and_answers_in_chinese(world, time_machine):
    withdrawn(world)
    time_machine.move_to(LATER)
    body = ApiClient(f.token(world["consumer"])).post_json("/me/erasure", {}).json()
    assert body["kept"] == [] and body["erased"]["profile"] is True
    consumer = world["consumer"].consumer
    consumer.refresh_from_db()
    assert consumer.name.startswith("已清除/purged-") and consumer.phone == ""
    assert "您的" in " ".join(body["message"])


def test_merchant_staff_cannot_erase_for_a_consumer(world):
    merchant = f.user(Role.MERCHANT, merchant=world["shop"])
    assert ApiClient(f.token(merchant)).post_json("/me/erasure", {}).status_code == 403


def test_under_a_rulebook_without_retention_a_closed_case_is_kept(world):
    case = withdrawn(world)  # rulebook v2 is in force: it sets no retention period
    body = ApiClient(f.token(world["consumer"])).post_json("/me/erasure?lang=en", {}).json()
    assert body["kept"] == [{"case": case.reference, "reason": "retention", "until": None}]
    assert body["erased"]["cases"] == [] and not Purge.objects.filter(case=case).exists()
    assert f"Case {case.reference} is kept, because the E-Commerce Law" in " ".join(body["message"])
