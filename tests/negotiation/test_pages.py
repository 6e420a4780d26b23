"""The thread on the case pages of every portal, its forms, and the agent's upload link with its page."""

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from plaint.cases import actions
from plaint.cases.models import Offer, UploadLink
from plaint.notifications.models import OutboxMessage
from tests import factories as f
from tests.api_client import ApiClient

from .conftest import file_case

pytestmark = pytest.mark.django_db


def signed_in(user, language: str = "zh-hans") -> Client:
    """A client signed in as `user`, who chose `language` (pages follow the account's language)."""
    user.language = language
    user.save(update_fields=["language"])
    client = Client()
    client.force_login(user)
    return client


def test_the_merchant_offers_a_partial_refund_from_its_page_and_the_consumer_accepts_on_hers(world):
    case = file_case(world)
    ref = case.reference
    merchant = signed_in(world["users"]["merchant"])
    page = merchant.get(f"/merchant/cases/{ref}/").content.decode()
    assert 'id="thread"' in page and "提出方案" in page
    sent = merchant.post(f"/cases/{ref}/thread/offer/", {"offer": "refund", "amount": "99.50", "note": "部分退款"})
    assert sent.status_code == 302 and sent["Location"] == f"/merchant/cases/{ref}/#thread"
    offer = Offer.objects.get(case=case)
    assert (offer.remedy, str(offer.amount), offer.party) == ("refund", "99.50", "merchant")

    consumer = signed_in(world["users"]["consumer"], "en")
    page = consumer.get(f"/consumer/cases/{ref}/").content.decode()
    assert "Accept the offer" in page and "99.50" in page
    consumer.post(f"/offers/{offer.pk}/accept/")
    case.refresh_from_db()
    assert case.state == "resolved"
    page = consumer.get(f"/consumer/cases/{ref}/").content.decode()
    assert "You accepted the offer." in page
    assert "Accept the offer" not in page and "Make an offer" not in page


def test_refusals_show_on_the_page_in_the_readers_language(world):
    ref = file_case(world).reference
    merchant = signed_in(world["users"]["merchant"])
    merchant.post(f"/cases/{ref}/thread/offer/", {"offer": "refund", "amount": "9999"})
    page = merchant.get(f"/merchant/cases/{ref}/").content.decode()
    assert "金额超过了订单实付金额" in page
    assert not Offer.objects.exists()
    offer = actions.make_offer(world["users"]["merchant"], world_case(ref), "remedy", remedy="replacement")
    merchant.post(f"/offers/{offer.pk}/accept/")
    page = merchant.get(f"/merchant/cases/{ref}/").content.decode()
    assert "由对方接受或拒绝" in page
    # Someone else's case: 404, on the thread's forms as on the page.
    stranger = signed_in(world["users"]["other_consumer"])
    assert stranger.post(f"/offers/{offer.pk}/accept/").status_code == 404
    assert stranger.post(f"/cases/{ref}/thread/message/", {"text": "hi"}).status_code == 404


def world_case(ref):
    from plaint.cases.models import Case

    return Case.objects.get(reference=ref)


