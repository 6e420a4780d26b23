"""Votes, the majority, recusal and replacement of members who do not vote in time."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from plaint import committee as committee_app
from plaint.accounts.models import Role
from plaint.committee import callbacks
from plaint.committee.draw import draw_panel, verify
from plaint.committee.models import CommitteeMember, Panel, PanelState, SeatState, Vote
from plaint.committee.votes import Ballot, cast_vote, decide_overdue_panels, recuse, replace_missed_members, tally
from plaint.errors import InvalidInput, NotFound, Refused
from tests import factories as f

from .helpers import REASONS, THREE, committee, filed_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard():
    """Register a handler for "test:" panels; yield what it heard."""
    got: list[int] = []
    committee_app.on_decided("test", lambda panel: got.append(panel.pk))
    yield got
    callbacks._handlers.pop("test", None)


def panel_for(case=None, *, now=None, share=None, composition=THREE) -> Panel:
    now = now or timezone.now()
    return draw_panel(
        case or filed_case(),
        composition,
        subject="test:1",
        due_at=now + timedelta(days=9),
        now=now,
        member_share=share,
    )


def users(panel: Panel):
    return [s.member.user for s in panel.seats.filter(state=SeatState.SITTING).order_by("position")]


def test_two_of_three_overturning_decide_the_panel_and_keep_the_dissent(heard):
    committee()
    panel = panel_for()
    first, second, third = users(panel)
    cast_vote(first, panel.pk, "overturn", REASONS)
    cast_vote(second, panel.pk, "confirm", "The decision followed the rulebook; the photo is not conclusive.")
    panel.refresh_from_db()
    assert panel.state == PanelState.VOTING and heard == []
    cast_vote(third, panel.pk, "overturn", REASONS)
    panel.refresh_from_db()
    assert panel.state == PanelState.DECIDED
    assert panel.outcome["choice"] == "overturn" and panel.outcome["majority"] is True
    assert panel.outcome["counts"] == {"confirm": 1, "overturn": 2, "vary": 0}
    assert [d["choice"] for d in panel.outcome["dissent"]] == ["confirm"]
    assert "not conclusive" in panel.outcome["dissent"][0]["reasons"]
    assert heard == [panel.pk]
    assert panel.case.events.filter(kind="panel_decided").count() == 1


def test_the_panel_decides_when_every_member_has_voted_so_the_dissent_is_heard():
    committee()
    panel = panel_for()
    first, second, third = users(panel)
    cast_vote(first, panel.pk, "confirm", REASONS)
    cast_vote(second, panel.pk, "confirm", REASONS)
    panel.refresh_from_db()
    assert panel.state == PanelState.VOTING  # a majority, but the third member is still to be heard
    cast_vote(third, panel.pk, "overturn", "The label photo contradicts the merchant's answer entirely.")
    panel.refresh_from_db()
    assert panel.state == PanelState.DECIDED and panel.outcome["choice"] == "confirm"
    assert [(d["seat"], d["choice"]) for d in panel.outcome["dissent"]] == [(third.committee_member.seat, "overturn")]


def test_at_its_deadline_a_panel_decides_on_a_majority_of_the_votes_cast_and_not_without_one():
    committee()
    now = timezone.now()
    panel, other = panel_for(), panel_for()
    first, second, _ = users(panel)
    cast_vote(first, panel.pk, "overturn", REASONS)
    cast_vote(second, panel.pk, "overturn", REASONS)
    cast_vote(users(other)[0], other.pk, "overturn", REASONS)
    assert decide_overdue_panels(now) == 0  # not due yet
    assert decide_overdue_panels(now + timedelta(days=30)) == 1
    panel.refresh_from_db(), other.refresh_from_db()
    assert (panel.state, panel.outcome["choice"], other.state) == (PanelState.DECIDED, "overturn", PanelState.VOTING)


def test_vary_majority_with_the_same_variation_and_with_different_ones():
    committee()
    panel = panel_for()
    a, b, c = users(panel)
    cast_vote(a, panel.pk, "vary", REASONS, {"points": 2, "lift_measures": [5]})
    cast_vote(b, panel.pk, "vary", REASONS, {"points": 4})
    panel.refresh_from_db()
    assert panel.state == PanelState.VOTING  # a vary majority that disagrees waits for every vote
    cast_vote(c, panel.pk, "overturn", REASONS)
    panel.refresh_from_db()
    assert panel.outcome["choice"] == "vary"
    assert panel.outcome["variation"] == {"points": 2}  # lower median; a measure only one of two lifts stays


def test_tally_rules():
    def ballot(choice, variation=None, i=0):
        return Ballot(i, "expert", i, choice, "r", variation, "")

    assert tally(3, [ballot("confirm"), ballot("overturn")]) is None
    # No majority once all voted: the median on confirm < vary < overturn.
    split = tally(3, [ballot("confirm"), ballot("overturn"), ballot("vary", {"amount": "50.00"})])
    assert split["choice"] == "vary" and split["majority"] is False and split["variation"] == {"amount": "50.00"}
    same = tally(3, [ballot("vary", {"points": 1}), ballot("vary", {"points": 1})])
    assert same["variation"] == {"points": 1}
    five = [ballot("vary", {"points": p}, i) for i, p in enumerate([1, 1, 3])] + [ballot("confirm", i=4)]
    assert tally(5, five)["variation"] == {"points": 1}  # the variation most vary voters gave
    even = tally(4, [ballot("confirm"), ballot("confirm"), ballot("overturn"), ballot("overturn")])
    assert even["choice"] == "confirm"


def test_a_user_not_on_the_panel_gets_404_and_a_second_vote_409():
    members = committee()
    panel = panel_for()
    sitting = {s.member_id for s in panel.seats.all()}
    outsider = next(m for ms in members.values() for m in ms if m.pk not in sitting).user
    for stranger in (outsider, f.user(Role.SUPERVISOR), f.user(Role.SECRETARY)):
        with pytest.raises(NotFound) as exc:
            cast_vote(stranger, panel.pk, "confirm", REASONS)
        assert exc.value.code == "panel_not_found"
    with pytest.raises(NotFound):
        cast_vote(outsider, 999_999, "confirm", REASONS)
    first = users(panel)[0]
    cast_vote(first, panel.pk, "confirm", REASONS)
    with pytest.raises(Refused) as exc:
        cast_vote(first, panel.pk, "overturn", REASONS)
    assert exc.value.code == "already_voted"
    assert Vote.objects.filter(panel=panel).count() == 1


def test_after_the_deadline_a_vote_is_refused_with_the_date():
    committee()
    now = timezone.now()
    panel = panel_for(now=now)
    with pytest.raises(Refused) as exc:
        cast_vote(users(panel)[0], panel.pk, "confirm", REASONS, now=now + timedelta(days=10))
    assert exc.value.code == "panel_deadline_passed"
    assert exc.value.details["due_at"] == panel.due_at.isoformat()


def test_bad_votes_name_the_field():
    committee()
    panel = panel_for()
    member = users(panel)[0]
    cases = [
        (("maybe", REASONS, None), "choice"),
        (("confirm", "  short ", None), "reasons"),
        (("vary", REASONS, None), "variation"),
        (("vary", REASONS, {"points": -1}), "variation.points"),
        (("vary", REASONS, {"colour": "red"}), "variation.colour"),
        (("confirm", REASONS, {"points": 1}), "variation"),
    ]
    for args, field in cases:
        with pytest.raises(InvalidInput) as exc:
            cast_vote(member, panel.pk, *args)
        assert exc.value.field == field, args
    assert not Vote.objects.exists()


def test_a_member_recuses_with_a_reason_and_a_replacement_is_drawn_and_logged():
    committee()
    panel = panel_for()
    seat = panel.seats.get(position=1)
    with pytest.raises(InvalidInput):
        recuse(seat.member.user, panel.pk, "")
    recuse(seat.member.user, panel.pk, "I advised this merchant's importer last year.")
    seat.refresh_from_db()
    assert seat.state == SeatState.RECUSED and seat.replaced_by is not None
    new = seat.replaced_by
    assert new.position == 1 and new.seat == "expert" and new.member_id != seat.member_id
    assert new.seed and seat.member_id not in new.pool
    assert panel.case.events.filter(kind="panel_member_recused").exists()
    assert panel.case.events.get(kind="panel_recusal_reason").visibility == "staff"
    assert verify(panel)["matches"] is True
    # The recused member can no longer vote on it; the replacement can.
    with pytest.raises(NotFound):
        cast_vote(seat.member.user, panel.pk, "confirm", REASONS)
    cast_vote(new.member.user, panel.pk, "confirm", REASONS)


def test_a_recusal_without_anyone_to_replace_makes_the_panel_wait():
    committee(per_seat=1)
    panel = panel_for()
    lawyer = panel.seats.get(seat="lawyer")
    recuse(lawyer.member.user, panel.pk, "I represented the consumer in another matter.")
    panel.refresh_from_db()
    assert panel.state == PanelState.WAITING and panel.missing == {"lawyer": 1}


def test_a_member_who_has_not_voted_by_the_share_of_time_is_replaced():
    committee()
    now = timezone.now()
    panel = panel_for(now=now, share=Decimal("0.667"))
    slow = panel.seats.get(position=2)
    fast = panel.seats.get(position=0)
    assert slow.vote_due_at == now + timedelta(days=9) * 0.667
    cast_vote(fast.member.user, panel.pk, "confirm", REASONS, now=now + timedelta(days=1))
    assert replace_missed_members(now + timedelta(days=5)) == 0
    assert replace_missed_members(now + timedelta(days=7)) == 2
    slow.refresh_from_db()
    fast.refresh_from_db()
    assert slow.state == SeatState.REPLACED and slow.replaced_by is not None
    assert fast.state == SeatState.SITTING  # voted in time
    assert panel.case.events.filter(kind="panel_member_replaced").count() == 2
    assert replace_missed_members(now + timedelta(days=7)) == 0


@pytest.mark.django_db(transaction=True)
def test_two_members_voting_at_the_same_moment_both_count_once():
    committee()
    panel = panel_for()
    voters = users(panel)
    barrier = threading.Barrier(3)
    errors: list[Exception] = []

    def vote(user, choice):
        barrier.wait()
        try:
            cast_vote(user, panel.pk, choice, REASONS)
        except Exception as exc:  # noqa: BLE001 - the test reports any failure
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=vote, args=(u, "overturn")) for u in voters]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Vote.objects.filter(panel=panel).count() == 3
    panel.refresh_from_db()
    assert panel.state == PanelState.DECIDED and panel.outcome["counts"]["overturn"] == 3
    assert panel.case.events.filter(kind="panel_decided").count() == 1


def test_open_seats_follow_draws_recusals_and_decisions_so_the_load_cap_frees_up():
    committee(per_seat=2)
    panel = panel_for()
    seated = {s.member_id for s in panel.seats.all()}
    assert {m.pk for m in CommitteeMember.objects.filter(open_seats=1)} == seated
    lawyer = panel.seats.get(seat="lawyer")
    recuse(lawyer.member.user, panel.pk, "I once represented this merchant's importer.")
    lawyer.member.refresh_from_db()
    assert lawyer.member.open_seats == 0
    first, second, third = users(panel)
    cast_vote(first, panel.pk, "confirm", REASONS)
    cast_vote(second, panel.pk, "confirm", REASONS)
    cast_vote(third, panel.pk, "confirm", REASONS)
    assert not CommitteeMember.objects.filter(open_seats__gt=0).exists()
