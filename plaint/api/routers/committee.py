"""The committee: a member's panels, the dossier, votes and recusals; the secretary's panels; members for admins."""

from datetime import date
from typing import Any

from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, HttpRequest
from django.utils import timezone
from ninja import Router, Schema, Status

from plaint.accounts.models import Role, User
from plaint.committee import actions
from plaint.committee.models import CommitteeMember, Panel, PanelSeat, Vote
from plaint.committee.queries import dossier, member_seats, panel_item, seat_item
from plaint.committee.votes import cast_vote, member_of, recuse
from plaint.errors import Forbidden, InvalidInput, NotFound

from .cases import ERRORS

router = Router()

PAGE_SIZE = 25


class VoteIn(Schema):
    choice: str
    reasons: str
    variation: dict[str, Any] | None = None


class RecuseIn(Schema):
    reason: str


class MemberIn(Schema):
    username: str | None = None
    email: str = ""
    display_name: str
    seat: str
    expert_fields: list[str] = []
    term_from: date
    term_to: date
    load_cap: int = 3
    active: bool = True


class ConflictIn(Schema):
    kind: str
    value: str
    note: str = ""


def _not_found(panel_id: int) -> NotFound:
    return NotFound("panel_not_found", f"No panel {panel_id} that you sit on.")


def _panel_for(user: User, panel_id: int) -> tuple[Panel, PanelSeat | None]:
    """Return the panel and the user's seat on it: a member who sits or sat on it, or a secretary (no seat)."""
    panel = Panel.objects.select_related("case").filter(pk=panel_id).first()
    if panel is None:
        raise _not_found(panel_id)
    if user.role == Role.SECRETARY:
        return panel, None
    member = member_of(user)
    seat = PanelSeat.objects.filter(panel=panel, member=member).order_by("-id").first() if member else None
    if seat is None:
        raise _not_found(panel_id)
    return panel, seat


def _vote_out(vote: Vote) -> dict[str, Any]:
    return {
        "choice": vote.choice,
        "reasons": vote.reasons,
        "variation": vote.variation,
        "voted_at": vote.voted_at.isoformat(),
    }


@router.get("/panels", response={200: dict, **ERRORS})
def panels(request: HttpRequest, page: int = 1, state: str | None = None) -> dict:
    """A member's panels (open first, by deadline); for the secretary every panel, newest first. 25 a page."""
    user = request.auth
    if user.role == Role.SECRETARY:
        rows = Panel.objects.select_related("case").order_by("-requested_at", "-id")
        if state:
            rows = rows.filter(state=state)
        current = Paginator(rows, PAGE_SIZE).get_page(page)
        results = [panel_item(p) for p in current]
    elif user.role == Role.COMMITTEE:
        member = member_of(user)
        if member is None:
            raise Forbidden("not_a_member", "This account is not a member of the committee.")
        seats = member_seats(member)
        if state:
            seats = seats.filter(panel__state=state)
        current = Paginator(seats, PAGE_SIZE).get_page(page)
        results = [
            {
                "id": s.panel_id,
                "case": s.panel.case.reference,
                "subject": s.panel.subject,
                "state": s.panel.state,
                "seat": s.seat,
                "seat_state": s.state,
                "voted": s.voted,
                "due_at": s.panel.due_at.isoformat(),
                "vote_due_at": s.vote_due_at.isoformat() if s.vote_due_at else None,
            }
            for s in current
        ]
    else:
        raise Forbidden("not_committee", "Panels are for committee members and the committee's secretary.")
    return {
        "count": current.paginator.count,
        "page": current.number,
        "pages": current.paginator.num_pages,
        "results": results,
    }


@router.get("/panels/{panel_id}", response={200: dict, **ERRORS})
def panel(request: HttpRequest, panel_id: int) -> dict:
    """A panel: for its members the dossier, their seat and vote; for the secretary the seats by name."""
    user = request.auth
    panel, seat = _panel_for(user, panel_id)
    data = panel_item(panel)
    seats = panel.seats.select_related("member").order_by("position", "seated_at")
    if seat is None:  # the secretary
        data["seats"] = [seat_item(s, with_name=True) for s in seats]
        return data
    data["seats"] = [seat_item(s, with_name=False) for s in seats]
    data["my_seat"] = seat_item(seat, with_name=False)
    vote = Vote.objects.filter(panel=panel, member_id=seat.member_id).first()
    data["my_vote"] = _vote_out(vote) if vote else None
    data["dossier"] = dossier(panel, user.language)
    return data


@router.post("/panels/{panel_id}/votes", response={201: dict, **ERRORS})
def vote(request: HttpRequest, panel_id: int, data: VoteIn) -> Status:
    """Vote confirm, overturn or vary, with reasons (and for vary the variation); once per member."""
    cast = cast_vote(request.auth, panel_id, data.choice, data.reasons, data.variation)
    panel = Panel.objects.get(pk=panel_id)
    return Status(
        201, {"vote": _vote_out(cast), "panel": {"id": panel.pk, "state": panel.state, "outcome": panel.outcome}}
    )


@router.post("/panels/{panel_id}/recuse", response={200: dict, **ERRORS})
def recuse_from(request: HttpRequest, panel_id: int, data: RecuseIn) -> dict:
    """Step down from a panel with a reason; a replacement is drawn (or the panel waits for members)."""
    seat = recuse(request.auth, panel_id, data.reason)
    panel = Panel.objects.get(pk=panel_id)
    return {"seat": seat_item(seat, with_name=False), "panel": {"id": panel.pk, "state": panel.state}}


