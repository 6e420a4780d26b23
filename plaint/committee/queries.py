"""What members, secretaries and admins read: a member's panels, a panel with its dossier, waiting panels.

The dossier is the case as the merchant reads it (plaint.cases.reading with the merchant's side): no
reporter contact details, evidence as the copy without location data; on top, phone numbers, e-mail
addresses and ID numbers written inside any text are masked, and the reporter's name wherever it occurs.
"""

from datetime import datetime
from typing import Any

from django.db.models import Exists, F, OuterRef, QuerySet

from plaint.cases import statements
from plaint.cases.access import MERCHANT
from plaint.cases.masking import mask_text
from plaint.cases.models import Case
from plaint.cases.queries import timeline
from plaint.cases.reading import _masked, event_item
from plaint.rulebook import loader

from .models import CommitteeMember, Panel, PanelSeat, PanelState, SeatState, Vote


def _mask(value: Any, names: tuple[str, ...]) -> Any:
    if isinstance(value, str):
        return mask_text(value, names)
    if isinstance(value, dict):
        return {k: _mask(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask(v, names) for v in value]
    return value


def member_seats(member: CommitteeMember) -> QuerySet[PanelSeat]:
    """Return the member's seats, open panels first by deadline, then decided ones, newest first.

    One query with the panel, its case and whether the member voted; page it (constant query count).
    """
    voted = Vote.objects.filter(panel=OuterRef("panel"), member=OuterRef("member"))
    return (
        PanelSeat.objects.filter(member=member)
        .select_related("panel", "panel__case")
        .annotate(voted=Exists(voted))
        # NULLS FIRST said outright: PostgreSQL puts NULLs last in ascending order, SQLite first.
        .order_by(F("panel__decided_at").desc(nulls_first=True), "panel__due_at", "-id")
    )


def waiting_panels() -> QuerySet[Panel]:
    """Return the panels waiting for members, oldest first, with their cases."""
    return Panel.objects.filter(state=PanelState.WAITING).select_related("case").order_by("requested_at")


def evidence_url(panel: Panel, evidence_id: int) -> str:
    return f"/api/committee/panels/{panel.pk}/evidence/{evidence_id}/file"


def dossier(panel: Panel, language: str = "zh-hans") -> dict[str, Any]:
    """Return the case a panel decides as the merchant reads it, with personal data in text masked."""
    case = Case.objects.select_related("report", "report__order", "merchant", "reporter").get(pk=panel.case_id)
    report = case.report
    names = case.reporter_names()
    rulebook = loader.get(case.rulebook_version)
    category = rulebook.category(case.category)
    kinds = rulebook.evidence_kinds
    data = {
        "reference": case.reference,
        "state": case.state,
        "category": case.category,
        "category_title": {"zh": category.title.zh, "en": category.title.en} if category else None,
        "rulebook_version": case.rulebook_version,
        "opened_at": case.opened_at.isoformat(),
        "merchant": {"id": case.merchant.external_id, "name": case.merchant.name},
        "reporter": {"name": _masked(case.reporter.name)} if case.reporter_id is not None else None,
        "own_initiative": case.own_initiative,
        "report": {
            "target_type": report.target_type,
            "description": report.description,
            "remedy_wanted": report.remedy_wanted,
            "submitted_at": report.submitted_at.isoformat(),
        },
        "order": None,
        "evidence": [
            {
                "id": e.pk,
                "kind": e.kind,
                "kind_title": {"zh": kinds[e.kind].zh, "en": kinds[e.kind].en} if e.kind in kinds else None,
                "party": e.party,
                "content_type": e.content_type,
                "captured_at": e.captured_at.isoformat() if e.captured_at else None,
                "uploaded_at": e.uploaded_at.isoformat(),
                "url": evidence_url(panel, e.pk),
                # The derived images (no metadata) and a video's length, as on the parties' pages.
                "thumbnail_url": evidence_url(panel, e.pk)[: -len("file")] + "thumbnail" if e.thumbnail else None,
                "view_url": evidence_url(panel, e.pk)[: -len("file")] + "view" if e.view_file else None,
                "duration": e.duration,
            }
            for e in case.evidence.order_by("uploaded_at", "id")
        ],
        "responses": [
            {"kind": r.kind, "explanation": r.explanation, "responded_at": r.responded_at.isoformat()}
            for r in case.responses.order_by("responded_at", "id")
        ],
        "decisions": [
            {
                "outcome": d.outcome,
                "remedy": d.remedy,
                "remedy_amount": str(d.remedy_amount) if d.remedy_amount is not None else None,
                "points": d.points,
                "automated": d.automated,
                "decided_at": d.decided_at.isoformat(),
                "statement_text": statements.render(d.statement, language),
            }
            for d in case.decisions.all()
        ],
        "appeals": [
            {
                "id": a.pk,
                "party": a.party,
                "appealed": a.appealed,
                "grounds": a.grounds,
                "evidence_ids": a.evidence_ids,
                "answer": a.answer,
                "answer_evidence_ids": a.answer_evidence_ids,
                "filed_at": a.filed_at.isoformat(),
                "answered_at": a.answered_at.isoformat() if a.answered_at else None,
            }
            for a in case.appeals.all()
        ],
        "timeline": [event_item(e, MERCHANT) for e in timeline(case, MERCHANT)],
    }
    if report.order_id:
        order = report.order
        data["order"] = {
            "id": order.external_id,
            "currency": order.currency,
            "amount_paid": str(order.amount_paid),
            "delivered_at": order.delivered_at.isoformat() if order.delivered_at else None,
        }
    return _mask(data, names)


def seat_item(seat: PanelSeat, *, with_name: bool) -> dict[str, Any]:
    item = {
        "position": seat.position,
        "seat": seat.seat,
        "state": seat.state,
        "seated_at": seat.seated_at.isoformat(),
        "vote_due_at": seat.vote_due_at.isoformat() if seat.vote_due_at else None,
    }
    if with_name:
        item["member"] = {"id": seat.member_id, "name": seat.member.display_name}
    return item


def panel_item(panel: Panel, *, now: datetime | None = None) -> dict[str, Any]:
    """Return a panel's own record: subject, seats (by seat), the draw, the clock and the outcome."""
    return {
        "id": panel.pk,
        "case": panel.case.reference,
        "subject": panel.subject,
        "state": panel.state,
        "composition": panel.composition,
        "category": panel.category,
        "seed": panel.seed,
        "pool": panel.pool,
        "missing": panel.missing,
        "requested_at": panel.requested_at.isoformat(),
        "drawn_at": panel.drawn_at.isoformat() if panel.drawn_at else None,
        "due_at": panel.due_at.isoformat(),
        "decided_at": panel.decided_at.isoformat() if panel.decided_at else None,
        "outcome": panel.outcome,
    }


def sitting(panel: Panel) -> list[PanelSeat]:
    return list(panel.seats.filter(state=SeatState.SITTING).select_related("member").order_by("position"))
