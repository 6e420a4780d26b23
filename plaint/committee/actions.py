"""Managing the committee: members (seat, fields, term, load cap) and the conflicts they declare.

Used alike by the admin's pages, the API and the demo. Platform staff are never members: only an
account with the role `committee` can hold a seat.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from plaint.accounts.models import Role, User
from plaint.errors import InvalidInput, NotFound, Refused
from plaint.rulebook import loader

from .models import CommitteeMember, Conflict, ConflictKind, Seat


@dataclass
class MemberIn:
    display_name: str
    seat: str
    term_from: date
    term_to: date
    expert_fields: list[str] = field(default_factory=list)
    load_cap: int = 3
    active: bool = True


def known_categories() -> set[str]:
    """Return the category codes of every rulebook version."""
    return {c.code for rulebook in loader.versions() for c in rulebook.categories}


def _check(data: MemberIn) -> MemberIn:
    name = (data.display_name or "").strip()
    if not name:
        raise InvalidInput(
            "display_name_required", "Give the member's name as the committee shows it.", field="display_name"
        )
    if data.seat not in Seat.values:
        raise InvalidInput(
            "unknown_seat", f"Unknown seat {data.seat!r}.", field="seat", hint=f"Seats are: {', '.join(Seat.values)}."
        )
    fields = sorted({f.strip() for f in data.expert_fields if f.strip()})
    unknown = sorted(set(fields) - known_categories())
    if unknown:
        raise InvalidInput(
            "unknown_category",
            f"Not a rulebook category: {', '.join(unknown)}.",
            field="expert_fields",
            hint=f"Categories are: {', '.join(sorted(known_categories()))}.",
        )
    if data.seat == Seat.EXPERT and not fields:
        raise InvalidInput(
            "expert_fields_required", "An expert needs at least one field (a rulebook category).", field="expert_fields"
        )
    if data.seat != Seat.EXPERT and fields:
        raise InvalidInput("expert_fields_not_allowed", "Only an expert has fields.", field="expert_fields")
    if data.term_to < data.term_from:
        raise InvalidInput("term_out_of_order", "The term ends before it starts.", field="term_to")
    if not 1 <= data.load_cap <= 100:
        raise InvalidInput("invalid_load_cap", "The load cap is between 1 and 100 open panels.", field="load_cap")
    return MemberIn(name, data.seat, data.term_from, data.term_to, fields, data.load_cap, data.active)


def add_member(user: User, data: MemberIn) -> CommitteeMember:
    """Make `user` a member. Refused for an account of another role (platform staff are never members)."""
    data = _check(data)
    if user.role != Role.COMMITTEE:
        raise InvalidInput(
            "not_a_committee_account",
            f"Account {user.username!r} has the role {user.role!r}; only a 'committee' account can be a member.",
            field="user",
            hint="Platform staff, merchants and consumers are never members: create a separate committee account.",
        )
    with transaction.atomic():
        if CommitteeMember.objects.filter(user=user).exists():
            raise Refused("already_member", f"{user.username!r} is already a member.", field="user")
        return CommitteeMember.objects.create(
            user=user,
            display_name=data.display_name,
            seat=data.seat,
            expert_fields=data.expert_fields,
            term_from=data.term_from,
            term_to=data.term_to,
            load_cap=data.load_cap,
            active=data.active,
        )


def update_member(member: CommitteeMember, data: MemberIn) -> CommitteeMember:
    """Change a member's name, seat, fields, term, load cap or active flag (panels already drawn keep them)."""
    data = _check(data)
    for name in ("display_name", "seat", "expert_fields", "term_from", "term_to", "load_cap", "active"):
        setattr(member, name, getattr(data, name))
    member.save()
    return member


def get_member(member_id: int) -> CommitteeMember:
    member = CommitteeMember.objects.select_related("user").filter(pk=member_id).first()
    if member is None:
        raise NotFound("member_not_found", f"No committee member {member_id}.")
    return member


def normalise_conflict(kind: str, value: str) -> str:
    """Return the value as the draw compares it: a merchant's id as given, a brand or group in lower case."""
    value = (value or "").strip()
    return value if kind == ConflictKind.MERCHANT else value.lower()


def declare_conflict(
    member: CommitteeMember, kind: str, value: str, note: str = "", *, now: datetime | None = None
) -> Conflict:
    """Record a tie of the member to a merchant (its external id), a brand or a merchant group.

    Declaring the same tie again returns the first declaration.
    """
    if kind not in ConflictKind.values:
        raise InvalidInput(
            "unknown_conflict_kind", f"Unknown kind {kind!r}.", field="kind", hint="merchant, brand or group."
        )
    value = normalise_conflict(kind, value)
    if not value or len(value) > 200:
        raise InvalidInput(
            "conflict_value_required", "Name the merchant id, brand or group (1-200 characters).", field="value"
        )
    conflict, _ = Conflict.objects.get_or_create(
        member=member,
        kind=kind,
        value=value,
        defaults={"note": (note or "").strip(), "declared_at": now or timezone.now()},
    )
    return conflict


def withdraw_conflict(member: CommitteeMember, conflict_id: int) -> None:
    """Remove a declared conflict of the member; NotFound if it is not theirs."""
    deleted, _ = Conflict.objects.filter(member=member, pk=conflict_id).delete()
    if not deleted:
        raise NotFound("conflict_not_found", f"No conflict {conflict_id} of this member.")
