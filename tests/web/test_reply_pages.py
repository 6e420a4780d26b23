"""The reply and the progress on the case pages through Django's client (issue 17, items 1 and 3).

Who may reply from which page, a second reply and a late one refused with the dates in the reader's
language, the agent replying for the consumer, the merchant reading the reply masked, the progress
list with aria-current on every party's page, and the statement naming both sides' files without hashes.
"""

from datetime import datetime, timedelta, timezone

import pytest
from django.test import Client

from plaint.accounts.models import Role
from plaint.cases import actions
from plaint.cases.inputs import DecisionIn, ReportIn, ResponseIn
from plaint.cases.models import ReporterReply
from plaint.evidence.actions import Upload
from tests import factories as f

CST = timezone(timedelta(hours=8))


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def world(db, time_machine):
    time_machine.move_to(datetime(2026, 12, 8, 10, 0, tzinfo=CST), tick=False)  # rulebook v3
    shop = f.merchant("M-A", name="Shop A")
    f.order(shop, "C1", external_id="O-1")
    people = {
        "consumer": f.consumer_user("C1"),
        "staff": f.user(Role.MERCHANT, merchant=shop),
        "reviewer": f.user(Role.REVIEWER),
        "agent": f.user(Role.AGENT),
    }
    case = actions.file_report(
        people["consumer"],
        ReportIn(target_type="order", target_id="O-1", category="counterfeit", description="假货 fake"),
        [Upload("my-jar.jpg", f.jpeg("red"), "photo_of_product")],
    ).case
    actions.respond_as_merchant(
        people["staff"],
        case,
        ResponseIn(kind="contest", explanation="正品 genuine"),
        [Upload("customs-papers.jpg", f.jpeg("gray"), "customs_document")],
    )
    return people, case, time_machine


def test_the_consumer_replies_from_the_page_once_and_a_second_reply_names_the_date(world):
    people, case, _ = world
    client = _client(people["consumer"])
    page = client.get(f"/consumer/cases/{case.reference}/").content.decode()
    assert 'id="reply-form"' in page and "customs-papers.jpg" in page
    assert 'aria-current="step" data-stage="review"' in page
    sent = client.post(
        f"/consumer/cases/{case.reference}/reply/", {"text": "批次不符，请联系 13812345678"}, follow=True
    )
    assert "您的回应已提交" in sent.content.decode()
    assert 'id="reply-form"' not in sent.content.decode()
    again = client.post(f"/consumer/cases/{case.reference}/reply/", {"text": "再说一次 again"}, follow=True)
    assert "您已于 2026年12月8日 10:00 回应过商家的答复" in again.content.decode()
    assert ReporterReply.objects.filter(case=case).count() == 1
    # The merchant reads it, the phone number masked; the progress says the reply is made.
    merchant_page = _client(people["staff"]).get(f"/merchant/cases/{case.reference}/").content.decode()
    assert "批次不符" in merchant_page and "13812345678" not in merchant_page
    assert 'aria-current="step" data-stage="review"' in merchant_page


def test_a_late_reply_from_the_page_names_the_window_in_english(world):
    people, case, clock = world
    people["consumer"].language = "en"
    people["consumer"].save(update_fields=["language"])
    clock.move_to(datetime(2026, 12, 10, 11, 0, tzinfo=CST), tick=False)
    client = _client(people["consumer"])
    assert 'id="reply-form"' not in client.get(f"/consumer/cases/{case.reference}/").content.decode()
    late = client.post(f"/consumer/cases/{case.reference}/reply/", {"text": "too late now"}, follow=True)
    assert "The time to reply ran from Dec. 8, 2026, 10 a.m. until Dec. 10, 2026, 10 a.m." in late.content.decode()
    assert not ReporterReply.objects.filter(case=case).exists()


def test_the_agent_replies_for_the_consumer_and_the_merchant_cannot_reply(world):
    people, case, _ = world
    agent = _client(people["agent"])
    page = agent.get(f"/agent/cases/{case.reference}/").content.decode()
    assert 'id="reply-form"' in page and 'ol class="progress"' in page
    agent.post(f"/agent/cases/{case.reference}/reply/", {"text": "顾客来电：批次不符"})
    assert ReporterReply.objects.get(case=case).replied_by == people["agent"]
    # The merchant has no reply page; the consumer's URL is not theirs.
    assert _client(people["staff"]).post(f"/consumer/cases/{case.reference}/reply/", {"text": "x"}).status_code in (
        302,
        403,
        404,
    )
    assert ReporterReply.objects.filter(case=case).count() == 1


def test_the_statement_lists_both_sides_files_by_name_and_kind_and_hashes_only_for_staff(world):
    people, case, _ = world
    actions.claim_case(people["reviewer"], case)
    actions.decide_case(
        people["reviewer"],
        case,
        DecisionIn(
            outcome="upheld", reason_codes=["violation_established"], statement="依据双方证据作出决定。Decided."
        ),
    )
    sha = case.evidence.get(original_name="my-jar.jpg").sha256
    consumer_page = _client(people["consumer"]).get(f"/consumer/cases/{case.reference}/").content.decode()
    statement = consumer_page.split('class="card statement', 1)[1].split("</article>", 1)[0]
    assert "my-jar.jpg" in statement and "customs-papers.jpg" in statement
    assert "举报人提交" in statement and "商家提交" in statement
    assert sha not in statement and sha[:16] not in statement
    review_page = _client(people["reviewer"]).get(f"/review/cases/{case.reference}/").content.decode()
    assert sha in review_page.split('class="card statement', 1)[1].split("</article>", 1)[0]