@router.get("/panels/{panel_id}/evidence/{evidence_id}/file", response={200: None, **ERRORS})
def evidence_file(request: HttpRequest, panel_id: int, evidence_id: int) -> FileResponse:
    """An evidence file of the panel's case, as the copy without location data."""
    panel, seat = _panel_for(request.auth, panel_id)
    evidence = panel.case.evidence.filter(pk=evidence_id).first()
    if evidence is None or not evidence.shared_file:
        raise NotFound("evidence_not_found", f"No evidence {evidence_id} on this panel's case.")
    response = FileResponse(evidence.shared_file.open("rb"), content_type=evidence.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = f'inline; filename="evidence-{evidence.pk}{evidence.shared_file.name[-4:]}"'
    return response


@router.get("/panels/{panel_id}/evidence/{evidence_id}/{derived}", response={200: None, **ERRORS})
def evidence_derived(request: HttpRequest, panel_id: int, evidence_id: int, derived: str) -> FileResponse:
    """A photo's 320 px thumbnail (`thumbnail`) or a HEIC photo's JPEG (`view`): no metadata, no location."""
    panel, seat = _panel_for(request.auth, panel_id)
    evidence = panel.case.evidence.filter(pk=evidence_id).first()
    stored = {"thumbnail": evidence.thumbnail, "view": evidence.view_file}.get(derived) if evidence else None
    if not stored:
        raise NotFound("evidence_not_found", f"No {derived} of evidence {evidence_id} on this panel's case.")
    response = FileResponse(stored.open("rb"), content_type="image/jpeg")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = f'inline; filename="evidence-{evidence.pk}-{derived}.jpg"'
    return response


# --- members, for admins --------------------------------------------------------------------------


def _admin(request: HttpRequest) -> None:
    if request.auth.role != Role.ADMIN:
        raise Forbidden("not_an_admin", "The committee's members are managed by an admin.")


def member_out(member: CommitteeMember) -> dict[str, Any]:
    return {
        "id": member.pk,
        "username": member.user.username,
        "display_name": member.display_name,
        "seat": member.seat,
        "expert_fields": member.expert_fields,
        "term_from": member.term_from.isoformat(),
        "term_to": member.term_to.isoformat(),
        "load_cap": member.load_cap,
        "active": member.active,
        "conflicts": [
            {"id": c.pk, "kind": c.kind, "value": c.value, "note": c.note, "declared_at": c.declared_at.isoformat()}
            for c in member.conflicts.all()
        ],
    }


def _member_data(data: MemberIn) -> actions.MemberIn:
    return actions.MemberIn(
        display_name=data.display_name,
        seat=data.seat,
        term_from=data.term_from,
        term_to=data.term_to,
        expert_fields=data.expert_fields,
        load_cap=data.load_cap,
        active=data.active,
    )


@router.get("/members", response={200: dict, **ERRORS})
def members(request: HttpRequest, page: int = 1, seat: str | None = None) -> dict:
    """The committee's members with their conflicts, by seat and name; 50 a page."""
    _admin(request)
    rows = CommitteeMember.objects.select_related("user").prefetch_related("conflicts")
    if seat:
        rows = rows.filter(seat=seat)
    current = Paginator(rows, 50).get_page(page)
    return {
        "count": current.paginator.count,
        "page": current.number,
        "pages": current.paginator.num_pages,
        "results": [member_out(m) for m in current],
    }


@router.post("/members", response={201: dict, **ERRORS})
def add(request: HttpRequest, data: MemberIn) -> Status:
    """Add a member: the committee account `username` (created with the role committee if new)."""
    _admin(request)
    username = (data.username or "").strip()
    if not username:
        raise InvalidInput("username_required", "Name the member's account (username).", field="username")
    with transaction.atomic():
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create_user(username=username, email=data.email, role=Role.COMMITTEE)
        member = actions.add_member(user, _member_data(data))
    return Status(201, member_out(member))


@router.get("/members/{member_id}", response={200: dict, **ERRORS})
def get_member(request: HttpRequest, member_id: int) -> dict:
    _admin(request)
    return member_out(actions.get_member(member_id))


@router.put("/members/{member_id}", response={200: dict, **ERRORS})
def update(request: HttpRequest, member_id: int, data: MemberIn) -> dict:
    """Change a member's name, seat, fields, term, load cap or active flag (the account stays)."""
    _admin(request)
    return member_out(actions.update_member(actions.get_member(member_id), _member_data(data)))


@router.delete("/members/{member_id}", response={200: dict, **ERRORS})
def deactivate(request: HttpRequest, member_id: int) -> dict:
    """Take a member off the draws (active=false); their past seats and votes stay on the record."""
    _admin(request)
    member = actions.get_member(member_id)
    member.active = False
    member.save(update_fields=["active"])
    return member_out(member)


@router.post("/members/{member_id}/conflicts", response={201: dict, **ERRORS})
def declare(request: HttpRequest, member_id: int, data: ConflictIn) -> Status:
    """Declare a member's tie to a merchant (external id), a brand or a merchant group."""
    _admin(request)
    member = actions.get_member(member_id)
    actions.declare_conflict(member, data.kind, data.value, data.note, now=timezone.now())
    return Status(201, member_out(member))


@router.delete("/members/{member_id}/conflicts/{conflict_id}", response={200: dict, **ERRORS})
def withdraw(request: HttpRequest, member_id: int, conflict_id: int) -> dict:
    _admin(request)
    member = actions.get_member(member_id)
    actions.withdraw_conflict(member, conflict_id)
    return member_out(member)
