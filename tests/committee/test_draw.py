"""The draw: who is eligible, the seeded choice, recording it, re-running it, and waiting for members."""

import random
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from plaint.accounts.models import Role
from plaint.cases import actions as case_actions
from plaint.cases.inputs import ReportIn
from plaint.cases.models import Case
from plaint.committee.actions import MemberIn, add_member
from plaint.committee.draw import draw_panel, eligible_pool, pick, redraw, retry_waiting_draws, verify
from plaint.committee.models import Panel, PanelSeat, PanelState
from plaint.errors import InvalidInput
from plaint.evidence.actions import Upload
from plaint.marketplace.models import OrderItem
from plaint.notifications.models import Notification, OutboxMessage
from tests import factories as f

from .helpers import THREE, committee, conflict, filed_case, member

pytestmark = pytest.mark.django_db


def draw(case, composition=THREE, **kwargs):
    now = kwargs.pop("now", timezone.now())
    return draw_panel(case, composition, subject="question:1", due_at=now + timedelta(days=10), now=now, **kwargs)


def test_a_panel_is_drawn_one_member_per_seat_and_recorded_on_the_case_log():
    case = filed_case()
    members = committee()
    panel = draw(case)
    assert panel.state == PanelState.VOTING
    seats = list(panel.seats.order_by("position"))
    assert [s.seat for s in seats] == THREE
    assert all(s.member.seat == s.seat for s in seats)
    assert panel.pool == {seat: sorted(m.pk for m in ms) for seat, ms in members.items()}
    assert len(panel.seed) == 32
    event = case.events.get(kind="panel_drawn")
    assert event.visibility == "parties"
    assert event.data["seed"] == panel.seed and event.data["pools"] == panel.pool
    assert event.data["drawn"] == [s.member_id for s in seats]
    # Parties read the draw by seat: no member's name is on the log.
    assert not any(m.display_name in str(event.data) for ms in members.values() for m in ms)
    # Each member drawn is told, in the portal and by e-mail.
    assert Notification.objects.filter(event="panel_seated").count() == 3


def test_the_same_seed_and_pools_give_the_same_panel_and_verify_draw_says_so():
    case = filed_case()
    committee(per_seat=6)
    panel = draw(case, seed="0123456789abcdef0123456789abcdef")
    drawn = [s.member_id for s in panel.seats.order_by("position")]
    assert redraw(panel) == drawn == pick(panel.seed, THREE, panel.pool)
    out = StringIO()
    call_command("verify_draw", str(panel.pk), stdout=out)
    assert "0123456789abcdef0123456789abcdef" in out.getvalue()
    assert "The re-run gives the same members." in out.getvalue()
    # A tampered record is caught.
    PanelSeat.objects.filter(panel=panel, position=0).update(
        member_id=panel.pool["consumer_rep"][0]
        if drawn[0] != panel.pool["consumer_rep"][0]
        else panel.pool["consumer_rep"][1]
    )
    assert verify(panel)["matches"] is False


def test_conflicts_with_the_merchant_its_group_and_brand_exclude_a_member():
    case = filed_case(group="Tokyo Trading Group", brand="Shiseido")
    reps = [member("consumer_rep") for _ in range(5)]
    conflict(reps[0], "merchant", case.merchant.external_id)
    conflict(reps[1], "group", "tokyo trading group ")
    conflict(reps[2], "brand", "SHISEIDO")
    conflict(reps[3], "merchant", "some-other-merchant")
    pool = eligible_pool(case, ["consumer_rep"], category=case.category, now=timezone.now())
    assert pool == {"consumer_rep": sorted([reps[3].pk, reps[4].pk])}


def test_brand_conflicts_cover_a_listing_report_and_every_listing_of_the_order():
    # A report about a listing: the listing's brand counts.
    shop = f.merchant("MC-LISTING")
    item = f.listing(shop, "LC-LISTING", brand="Hanami Skin")
    f.order(shop, "CC-LISTING", external_id="OC-LISTING", listing_obj=item)
    data = ReportIn(
        target_type="listing", target_id="LC-LISTING", category="product_quality", description="面霜有异味。"
    )
    filed = case_actions.file_report(
        f.consumer_user("CC-LISTING"), data, [Upload("p.jpg", f.jpeg(), "photo_of_product")]
    )
    listing_case = Case.objects.select_related("merchant", "report").get(pk=filed.case.pk)
    assert listing_case.report.listing_id == item.pk and listing_case.report.order_id is None
    # A report about an order of two listings: the second item's brand counts too.
    order_case = filed_case(brand="First Brand")
    second = f.listing(order_case.merchant, "LC-SECOND", brand="Second Brand")
    OrderItem.objects.create(order_id=order_case.report.order_id, listing=second, title="Serum", unit_price=10)
    reps = [member("consumer_rep") for _ in range(4)]
    conflict(reps[0], "brand", "hanami skin")
    conflict(reps[1], "brand", "second brand")
    conflict(reps[2], "brand", "first brand")
    now = timezone.now()
    assert eligible_pool(listing_case, ["consumer_rep"], category="product_quality", now=now) == {
        "consumer_rep": sorted([reps[1].pk, reps[2].pk, reps[3].pk])
    }
    assert eligible_pool(order_case, ["consumer_rep"], category="product_quality", now=now) == {
        "consumer_rep": sorted([reps[0].pk, reps[3].pk])
    }


