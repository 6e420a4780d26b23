"""The timeline tells evidence sent with the report apart from evidence added later, alike in the API
(the event's data) and on the case page (the plain sentence)."""

import re

import pytest
from django.test import Client
from django.utils import translation

from plaint.cases import actions
from plaint.cases.inputs import ReportIn
from plaint.evidence.actions import Upload
from plaint.web.common import event_sentence
from tests import factories
from tests.api_client import ApiClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def case_with_both():
    shop = factories.merchant()
    order = factories.order(shop, "C-ME")
    me = factories.consumer_user("C-ME")
    data = ReportIn(target_type="order", target_id=order.external_id, category="expired_goods", description="过期了")
    case = actions.file_report(
        me, data, [Upload("with-report.jpg", factories.jpeg("white"), "photo_of_expiry_date")]
    ).case
    actions.add_evidence(me, case, [Upload("later.jpg", factories.jpeg("blue"), "photo_of_expiry_date")])
    return me, case


def _evidence_events(timeline):
    return {e["data"]["file"]: e for e in timeline if e["kind"] == "evidence_added"}


def test_the_api_timeline_marks_evidence_sent_with_the_report(case_with_both):
    me, case = case_with_both
    body = ApiClient(factories.token(me)).get(f"/cases/{case.reference}").json()
    events = _evidence_events(body["timeline"])
    assert events["with-report.jpg"]["data"].get("with_report") is True
    assert "with_report" not in events["later.jpg"]["data"]


def test_the_case_page_says_which_evidence_came_with_the_report(case_with_both):
    me, case = case_with_both
    client = Client()
    client.force_login(me)
    page = client.get(f"/consumer/cases/{case.reference}/").content.decode()
    sentences = re.findall(r'<span class="sentence">(.*?)</span>', page)
    assert "举报人随举报提交了证据：保质期（生产日期）实拍图（with-report.jpg）。" in sentences
    assert "举报人补充了证据：保质期（生产日期）实拍图（later.jpg）。" in sentences
    assert not any("补充了证据" in s and "with-report.jpg" in s for s in sentences)


def test_the_english_sentences_differ_too(case_with_both):
    me, case = case_with_both
    body = ApiClient(factories.token(me)).get(f"/cases/{case.reference}").json()
    events = _evidence_events(body["timeline"])
    with translation.override("en"):
        assert event_sentence(events["with-report.jpg"]).startswith("The reporter sent evidence with the report: ")
        assert event_sentence(events["later.jpg"]).startswith("The reporter added evidence: ")
