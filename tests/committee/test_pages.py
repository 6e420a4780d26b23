"""The committee's pages: a member's panels and vote form, the secretary's page, the admin's member pages."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from plaint.accounts.models import Role
from plaint.committee.draw import draw_panel
from plaint.committee.models import CommitteeMember, Conflict, Panel, Vote
from plaint.committee.queries import member_seats
from tests import factories as f

from .helpers import REASONS, THREE, committee, filed_case

pytestmark = pytest.mark.django_db


def signed_in(user, language="zh-hans") -> Client:
    user.language = language
    user.save(update_fields=["language"])
    client = Client()
    client.force_login(user)
    return client


def drawn():
    now = timezone.now()
    return draw_panel(filed_case(), THREE, subject="question:3", due_at=now + timedelta(days=9), now=now)


@pytest.mark.parametrize("language,words", [("zh-hans", "我的合议"), ("en", "My panels")])
def test_a_member_sees_their_panels_and_votes_from_the_panel_page(language, words):
    committee()
    panel = drawn()
    member = panel.seats.order_by("position").first().member.user
    client = signed_in(member, language)
    home = client.get("/committee/")
    assert home.status_code == 200 and words in home.content.decode()
    assert panel.case.reference in home.content.decode()
    page = client.get(f"/committee/panels/{panel.pk}/")
    assert page.status_code == 200
    assert "李娜" not in page.content.decode()  # the reporter's name is masked
    # Photos are shown as their thumbnails (320 px, no metadata), served to the panel's members.
    thumbs = re.findall(r'<img src="([^"]+/thumbnail)"', page.content.decode())
    assert thumbs and all(client.get(t)["Content-Type"] == "image/jpeg" for t in thumbs)
    bad = client.post(f"/committee/panels/{panel.pk}/vote/", {"choice": "vary", "reasons": REASONS})
    assert bad.status_code == 422 and not Vote.objects.exists()
    done = client.post(f"/committee/panels/{panel.pk}/vote/", {"choice": "overturn", "reasons": REASONS})
    assert done.status_code == 302
    assert Vote.objects.get().choice == "overturn"


def test_other_roles_and_other_members_cannot_open_a_panel():
    members = committee()
    panel = drawn()
    on = {s.member_id for s in panel.seats.all()}
    outsider = next(m for ms in members.values() for m in ms if m.pk not in on).user
    assert signed_in(outsider).get(f"/committee/panels/{panel.pk}/").status_code == 404
    assert signed_in(f.user(Role.SUPERVISOR)).get(f"/committee/panels/{panel.pk}/").status_code == 403


def test_the_secretary_sees_what_a_waiting_panel_lacks():
    committee(per_seat=1)
    now = timezone.now()
    waiting = draw_panel(
        filed_case(), ["lawyer", "lawyer"], subject="question:4", due_at=now + timedelta(days=2), now=now
    )
    page = signed_in(f.user(Role.SECRETARY), "en").get("/committee/secretary/")
    assert page.status_code == 200
    assert waiting.case.reference in page.content.decode() and "Lawyer × 1" in page.content.decode()


def test_an_admin_adds_a_member_and_declares_a_conflict_from_the_pages():
    admin = signed_in(f.user(Role.ADMIN), "en")
    today = timezone.localdate()
    form = {
        "username": "prof-li",
        "display_name": "Prof. Li",
        "seat": "expert",
        "expert_fields": ["expired_goods"],
        "term_from": str(today),
        "term_to": str(today + timedelta(days=365)),
        "load_cap": "2",
        "active": "on",
    }
    added = admin.post("/committee/members/", form)
    assert added.status_code == 302
    member = CommitteeMember.objects.get(display_name="Prof. Li")
    declared = admin.post(
        f"/committee/members/{member.pk}/", {"what": "conflict", "kind": "brand", "value": "Shiseido"}
    )
    assert declared.status_code == 302 and Conflict.objects.get(member=member).value == "shiseido"
    staff = f.user(Role.REVIEWER, username="rev-x")
    refused = admin.post("/committee/members/", form | {"username": staff.username})
    assert refused.status_code == 422 and "committee" in refused.content.decode()
    assert signed_in(f.user(Role.SUPERVISOR)).get("/committee/members/").status_code == 403


def test_my_panels_lists_open_panels_first_then_decided_ones_newest_first():
    committee(per_seat=1)  # one member a seat: the same three sit on every panel
    CommitteeMember.objects.update(load_cap=10)
    now = timezone.now()
    panels = [
        draw_panel(filed_case(), THREE, subject=f"question:{n}", due_at=now + timedelta(days=9 - n), now=now)
        for n in range(4)
    ]
    Panel.objects.filter(pk=panels[0].pk).update(state="decided", decided_at=now - timedelta(days=2))
    Panel.objects.filter(pk=panels[1].pk).update(state="decided", decided_at=now - timedelta(days=1))
    member = CommitteeMember.objects.get(seat="consumer_rep")
    order = [seat.panel_id for seat in member_seats(member)]
    # Open ones by deadline (panel 3 is due first), then decided ones, the newest first.
    assert order == [panels[3].pk, panels[2].pk, panels[1].pk, panels[0].pk]
