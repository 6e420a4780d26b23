"""Every step of the reporter's side on an own-initiative investigation, which has no reporter: refused
with 409 no_reporter (or 404 where the asker cannot see the case), never a server error; the merchant's
and the staff's steps work."""

import pytest
from django.test import Client

from plaint.cases import actions
from plaint.cases.inputs import ReportIn
from plaint.cases.models import Case
from plaint.errors import Refused
from plaint.evidence.actions import Upload
from plaint.monitoring.jobs import compute
from tests import factories as f

from .conftest import investigation_fields, photo

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(world):
    answer = world["api"]["supervisor"].post_form("/investigations", investigation_fields(world), photo())
    assert answer.status_code == 201, answer.content
    return Case.objects.get(reference=answer.json()["reference"])


def refused(answer, status=409, code="no_reporter"):
    assert answer.status_code == status, answer.content
    if code:
        assert answer.json()["code"] == code
    return answer


def test_who_acts_for_a_reporter_is_refused_while_the_merchant_answers(world, case):
    api, ref = world["api"], case.reference
    for role in ("agent", "marketplace"):
        seen = api[role].get(f"/cases/{ref}")
        assert seen.status_code == 200 and seen.json()["reporter"] is None
        reporter_steps = {"add_evidence", "withdraw", "nudge", "reply", "message", "offer"}
        assert not reporter_steps & set(seen.json()["allowed_actions"])
        refused(api[role].post_form(f"/cases/{ref}/evidence", {}, photo()))
        refused(api[role].post_json(f"/cases/{ref}/withdraw", {"reason": "消费者撤回"}))
        refused(api[role].post_json(f"/cases/{ref}/nudge", {}))
        refused(api[role].post_form(f"/cases/{ref}/reply", {"text": "我的答复"}))
        refused(api[role].post_json(f"/cases/{ref}/messages", {"text": "你好"}))
        refused(api[role].post_json(f"/cases/{ref}/offers", {"kind": "extension", "days": 2}))
    refused(api["agent"].post_json(f"/cases/{ref}/upload-link", {"channel": "email"}))
    # A consumer cannot see a case nobody reported: 404, as for any case not theirs.
    for path in (f"/cases/{ref}", f"/cases/{ref}/messages"):
        assert api["consumer"].get(path).status_code == 404
    refused(api["consumer"].post_json(f"/cases/{ref}/rating", {"score": 5}), 404, None)

    # The merchant adds counter-evidence and writes in the thread (to the reviewers), but makes no offer.
    assert api["merchant"].post_form(f"/cases/{ref}/evidence", {}, photo()).status_code == 200
    assert api["merchant"].post_json(f"/cases/{ref}/messages", {"text": "有授权书"}).status_code == 201
    refused(api["merchant"].post_json(f"/cases/{ref}/offers", {"kind": "extension", "days": 2}))
    assert api["merchant"].get(f"/cases/{ref}/messages").json()["open"] is False

    # Staff: a reviewer asks the merchant, not a reporter; asks nobody for evidence.
    reviewer = api["reviewer"]
    refused(reviewer.post_json(f"/cases/{ref}/messages", {"text": "请说明", "addressed_to": "reporter"}))
    asked = reviewer.post_json(f"/cases/{ref}/messages", {"text": "请提供授权书", "addressed_to": "merchant"})
    assert asked.status_code == 201
    api["merchant"].post_form(f"/cases/{ref}/response", {"kind": "contest", "explanation": "正品"})
    # No reporter's reply to wait for, nor a window for one shown to anybody.
    assert api["merchant"].get(f"/cases/{ref}").json()["reply"] is None
    assert reviewer.post_json(f"/review/cases/{ref}/claim", {}).status_code == 200
    refused(
        reviewer.post_json(
            f"/review/cases/{ref}/evidence-request", {"kinds": ["photo_of_product"], "note": "请补充实拍图"}
        )
    )
    # The dossier's complaint text is a consumer's complaint: there is none.
    refused(api["supervisor"].get(f"/cases/{ref}/complaint-text"))
    assert api["supervisor"].get(f"/cases/{ref}").status_code == 200
    assert api["supervisor"].get(f"/cases/{ref}/log/verify").status_code == 200
    assert api["supervisor"].get(f"/cases/{ref}/dossier.pdf").status_code == 200


