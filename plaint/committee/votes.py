"""Panel work: a member votes or recuses; the majority decides; a member who does not vote in time is replaced.

Every function locks the panel's row first, so two members voting at the same moment are counted one
after the other and the panel is decided exactly once.
"""

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from plaint.accounts.models import Role, User
from plaint.errors import InvalidInput, NotFound, Refused

from . import callbacks, events
from .draw import fill_seat, occupy
from .models import Choice, CommitteeMember, Panel, PanelSeat, PanelState, SeatState, Vote

# The choices from the least to the most change to the decision appealed: the median vote decides
# when no choice has a majority of the seats.
SCALE = [Choice.CONFIRM, Choice.VARY, Choice.OVERTURN]


class Variation(BaseModel):
    """What a `vary` vote changes: the remedy or its amount, the points, measures to lift."""

    model_config = ConfigDict(extra="forbid")
    remedy: str | None = Field(None, max_length=30)
    amount: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2)
    points: int | None = Field(None, ge=0)
    lift_measures: list[int] = Field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        data = self.model_dump(exclude_none=True)
        if "amount" in data:
            data["amount"] = str(data["amount"])
        if not data.get("lift_measures"):
            data.pop("lift_measures", None)
        else:
            data["lift_measures"] = sorted(set(data["lift_measures"]))
        return data


@dataclass(frozen=True)
class Ballot:
    """A vote as the tally reads it."""

    position: int
    seat: str
    member: int
    choice: str
    reasons: str
    variation: dict[str, Any] | None
    voted_at: str


def _seat_of(user: User, panel_id: int, *, for_update: bool = False) -> tuple[Panel, PanelSeat]:
    """Return the panel (locked) and the user's sitting seat on it; NotFound if they do not sit on it."""
    missing = NotFound("panel_not_found", f"No panel {panel_id} that you sit on.")
    if user.role != Role.COMMITTEE:
        raise missing
    panels = Panel.objects.select_related("case", "case__merchant", "case__report")
    panel = (panels.select_for_update(of=("self",)) if for_update else panels).filter(pk=panel_id).first()
    if panel is None:
        raise missing
    seat = (
        PanelSeat.objects.filter(panel=panel, member__user=user, state=SeatState.SITTING)
        .select_related("member", "member__user")
        .first()
    )
    if seat is None:
        raise missing
    return panel, seat


def _open(panel: Panel, now: datetime) -> None:
    if panel.state == PanelState.DECIDED:
        raise Refused("panel_decided", f"Panel {panel.pk} has already decided.")
    if now > panel.due_at:
        raise Refused(
            "panel_deadline_passed",
            f"The panel's deadline passed on {panel.due_at.isoformat()}.",
            details={"due_at": panel.due_at.isoformat()},
        )


def _reasons(text: str, field: str = "reasons") -> str:
    text = (text or "").strip()
    least = settings.PLAINT_COMMITTEE_MIN_REASONS
    if len(text) < least:
        raise InvalidInput(
            "reasons_required",
            f"Write your reasons: at least {least} characters.",
            field=field,
            hint="Say what you considered and why it leads to your choice; the parties read it.",
        )
    return text


def _variation(choice: str, variation: dict[str, Any] | None) -> dict[str, Any] | None:
    if choice != Choice.VARY:
        if variation:
            raise InvalidInput("variation_not_allowed", "Only a 'vary' vote carries a variation.", field="variation")
        return None
    try:
        parsed = Variation.model_validate(variation or {}).as_json()
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"])
        raise InvalidInput(
            "invalid_variation", f"variation.{where}: {error['msg']}", field=f"variation.{where}"
        ) from None
    if not parsed:
        raise InvalidInput(
            "variation_required",
            "A 'vary' vote says what changes: remedy, amount, points or lift_measures.",
            field="variation",
        )
    return parsed


