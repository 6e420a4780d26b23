"""make demo's data: every role, a cross-border marketplace, and cases in several states."""

import pytest
from django.core.management import call_command

from plaint.accounts.models import ApiToken, Role, User
from plaint.cases.models import Case
from plaint.marketplace.models import Listing, Merchant, Order


@pytest.mark.django_db
def test_demo_loads_every_role_and_cases_in_several_states(capsys):
    call_command("load_demo")
    assert {u.role for u in User.objects.all()} == set(Role.values)
    assert Merchant.objects.filter(cross_border=True).count() >= 4
    assert Listing.objects.exclude(origin_country="").exclude(customs_declaration_no="").count() >= 4
    assert Order.objects.filter(tariff_paid__gt=0, delivered_at__isnull=False).count() >= 6
    states = set(Case.objects.values_list("state", flat=True))
    assert states >= {"awaiting_merchant", "needs_evidence", "inadmissible", "awaiting_review", "decided", "resolved"}
    assert ApiToken.objects.filter(key_hash=ApiToken.hash_key("demo-reviewer")).exists()
    # The committee: at least four members per seat, experts covering the demo's categories, one conflict.
    from plaint.committee.models import CommitteeMember, Conflict

    members = CommitteeMember.objects.all()
    assert all(members.filter(seat=seat).count() >= 4 for seat in ("consumer_rep", "expert", "lawyer"))
    fields = {f for m in members.filter(seat="expert") for f in m.expert_fields}
    assert fields >= set(Case.objects.values_list("category", flat=True))
    assert Conflict.objects.filter(kind="merchant", value="M-TOKYO").count() == 1
    assert ApiToken.objects.filter(key_hash=ApiToken.hash_key("demo-committee-zhou")).exists()
    assert User.objects.filter(role=Role.SECRETARY, username="secretary").exists()
    from django.utils import timezone

    from plaint.committee.draw import eligible_pool

    tokyo = Case.objects.filter(merchant__external_id="M-TOKYO").select_related("merchant", "report").first()
    pool = eligible_pool(tokyo, ["consumer_rep"], category=tokyo.category, now=timezone.now())
    zhou = CommitteeMember.objects.get(user__username="committee-zhou")
    assert len(pool["consumer_rep"]) == 3 and zhou.pk not in pool["consumer_rep"]
    count = Case.objects.count()
    call_command("load_demo")  # a second run leaves the data as it is
    assert "already loaded" in capsys.readouterr().out
    assert Case.objects.count() == count


@pytest.mark.django_db
def test_the_demo_has_an_appeal_in_each_state_once_the_committee_decides(time_machine):
    from datetime import UTC, datetime

    from plaint.cases.models import Appeal
    from plaint.committee.models import Panel

    time_machine.move_to(datetime(2026, 12, 8, 2, 0, tzinfo=UTC))  # rulebook version 3 is in force
    call_command("load_demo")
    states = sorted(Appeal.objects.values_list("route", "state"))
    assert states == [
        ("committee", "answer_window"),
        ("committee", "awaiting_decision"),
        ("committee", "awaiting_decision"),
        ("committee", "decided"),
    ]
    decided = Appeal.objects.get(state="decided")
    assert decided.result == "overturned" and decided.statement["panel"]["dissent"]
    assert sorted(Panel.objects.values_list("state", flat=True)) == ["decided", "voting", "voting"]
    # Case B's panel never seats the member tied to Tokyo; Li Na's appeal is against Seoul.
    zhou = User.objects.get(username="committee-zhou").committee_member
    tokyo = Panel.objects.filter(case__merchant__external_id="M-TOKYO")
    assert not tokyo.filter(seats__member=zhou).exists()


@pytest.mark.django_db
def test_under_version_2_the_demo_s_appeals_wait_for_a_supervisor(time_machine):
    from datetime import UTC, datetime

    from plaint.cases.models import Appeal

    time_machine.move_to(datetime(2026, 12, 3, 2, 0, tzinfo=UTC))
    call_command("load_demo")
    assert sorted(Appeal.objects.values_list("route", "state")) == [
        ("reconsideration", "answer_window"),
        ("reconsideration", "awaiting_decision"),
        ("reconsideration", "awaiting_decision"),
        ("reconsideration", "awaiting_decision"),
    ]