def test_the_merchant_reads_the_consumers_message_masked_and_the_reviewer_reads_the_whole_thread(world):
    ref = file_case(world).reference
    consumer = signed_in(world["users"]["consumer"])
    consumer.post(f"/cases/{ref}/thread/message/", {"text": "我是李娜，电话 13912345678。"})
    merchant_page = signed_in(world["users"]["merchant"]).get(f"/merchant/cases/{ref}/").content.decode()
    assert "13912345678" not in merchant_page and "[电话/phone]" in merchant_page
    reviewer = signed_in(world["users"]["reviewer"], "en")
    reviewer.post(f"/cases/{ref}/thread/message/", {"text": "Which batch?", "addressed_to": "merchant"})
    page = reviewer.get(f"/review/cases/{ref}/").content.decode()
    assert "13912345678" in page and "Which batch?" in page and "Send the question" in page
    assert re.search(r"A reviewer\s*→\s*The merchant", page)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_agent_sends_an_upload_link_and_the_caller_adds_files_once(world, language):
    case = file_case(world)
    ref = case.reference
    agent = signed_in(world["users"]["agent"], language)
    page = agent.get(f"/agent/cases/{ref}/").content.decode()
    assert ("发送上传链接" if language == "zh-hans" else "Send upload link") in page
    agent.post(f"/agent/cases/{ref}/upload-link/", {"channel": "email"})
    link = UploadLink.objects.get(case=case)
    mail = OutboxMessage.objects.get(idempotency_key=f"upload-link-{link.pk}")
    assert mail.recipient == "c1@example.cn"
    path = re.search(r"http://[^/]+(/upload/\S+/)", mail.body).group(1)
    assert path.startswith(f"/upload/{ref}/")
    # The link needs no account.
    caller = Client(HTTP_ACCEPT_LANGUAGE=language)
    form = caller.get(path)
    assert form.status_code == 200 and b'type="file"' in form.content
    photo = SimpleUploadedFile("box.jpg", f.jpeg("green"))
    added = caller.post(path, {"evidence": [photo], "evidence_kind": ["photo_of_product"]})
    assert added.status_code == 200, added.content.decode()
    assert case.evidence.filter(original_name="box.jpg").exists()
    events = [e.kind for e in case.events.all()]
    assert "upload_link_sent" in events and "upload_link_used" in events
    again = caller.post(path, {"evidence": [SimpleUploadedFile("b.jpg", f.jpeg())], "evidence_kind": ["other"]})
    assert again.status_code == 409
    assert ("已经使用过" if language == "zh-hans" else "already used") in again.content.decode()
    assert case.evidence.count() == 2


def test_an_upload_link_after_its_deadline_or_for_another_case_is_refused_with_a_clear_page(world, time_machine):
    case = file_case(world)
    link = actions.send_upload_link(world["users"]["agent"], case)
    from plaint.cases.actions.upload_link import upload_link_token

    token = upload_link_token(link)
    other = file_case(world, f.order(world["shop"], "C1", external_id="O-N2").external_id)
    caller = Client(HTTP_ACCEPT_LANGUAGE="en")
    wrong = caller.get(f"/upload/{other.reference}/{token}/")
    assert wrong.status_code == 409 and b"for another case" in wrong.content
    post = caller.post(f"/upload/{other.reference}/{token}/", {"evidence": [SimpleUploadedFile("x.jpg", f.jpeg())]})
    assert post.status_code == 409 and not other.evidence.filter(original_name="x.jpg").exists()
    forged = caller.get(f"/upload/{case.reference}/{token[:-2]}xx/")
    assert forged.status_code == 404 and b"not valid" in forged.content
    time_machine.move_to(link.expires_at + timedelta(seconds=1))
    late = caller.get(f"/upload/{case.reference}/{token}/")
    assert late.status_code == 409 and b"expired" in late.content
    late_post = caller.post(f"/upload/{case.reference}/{token}/", {"evidence": [SimpleUploadedFile("y.jpg", f.jpeg())]})
    assert late_post.status_code == 409 and not case.evidence.filter(original_name="y.jpg").exists()


def test_upload_links_are_the_agents_and_for_open_cases(world):
    case = file_case(world)
    api = ApiClient(f.token(world["users"]["consumer"]))
    refused = api.post_json(f"/cases/{case.reference}/upload-link", {"channel": "email"})
    assert refused.status_code == 403
    agent = ApiClient(f.token(world["users"]["agent"]))
    bad = agent.post_json(f"/cases/{case.reference}/upload-link", {"channel": "pigeon"})
    assert bad.status_code == 422 and bad.json()["field"] == "channel"
    made = agent.post_json(f"/cases/{case.reference}/upload-link", {"channel": "email"})
    assert made.status_code == 201 and made.json()["expires_at"]
    actions.withdraw_report(world["users"]["consumer"], case, "")
    assert agent.post_json(f"/cases/{case.reference}/upload-link", {}).status_code == 409


def test_a_sending_with_no_acceptable_file_does_not_use_the_link_up(world):
    case = file_case(world)
    link = actions.send_upload_link(world["users"]["agent"], case)
    from plaint.cases.actions.upload_link import upload_link_path

    caller = Client()
    bad = caller.post(upload_link_path(link), {"evidence": [SimpleUploadedFile("a.exe", b"MZ\x90\x00binary")]})
    assert bad.status_code == 422
    link.refresh_from_db()
    assert link.used_at is None
    good = caller.post(upload_link_path(link), {"evidence": [SimpleUploadedFile("ok.jpg", f.jpeg())]})
    assert good.status_code == 200 and case.evidence.filter(original_name="ok.jpg").exists()