def cast_vote(
    user: User,
    panel_id: int,
    choice: str,
    reasons: str,
    variation: dict[str, Any] | None = None,
    *,
    now: datetime | None = None,
) -> Vote:
    """Record the member's vote on a panel; decide the panel when the votes make a majority (see `tally`).

    NotFound if the user does not sit on the panel (never says whether it exists); Refused after the
    panel's deadline (`panel_deadline_passed`), on a decided panel, or for a second vote (`already_voted`).
    """
    now = now or timezone.now()
    if choice not in Choice.values:
        raise InvalidInput(
            "invalid_choice", f"Unknown choice {choice!r}.", field="choice", hint="confirm, overturn or vary."
        )
    text = _reasons(reasons)
    varied = _variation(choice, variation)
    with transaction.atomic():
        panel, seat = _seat_of(user, panel_id, for_update=True)
        _open(panel, now)
        if Vote.objects.filter(panel=panel, member=seat.member).exists():
            raise Refused("already_voted", "You have already voted on this panel; a vote cannot be changed.")
        try:
            with transaction.atomic():
                vote = Vote.objects.create(
                    panel=panel,
                    member=seat.member,
                    seat=seat.seat,
                    choice=choice,
                    reasons=text,
                    variation=varied,
                    voted_at=now,
                )
        except IntegrityError:
            raise Refused("already_voted", "You have already voted on this panel.") from None
        _decide_if_ready(panel, now)
        return vote


def ballots(panel: Panel) -> list[Ballot]:
    """Return the votes of the members sitting on the panel now, in the order they were cast."""
    positions = {
        s.member_id: s.position for s in panel.seats.filter(state=SeatState.SITTING).only("member_id", "position")
    }
    return [
        Ballot(positions[v.member_id], v.seat, v.member_id, v.choice, v.reasons, v.variation, v.voted_at.isoformat())
        for v in panel.votes.order_by("voted_at", "id")
        if v.member_id in positions
    ]


def _key(variation: dict[str, Any] | None) -> str:
    return json.dumps(variation or {}, sort_keys=True)


