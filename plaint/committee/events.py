"""What the committee writes on a case's log and who it tells, in the caller's transaction.

The log shows the draw to the parties (seed, pools of member ids, seats) but never a member's name:
parties learn the panel by seat; staff and the members see names on the committee's own pages.
"""

from datetime import datetime

from django.db.models import Q

from plaint.accounts.models import Role, User
from plaint.cases import chain
from plaint.cases.models import CaseEvent, Visibility
from plaint.notifications.notify import Audience, notify

from . import callbacks
from .models import Panel, PanelSeat

SEAT_TEXT = {
    "consumer_rep": {"zh": "消费者代表", "en": "consumer representative"},
    "expert": {"zh": "专家", "en": "expert"},
    "lawyer": {"zh": "律师", "en": "lawyer"},
}


def log(panel: Panel, kind: str, now: datetime, data: dict, *, visibility: str = Visibility.PARTIES) -> None:
    """Append an event about the panel to its case's log."""
    event = CaseEvent(
        case=panel.case,
        kind=kind,
        actor=None,
        actor_role="system",
        at=now,
        rulebook_version=panel.case.rulebook_version,
        data={"panel": panel.pk, "subject": panel.subject, **data},
        visibility=visibility,
    )
    chain.append(panel.case, [event])


def _member_audience(seat: PanelSeat) -> Audience:
    user = seat.member.user
    return Audience(
        f"member-{user.pk}", user.email, user.language, Q(pk=user.pk), f"/committee/panels/{seat.panel_id}/"
    )


def _tell_seated(panel: Panel, seats: list[PanelSeat], now: datetime) -> None:
    for seat in PanelSeat.objects.filter(pk__in=[s.pk for s in seats]).select_related("member__user"):
        notify(
            "panel_seated",
            f"panel-{panel.pk}-seat-{seat.pk}",
            [_member_audience(seat)],
            now,
            case_reference=panel.case.reference,
            ref=panel.case.reference,
            seat=SEAT_TEXT[seat.seat],
            due=f"{panel.due_at:%Y-%m-%d %H:%M} UTC",
        )


def panel_drawn(panel: Panel, seats: list[PanelSeat], now: datetime) -> None:
    log(
        panel,
        "panel_drawn",
        now,
        {
            "seed": panel.seed,
            "composition": panel.composition,
            "pools": panel.pool,
            "excluded": panel.excluded,
            "drawn": [s.member_id for s in seats],
            "due_at": panel.due_at.isoformat(),
        },
    )
    _tell_seated(panel, seats, now)
    callbacks.drawn(panel)


def panel_waiting(panel: Panel, now: datetime) -> None:
    """Log that the panel waits for members and tell every secretary what is missing."""
    log(panel, "panel_waiting", now, {"missing": panel.missing, "pools": panel.pool})
    missing = ", ".join(f"{n} × {seat}" for seat, n in sorted(panel.missing.items()))
    audiences = [
        Audience(f"secretary-{u.pk}", u.email, u.language, Q(pk=u.pk), "/committee/secretary/")
        for u in User.objects.filter(role=Role.SECRETARY, is_active=True).only("pk", "email", "language")
    ]
    waits = panel.case.events.filter(kind="panel_waiting", data__panel=panel.pk).count()
    notify(
        "panel_waiting",
        f"panel-{panel.pk}-waiting-{waits}",
        audiences,
        now,
        case_reference=panel.case.reference,
        ref=panel.case.reference,
        panel=str(panel.pk),
        missing=missing,
    )


def seat_filled(panel: Panel, vacated: PanelSeat, seat: PanelSeat, now: datetime) -> None:
    log(
        panel,
        "panel_seat_filled",
        now,
        {
            "position": seat.position,
            "seat": seat.seat,
            "seed": seat.seed,
            "pool": seat.pool,
            "drawn": seat.member_id,
            "vacated": vacated.state,
        },
    )
    _tell_seated(panel, [seat], now)


def seat_vacated(panel: Panel, seat: PanelSeat, now: datetime) -> None:
    # The recusal's reason is the committee's and staff's business, not the parties'.
    log(panel, f"panel_member_{seat.state}", now, {"position": seat.position, "seat": seat.seat})
    if seat.recusal_reason:
        log(
            panel,
            "panel_recusal_reason",
            now,
            {"position": seat.position, "member": seat.member_id, "reason": seat.recusal_reason},
            visibility=Visibility.STAFF,
        )


def panel_decided(panel: Panel, now: datetime) -> None:
    outcome = panel.outcome or {}
    log(panel, "panel_decided", now, {"choice": outcome.get("choice"), "counts": outcome.get("counts")})