def test_term_load_cap_active_field_history_and_exclusions_decide_eligibility():
    case = filed_case(category="expired_goods")
    today = timezone.localdate()
    ok = member("expert", fields=["expired_goods"])
    other_field = member("expert", fields=["counterfeit"])
    ended = member("expert", term=(today - timedelta(days=400), today - timedelta(days=1)))
    not_yet = member("expert", term=(today + timedelta(days=1), today + timedelta(days=100)))
    inactive = member("expert", active=False)
    excluded = member("expert")
    busy = member("expert", load_cap=1)
    # `busy` sits on an open panel of another case: at its cap.
    other = filed_case()
    draw_panel(
        other,
        ["expert"],
        subject="question:2",
        due_at=timezone.now() + timedelta(days=3),
        now=timezone.now(),
        exclude_member_ids=[m.pk for m in (ok, excluded, ended, not_yet, inactive, other_field)],
    )
    assert PanelSeat.objects.get(panel__case=other).member == busy
    pool = eligible_pool(case, ["expert"], category="expired_goods", now=timezone.now(), exclude=[excluded.pk])
    assert pool == {"expert": [ok.pk]}
    # Whoever sat on a panel of this case before is not drawn again for it.
    again = draw_panel(
        case,
        ["expert"],
        subject="question:3",
        due_at=timezone.now() + timedelta(days=3),
        now=timezone.now(),
        exclude_member_ids=[excluded.pk],
    )
    assert again.seats.get().member == ok
    assert eligible_pool(case, ["expert"], category="expired_goods", now=timezone.now()) == {"expert": [excluded.pk]}


def test_too_few_members_the_panel_waits_the_secretaries_are_told_and_it_is_drawn_later():
    case = filed_case()
    secretary = f.user(Role.SECRETARY, email="sec@committee.example")
    member("consumer_rep")
    member("expert")
    now = timezone.now()
    panel = draw(case, now=now)
    assert panel.state == PanelState.WAITING
    assert panel.missing == {"lawyer": 1}
    assert not panel.seats.exists()  # never a smaller panel
    assert case.events.filter(kind="panel_waiting").exists()
    assert Notification.objects.filter(user=secretary, event="panel_waiting").exists()
    assert OutboxMessage.objects.filter(recipient="sec@committee.example").exists()
    assert retry_waiting_draws(now) == 0
    member("lawyer")
    assert retry_waiting_draws(now + timedelta(minutes=5)) == 1
    panel.refresh_from_db()
    assert panel.state == PanelState.VOTING and panel.seats.count() == 3
    assert redraw(panel) == [s.member_id for s in panel.seats.order_by("position")]


def test_bad_composition_and_bad_members_are_refused_with_the_field():
    case = filed_case()
    with pytest.raises(InvalidInput) as exc:
        draw(case, ["judge"])
    assert exc.value.field == "composition"
    reviewer = f.user(Role.REVIEWER)
    today = timezone.localdate()
    with pytest.raises(InvalidInput) as exc:
        add_member(reviewer, MemberIn("R", "lawyer", today, today + timedelta(days=9)))
    assert exc.value.code == "not_a_committee_account"
    with pytest.raises(InvalidInput) as exc:
        member("expert", fields=["no_such_category"])
    assert exc.value.field == "expert_fields"


def test_property_conflicted_never_drawn_nobody_twice_seats_from_own_pool_and_replayable():
    """Over many random committees, conflicts and compositions, the draw keeps its promises."""
    case = filed_case(group="Grp", brand="Brand")
    rng = random.Random(13)
    ties = [("merchant", case.merchant.external_id), ("group", "grp"), ("brand", "brand"), ("merchant", "nobody")]

    class Rollback(Exception):
        pass

    for round_ in range(40):
        try:
            with transaction.atomic():
                conflicted: set[int] = set()
                for _ in range(rng.randint(0, 12)):
                    m = member(rng.choice(THREE), load_cap=rng.randint(1, 2))
                    for _ in range(rng.randint(0, 2)):
                        kind, value = rng.choice(ties)
                        conflict(m, kind, value)
                        if value != "nobody":
                            conflicted.add(m.pk)
                composition = [rng.choice(THREE) for _ in range(rng.choice([3, 5]))]
                panel = draw(case, composition, seed=f"{round_:032x}")
                seats = list(panel.seats.order_by("position"))
                if panel.state == PanelState.WAITING:
                    assert seats == [] and panel.missing
                else:
                    drawn = [s.member_id for s in seats]
                    assert len(set(drawn)) == len(drawn) == len(composition)
                    assert not conflicted & set(drawn)
                    for s in seats:
                        assert s.seat == composition[s.position] and s.member_id in panel.pool[s.seat]
                    assert redraw(Panel.objects.get(pk=panel.pk)) == drawn
                assert not conflicted & {m for pool in panel.pool.values() for m in pool}
                raise Rollback
        except Rollback:
            pass
