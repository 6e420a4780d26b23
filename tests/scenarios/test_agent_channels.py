"""Hotline and online-chat reports entered by agents carry the channel, the agent and the call or chat reference."""

from datetime import timedelta

import pytest
from django.utils import timezone

from plaint.accounts.models import Role
from plaint.cases.models import Case
from tests import factories as f
from tests.api_client import ApiClient

pytestmark = pytest.mark.django_db

REPORT = {
    "target_type": "order",
    "target_id": "O-1",
    "category": "product_quality",
    "description": "顾客来电：面霜有异味。",
    "remedy_wanted": "refund",
    "consumer_id": "C1",
}


@pytest.fixture
def parties():
    shop = f.merchant("M-A")
    f.order(shop, "C1", external_id="O-1", delivered_at=timezone.now() - timedelta(days=2))
    agent = f.user(Role.AGENT, username="agent-wang")
    return {
        "agent": ApiClient(f.token(agent)),
        "consumer": ApiClient(f.token(f.consumer_user("C1"))),
        "merchant": ApiClient(f.token(f.user(Role.MERCHANT, merchant=shop))),
    }


@pytest.mark.parametrize(
    ("fields", "what"),
    [
        ({"channel": "hotline"}, "call"),
        ({"channel": "online_chat", "channel_reference": "   "}, "chat"),
        ({}, "call"),  # an agent's channel is the hotline unless said otherwise
    ],
)
def test_a_conversation_report_without_its_reference_is_refused_naming_the_field(parties, fields, what):
    response = parties["agent"].post_form("/reports", REPORT | fields)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "channel_reference_required" and body["field"] == "channel_reference"
    assert f"{what} reference" in body["message"] and body["hint"]
    assert Case.objects.count() == 0


def test_the_agent_and_the_reference_are_on_the_case_and_its_timeline(parties):
    response = parties["agent"].post_form(
        "/reports",
        REPORT | {"channel": "online_chat", "channel_reference": "  CHAT-8812  "},
    )
    assert response.status_code == 201, response.content
    url = response.json()["url"].removeprefix("/api")
    assert response.json()["channel"] == "online_chat"

    staff = parties["agent"].get(url).json()
    assert staff["report"]["channel_reference"] == "CHAT-8812"
    assert (staff["report"]["filed_by_role"], staff["report"]["agent"]) == ("agent", "agent-wang")
    filed = staff["timeline"][0]
    assert (filed["kind"], filed["actor"], filed["actor_role"]) == ("filed", "agent-wang", "agent")
    assert filed["data"] == {"channel": "online_chat", "channel_reference": "CHAT-8812", "agent": "agent-wang"}

    # The reporter sees who took the report and the chat's reference, to quote it when they call back.
    mine = parties["consumer"].get(url).json()
    assert mine["report"]["agent"] == "agent-wang" and mine["timeline"][0]["data"]["channel_reference"] == "CHAT-8812"

    # The merchant sees that it came through online chat, not the platform's internal references.
    theirs = parties["merchant"].get(url).json()
    assert theirs["channel"] == "online_chat" and theirs["report"]["filed_by_role"] == "agent"
    assert theirs["report"]["agent"] is None and theirs["report"]["channel_reference"] == ""
    assert theirs["timeline"][0]["data"] == {"channel": "online_chat"}


def test_a_mail_transcribed_by_an_agent_needs_no_call_reference(parties):
    response = parties["agent"].post_form("/reports", REPORT | {"channel": "email"})
    assert response.status_code == 201
    assert response.json()["channel"] == "email"
