"""The remedy's progress, reopening and rating on the case pages; unpaid remedies and ratings for supervisors."""

from datetime import timedelta

import pytest
from django.test import Client

from plaint.cases import clocks
from tests.remedies.conftest import accepted, paid

pytestmark = pytest.mark.django_db


def signed_in(user, language: str = "en") -> Client:
    """A client signed in as `user`, who reads Plaint in `language` (their account's choice)."""
    user.language = language
    user.save(update_fields=["language"])
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "language, instructed, paid_word", [("en", "Instructed", "Paid"), ("zh-hans", "已通知执行", "已到账")]
)
def test_every_case_page_shows_instructed_then_paid(world, language, instructed, paid_word):
    case = accepted(world)
    ref = case["reference"]
    pages = {
        "consumer": f"/consumer/cases/{ref}/",
        "merchant": f"/merchant/cases/{ref}/",
        "agent": f"/agent/cases/{ref}/",
        "supervisor": f"/review/cases/{ref}/",
    }
    before = signed_in(world["users"]["consumer"], language).get(pages["consumer"]).content.decode()
    assert 'data-remedy-state="instructed"' in before and instructed in before
    paid(world, case["remedies"][0]["id"], reference="ALIPAY-2026-0001")
    for side, url in pages.items():
        page = signed_in(world["users"][side], language).get(url)
        assert page.status_code == 200, side
        html = page.content.decode()
        section = html[html.index("remedies-title") :][:1500]
        assert 'data-remedy-state="executed"' in html and paid_word in section and "ALIPAY-2026-0001" in section, (
            section
        )


def test_a_failure_reads_in_words_on_the_consumers_page(world):
    case = accepted(world)
    world["marketplace"].post_json(f"/remedies/{case['remedies'][0]['id']}/failed", {"reason": "收款账户已注销"})
    html = signed_in(world["users"]["consumer"]).get(f"/consumer/cases/{case['reference']}/").content.decode()
    assert "could not carry the remedy out: 收款账户已注销" in html


def test_the_consumer_reopens_and_rates_from_her_page(world):
    ref = accepted(world)["reference"]
    client = signed_in(world["users"]["consumer"])
    page = client.get(f"/consumer/cases/{ref}/").content.decode()
    assert "Reopen the case" in page and "How was your report handled?" in page
    assert client.post(f"/consumer/cases/{ref}/rating/", {"score": "5", "comment": "好"}).status_code == 302
    again = client.post(f"/consumer/cases/{ref}/rating/", {"score": "1"}, follow=True).content.decode()
    assert "You have already rated this case." in again and "5 of 5" in again
    client.post(f"/consumer/cases/{ref}/reopen/", {"reason": "退款未到账"})
    assert world["consumer"].get(f"/cases/{ref}").json()["state"] == "awaiting_review"


def test_reopening_after_the_window_is_refused_on_the_page(world, time_machine):
    ref = accepted(world)["reference"]
    time_machine.shift(timedelta(days=16))
    client = signed_in(world["users"]["consumer"])
    assert "Reopen the case" not in client.get(f"/consumer/cases/{ref}/").content.decode()
    refused = client.post(f"/consumer/cases/{ref}/reopen/", {"reason": "x"}, follow=True).content.decode()
    assert "The time to reopen this case has passed." in refused


def test_supervisors_see_unpaid_remedies_and_ratings(world, time_machine):
    overdue = accepted(world)
    failed = accepted(world)
    world["marketplace"].post_json(f"/remedies/{failed['remedies'][0]['id']}/failed", {"reason": "账户冻结"})
    rated = accepted(world, "damaged_on_arrival")["reference"]
    world["consumer"].post_json(f"/cases/{rated}/rating", {"score": 2})
    time_machine.shift(timedelta(days=3, minutes=1))
    clocks.tick()
    html = signed_in(world["users"]["supervisor"]).get("/review/supervisor/").content.decode()
    assert overdue["reference"] in html and failed["reference"] in html and "Failed: 账户冻结" in html
    assert "Damaged on arrival" in html and "2.0" in html
    assert signed_in(world["users"]["reviewer"]).get("/review/supervisor/").status_code == 403
