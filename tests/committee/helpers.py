"""Test data for the committee: a filed case, members and their conflicts."""

import itertools
from datetime import date, timedelta

from django.utils import timezone

from plaint.accounts.models import Role
from plaint.cases import actions as case_actions
from plaint.cases.inputs import ReportIn
from plaint.cases.models import Case
from plaint.committee.actions import MemberIn, add_member, declare_conflict
from plaint.committee.models import CommitteeMember
from plaint.evidence.actions import Upload
from tests import factories as f

_seq = itertools.count(1)

REASONS = "The photos show the defect clearly and the merchant's answer does not explain it."


def filed_case(*, group: str = "", brand: str = "", category: str = "product_quality") -> Case:
    """Return a filed case about an order of a new merchant (with `group`) of a listing of `brand`."""
    n = next(_seq)
    shop = f.merchant(f"MC-{n}", group=group)
    item = f.listing(shop, f"LC-{n}", brand=brand)
    f.order(shop, f"CC-{n}", external_id=f"OC-{n}", listing_obj=item, delivered_at=timezone.now() - timedelta(days=1))
    consumer = f.consumer_user(f"CC-{n}")
    data = ReportIn(target_type="order", target_id=f"OC-{n}", category=category, description="面霜有异味，已过期。")
    case = case_actions.file_report(consumer, data, [Upload("p.jpg", f.jpeg(), "photo_of_product")]).case
    return Case.objects.select_related("merchant", "report").get(pk=case.pk)


def member(
    seat: str,
    *,
    fields: list[str] | None = None,
    term: tuple[date, date] | None = None,
    load_cap: int = 3,
    active: bool = True,
    name: str | None = None,
) -> CommitteeMember:
    user = f.user(Role.COMMITTEE, username=name)
    today = timezone.localdate()
    start, end = term or (today - timedelta(days=30), today + timedelta(days=365))
    if fields is None:
        fields = ["product_quality", "expired_goods"] if seat == "expert" else []
    return add_member(
        user,
        MemberIn(
            display_name=name or user.username,
            seat=seat,
            term_from=start,
            term_to=end,
            expert_fields=fields,
            load_cap=load_cap,
            active=active,
        ),
    )


def committee(per_seat: int = 4) -> dict[str, list[CommitteeMember]]:
    return {seat: [member(seat) for _ in range(per_seat)] for seat in ("consumer_rep", "expert", "lawyer")}


def conflict(m: CommitteeMember, kind: str, value: str) -> None:
    declare_conflict(m, kind, value, "test")


THREE = ["consumer_rep", "expert", "lawyer"]
