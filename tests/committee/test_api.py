"""The committee's API: members see their panels and vote; the secretary sees all; admins manage members."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from plaint.accounts.models import Role
from plaint.committee.draw import draw_panel
from plaint.committee.models import CommitteeMember, Panel, PanelState
from plaint.marketplace.models import Consumer
from tests import factories as f
from tests.api_client import ApiClient

from .helpers import REASONS, THREE, committee, filed_case

pytestmark = pytest.mark.django_db


def api(user) -> ApiClient:
    return ApiClient(f.token(user))


def drawn(case=None) -> Panel:
    now = timezone.now()
    return draw_panel(case or filed_case(), THREE, subject="question:9", due_at=now + timedelta(days=9), now=now)


def seated(panel):
    return [s.member.user for s in panel.seats.order_by("position")]


def test_a_member_lists_their_panels_reads_the_masked_dossier_and_votes():
    committee()
    case = filed_case()
    consumer = Consumer.objects.get(pk=case.reporter_id)
    case.report.description = (
        f"我是{consumer.name}，电话 138-0013-8000，邮箱 lina@example.cn，身份证 110101199003071234。面霜过期。"
    )
    case.report.save()
    panel = drawn(case)
    member = seated(panel)[0]
    client = api(member)
    listed = client.get("/committee/panels").json()
    assert listed["count"] == 1 and listed["results"][0]["id"] == panel.pk
    assert listed["results"][0]["voted"] is False
    body = client.get(f"/committee/panels/{panel.pk}").json()
    text = str(body["dossier"])
    for secret in (
        "138-0013-8000",
        "lina@example.cn",
        "110101199003071234",
        consumer.name,
        consumer.phone,
        consumer.email,
    ):
        assert secret not in text, secret
    assert "面霜过期" in body["dossier"]["report"]["description"]
    assert all("member" not in s for s in body["seats"])  # members read the panel by seat
    evidence = body["dossier"]["evidence"][0]
    file = client.client.get(evidence["url"], headers=client.headers)
    assert file.status_code == 200 and file["Content-Type"] == "image/jpeg"
    voted = client.post_json(f"/committee/panels/{panel.pk}/votes", {"choice": "overturn", "reasons": REASONS})
    assert voted.status_code == 201, voted.json()
    again = client.post_json(f"/committee/panels/{panel.pk}/votes", {"choice": "overturn", "reasons": REASONS})
    assert again.status_code == 409 and again.json()["code"] == "already_voted"
    assert client.get("/committee/panels").json()["results"][0]["voted"] is True


def test_strangers_get_404_and_bad_votes_422_with_the_field():
    members = committee()
    panel = drawn()
    on_panel = {s.member_id for s in panel.seats.all()}
    outsider = next(m for ms in members.values() for m in ms if m.pk not in on_panel).user
    for user in (outsider, f.user(Role.REVIEWER), f.user(Role.MERCHANT)):
        got = api(user).get(f"/committee/panels/{panel.pk}")
        assert got.status_code == 404 and got.json()["code"] == "panel_not_found"
        voted = api(user).post_json(f"/committee/panels/{panel.pk}/votes", {"choice": "confirm", "reasons": REASONS})
        assert voted.status_code == 404
    member = api(seated(panel)[0])
    bad = member.post_json(f"/committee/panels/{panel.pk}/votes", {"choice": "confirm", "reasons": ""})
    assert bad.status_code == 422 and bad.json()["field"] == "reasons"
    bad = member.post_json(
        f"/committee/panels/{panel.pk}/votes", {"choice": "vary", "reasons": REASONS, "variation": {"points": "x"}}
    )
    assert bad.status_code == 422 and bad.json()["field"] == "variation.points"
    assert api(f.user(Role.REVIEWER)).get("/committee/panels").status_code == 403


def test_a_vote_after_the_deadline_is_409_with_the_date():
    committee()
    now = timezone.now()
    panel = draw_panel(
        filed_case(), THREE, subject="question:1", due_at=now - timedelta(seconds=1), now=now - timedelta(days=3)
    )
    got = api(seated(panel)[0]).post_json(
        f"/committee/panels/{panel.pk}/votes", {"choice": "confirm", "reasons": REASONS}
    )
    assert got.status_code == 409 and got.json()["code"] == "panel_deadline_passed"
    assert panel.due_at.isoformat() in got.json()["message"]


def test_recusal_through_the_api_draws_a_replacement():
    committee()
    panel = drawn()
    got = api(seated(panel)[1]).post_json(
        f"/committee/panels/{panel.pk}/recuse", {"reason": "I consulted for this brand in 2025."}
    )
    assert got.status_code == 200 and got.json()["seat"]["state"] == "recused"
    assert panel.seats.filter(state="sitting").count() == 3


def test_the_secretary_sees_waiting_panels_and_names():
    committee(per_seat=1)
    waiting = draw_panel(
        filed_case(),
        ["lawyer", "lawyer", "expert"],
        subject="question:2",
        due_at=timezone.now() + timedelta(days=3),
        now=timezone.now(),
    )
    assert waiting.state == PanelState.WAITING
    secretary = api(f.user(Role.SECRETARY))
    listed = secretary.get("/committee/panels", state="waiting_for_members").json()
    assert [p["id"] for p in listed["results"]] == [waiting.pk]
    assert listed["results"][0]["missing"] == {"lawyer": 1}


def test_the_member_list_is_paged_in_a_constant_number_of_queries():
    committee()
    member = seated(drawn())[0]
    client = api(member)
    client.get("/committee/panels")
    with CaptureQueriesContext(connection) as few:
        client.get("/committee/panels")
    for _ in range(5):
        drawn()
    with CaptureQueriesContext(connection) as more:
        assert client.get("/committee/panels").json()["count"] >= 1
    assert len(more) == len(few)


def test_admins_manage_members_and_conflicts_and_others_cannot():
    admin = api(f.user(Role.ADMIN))
    today = timezone.localdate()
    body = {
        "username": "dr-wang",
        "display_name": "王医生",
        "seat": "expert",
        "expert_fields": ["expired_goods"],
        "term_from": str(today),
        "term_to": str(today + timedelta(days=365)),
        "load_cap": 2,
    }
    made = admin.post_json("/committee/members", body)
    assert made.status_code == 201, made.json()
    member_id = made.json()["id"]
    assert CommitteeMember.objects.get(pk=member_id).user.role == Role.COMMITTEE
    conflict = admin.post_json(
        f"/committee/members/{member_id}/conflicts", {"kind": "group", "value": "Tokyo Trading Group"}
    )
    assert conflict.status_code == 201 and conflict.json()["conflicts"][0]["value"] == "tokyo trading group"
    staff = f.user(Role.SUPERVISOR, username="sup-1")
    refused = admin.post_json("/committee/members", body | {"username": staff.username})
    assert refused.status_code == 422 and refused.json()["code"] == "not_a_committee_account"
    bad = admin.post_json("/committee/members", body | {"username": "x2", "expert_fields": ["nope"]})
    assert bad.status_code == 422 and bad.json()["field"] == "expert_fields"
    bad = admin.post_json("/committee/members", body | {"username": "x3", "term_to": "2000-01-01"})
    assert bad.status_code == 422 and bad.json()["field"] == "term_to"
    assert api(f.user(Role.SUPERVISOR)).get("/committee/members").status_code == 403
    updated = admin.client.put(
        f"/api/committee/members/{member_id}",
        {**body, "load_cap": 5},
        content_type="application/json",
        headers=admin.headers,
    )
    assert updated.status_code == 200 and updated.json()["load_cap"] == 5