def test_appeals_after_the_decision_are_the_merchants_only(world, case):
    api, ref = world["api"], case.reference
    api["merchant"].post_form(f"/cases/{ref}/response", {"kind": "contest", "explanation": "正品"})
    api["reviewer"].post_json(f"/review/cases/{ref}/claim", {})
    decided = api["reviewer"].post_json(
        f"/review/cases/{ref}/decision",
        {"outcome": "partly_upheld", "reason_codes": ["violation_established"], "statement": "部分成立 partly proven."},
    )
    assert decided.status_code == 200, decided.content
    refused(api["agent"].post_form(f"/cases/{ref}/appeals", {"appealed": "outcome", "grounds": "不服"}))
    refused(api["consumer"].post_json(f"/cases/{ref}/rating", {"score": 1}), 404, None)
    # A consumer account linked to no consumer is not the reporter of a case that has none.
    with pytest.raises(Refused) as raised:
        actions.rate_case(f.user("consumer"), case, 5)
    assert raised.value.code == "no_reporter"
    appeal = api["merchant"].post_form(f"/cases/{ref}/appeals", {"appealed": "outcome", "grounds": "有授权"})
    assert appeal.status_code == 201, appeal.content


def test_pages_of_an_investigation_for_each_side(world, case):
    ref = case.reference
    pages = {
        "merchant": (world["staff"], f"/merchant/cases/{ref}/", 200),
        "reviewer": (world["reviewer"], f"/review/cases/{ref}/", 200),
        "supervisor": (world["supervisor"], f"/review/cases/{ref}/", 200),
        # The agent console acts for consumers: an investigation is not one of theirs.
        "agent": (f.user("agent"), f"/agent/cases/{ref}/", 404),
        "consumer": (world["consumer"], f"/consumer/cases/{ref}/", 404),
    }
    for name, (user, path, status) in pages.items():
        client = Client()
        client.force_login(user)
        answer = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
        assert answer.status_code == status, (name, answer.status_code)
        if status == 200:
            # Pages are in the account's language (Chinese by default): "opened by the platform on its own initiative".
            assert "平台依职权主动立案" in answer.content.decode(), name


def test_a_consumer_report_about_the_same_listing_is_another_matter(world, case):
    # The investigation does not block the consumer's own report, nor count against her limits.
    order = f.order(world["merchant"], "C1", external_id="O-2", listing_obj=world["listing"])
    data = ReportIn(target_type="order", target_id=order.external_id, category="counterfeit", description="假货 fake")
    filed = actions.file_report(world["consumer"], data, [Upload("p.jpg", f.jpeg(), "photo_of_product")])
    assert filed.created and filed.case.reporter.external_id == "C1"
    assert compute().merchants == 1


def test_the_supervisor_opens_one_from_a_flag_in_the_page(world):
    client = Client()
    client.force_login(world["supervisor"])
    flag = world["flag"]
    board = client.get("/review/supervisor/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"/review/investigations/new/?flag={flag.pk}" in board
    page = client.get(f"/review/investigations/new/?flag={flag.pk}", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="M-FLAG"' in html and "40.0" in html and "调查" in html
    fields = {
        "target_type": "merchant",
        "target_id": "M-FLAG",
        "category": "counterfeit",
        "description": "监测发现举报激增；抽检为假货。",
        "flag_id": str(flag.pk),
        "idempotency_key": "page-1",
    }
    # Without the photo the category requires: refused on the page, nothing opened.
    refused_page = client.post("/review/investigations/new/", fields, HTTP_ACCEPT_LANGUAGE="en")
    assert refused_page.status_code == 422 and "事后无人可补充" in refused_page.content.decode()
    assert not Case.objects.exists()
    from django.core.files.uploadedfile import SimpleUploadedFile

    sent = client.post(
        "/review/investigations/new/",
        fields | {"evidence": SimpleUploadedFile("p.jpg", f.jpeg()), "evidence_kind": "photo_of_product"},
    )
    case = Case.objects.get()
    assert sent.status_code == 302 and sent["Location"] == f"/review/cases/{case.reference}/"
    assert case.own_initiative and case.report.target_type == "merchant"
    flag.refresh_from_db()
    assert (flag.state, flag.case_id) == ("acted", case.pk)
    # The flag left the board; opening it again leads to its case.
    assert f"?flag={flag.pk}" not in client.get("/review/supervisor/").content.decode()
    again = client.get(f"/review/investigations/new/?flag={flag.pk}")
    assert again.status_code == 302 and again["Location"] == f"/review/cases/{case.reference}/"
    # Only supervisors.
    reviewer = Client()
    reviewer.force_login(world["reviewer"])
    assert reviewer.get("/review/investigations/new/").status_code == 403
    assert client.get("/review/investigations/new/?flag=999999").status_code == 404