def _lower_median(values: list[Any]) -> Any:
    ordered = sorted(values)
    return ordered[(len(ordered) - 1) // 2]


def median_variation(variations: list[dict[str, Any]]) -> dict[str, Any]:
    """Return one variation from disagreeing ones: the (lower) median points and amount, the remedy most
    given (first given on a tie), the measures more than half of them lift."""
    merged: dict[str, Any] = {}
    points = [v["points"] for v in variations if "points" in v]
    if points:
        merged["points"] = _lower_median(points)
    amounts = [Decimal(v["amount"]) for v in variations if "amount" in v]
    if amounts:
        merged["amount"] = str(_lower_median(amounts))
    remedies = [v["remedy"] for v in variations if "remedy" in v]
    if remedies:
        merged["remedy"] = Counter(remedies).most_common(1)[0][0]
    lifted = Counter(m for v in variations for m in v.get("lift_measures", []))
    kept = sorted(m for m, n in lifted.items() if n * 2 > len(variations))
    if kept:
        merged["lift_measures"] = kept
    return merged


def _variation_of(vary: list[Ballot], complete: bool) -> dict[str, Any] | None:
    """Return the variation the `vary` voters decide, or None while they disagree and votes are missing."""
    counted = Counter(_key(b.variation) for b in vary).most_common()
    if len(counted) == 1 or counted[0][1] > counted[1][1]:
        return json.loads(counted[0][0])
    return median_variation([b.variation or {} for b in vary]) if complete else None


def tally(size: int, votes: Sequence[Ballot]) -> dict[str, Any] | None:
    """Return the panel's outcome from its votes, or None while it cannot be known yet.

    A choice given by a majority of the seats decides at once. A `vary` majority whose variations differ
    takes the variation most of them gave; on a tie it waits for every vote, then takes the median
    (`median_variation`). When every seat has voted and no choice has a majority, the median vote on the
    scale confirm < vary < overturn decides (with an even count, the lower of the two middle votes).
    """
    need = size // 2 + 1
    counts = Counter(b.choice for b in votes)
    complete = len(votes) >= size
    choice: str | None = None
    for candidate in SCALE:
        if counts[candidate] >= need:
            choice = candidate
    if choice is None and complete:
        ordered = sorted(votes, key=lambda b: SCALE.index(b.choice))
        choice = ordered[(len(ordered) - 1) // 2].choice
    if choice is None:
        return None
    variation = None
    if choice == Choice.VARY:
        variation = _variation_of([b for b in votes if b.choice == Choice.VARY], complete)
        if variation is None:
            return None
    return {
        "choice": choice,
        "variation": variation,
        "majority": counts[choice] >= need,
        "counts": {c: counts[c] for c in Choice.values},
        "seats": size,
        "votes": [b.__dict__ for b in votes],
        "dissent": [b.__dict__ for b in votes if b.choice != choice],
    }


def _decide_if_ready(panel: Panel, now: datetime, *, at_deadline: bool = False) -> bool:
    """Decide the panel once every seat has voted, and return whether it did.

    Each member is heard, so a dissent is written, not cut short by an early majority (a member who
    does not vote in time is replaced by a new draw). At the panel's deadline (`at_deadline`) the votes
    cast decide if they hold a majority of the seats; else the panel stays open, past its clock.
    """
    votes = ballots(panel)
    if len(votes) < panel.size and not at_deadline:
        return False
    outcome = tally(panel.size, votes)
    if outcome is None:
        return False
    panel.state = PanelState.DECIDED
    panel.outcome = outcome
    panel.decided_at = now
    panel.save(update_fields=["state", "outcome", "decided_at"])
    # The members are free again: their seats no longer count against their load caps.
    still = panel.seats.filter(state=SeatState.SITTING, ended_at__isnull=True)
    occupy(list(still.values_list("member_id", flat=True)), -1)
    still.update(ended_at=now)
    events.panel_decided(panel, now)
    callbacks.decided(panel)
    return True


def decide_overdue_panels(now: datetime | None = None) -> int:
    """Decide the voting panels past their deadline whose votes hold a majority of the seats; return how many.

    A periodic job, each panel in its own transaction under its lock. A panel without such a majority
    stays open: its case clock's breach has told the supervisors (and it waits for replaced members).
    """
    now = now or timezone.now()
    decided = 0
    for panel_id in Panel.objects.filter(state=PanelState.VOTING, due_at__lt=now).values_list("pk", flat=True):
        with transaction.atomic():
            panel = Panel.objects.select_for_update().select_related("case").get(pk=panel_id)
            if panel.state == PanelState.VOTING:
                decided += _decide_if_ready(panel, now, at_deadline=True)
    return decided


def recuse(user: User, panel_id: int, reason: str, *, now: datetime | None = None) -> PanelSeat:
    """Step down from a panel with a reason; a replacement is drawn for the seat (or the panel waits).

    NotFound if the user does not sit on the panel; Refused once they have voted or the panel decided.
    """
    now = now or timezone.now()
    text = _reasons(reason, "reason")
    with transaction.atomic():
        panel, seat = _seat_of(user, panel_id, for_update=True)
        if panel.state == PanelState.DECIDED:
            raise Refused("panel_decided", f"Panel {panel.pk} has already decided.")
        if Vote.objects.filter(panel=panel, member=seat.member).exists():
            raise Refused("already_voted", "You have voted on this panel; a member who voted cannot recuse.")
        seat.state = SeatState.RECUSED
        seat.recusal_reason = text
        seat.ended_at = now
        seat.save(update_fields=["state", "recusal_reason", "ended_at"])
        occupy([seat.member_id], -1)
        events.seat_vacated(panel, seat, now)
        fill_seat(panel, seat, now)
        return seat


def replace_missed_members(now: datetime | None = None) -> int:
    """Give the seats of members who did not vote by their seat's `vote_due_at` to new draws; return how many.

    A periodic job; each seat in its own transaction under the panel's lock.
    """
    now = now or timezone.now()
    voted = Vote.objects.filter(panel=OuterRef("panel"), member=OuterRef("member"))
    due = (
        PanelSeat.objects.filter(state=SeatState.SITTING, vote_due_at__lt=now, panel__state=PanelState.VOTING)
        .filter(~Exists(voted))
        .values_list("pk", "panel_id")
    )
    replaced = 0
    for seat_id, panel_id in list(due):
        with transaction.atomic():
            panel = Panel.objects.select_for_update().select_related("case").get(pk=panel_id)
            seat = PanelSeat.objects.get(pk=seat_id)
            if panel.state != PanelState.VOTING or seat.state != SeatState.SITTING:
                continue
            if Vote.objects.filter(panel=panel, member_id=seat.member_id).exists():
                continue
            seat.state = SeatState.REPLACED
            seat.ended_at = now
            seat.save(update_fields=["state", "ended_at"])
            occupy([seat.member_id], -1)
            events.seat_vacated(panel, seat, now)
            fill_seat(panel, seat, now)
            replaced += 1
    return replaced


def member_of(user: User) -> CommitteeMember | None:
    """Return the user's committee membership, or None."""
    if user.role != Role.COMMITTEE:
        return None
    return CommitteeMember.objects.filter(user=user).first()
