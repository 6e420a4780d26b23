"""Merchants appeal penalties; supervisors decide them with reasons."""

from django.http import HttpRequest
from ninja import Router, Schema, Status

from plaint.accounts.models import Role
from plaint.cases.access import get_case
from plaint.cases.actions.appeals import appeal_penalty, decide_penalty_appeal
from plaint.cases.models import Appeal
from plaint.cases.transitions import AppealState
from plaint.errors import Forbidden, NotFound, Refused

from .cases import ERRORS

router = Router()


class AppealIn(Schema):
    grounds: str


class AppealDecisionIn(Schema):
    overturn: bool
    reasons: str


class AppealOut(Schema):
    id: int
    case: str
    decision_id: int
    state: str
    grounds: str
    filed_at: str
    reasons: str
    decided_at: str | None


def _out(appeal: Appeal) -> dict:
    return {
        "id": appeal.pk,
        "case": appeal.decision.case.reference,
        "decision_id": appeal.decision_id,
        "state": appeal.legacy_state,
        "grounds": appeal.grounds,
        "filed_at": appeal.filed_at.isoformat(),
        "reasons": appeal.reasons,
        "decided_at": appeal.decided_at.isoformat() if appeal.decided_at else None,
    }


@router.post("/cases/{reference}/penalty-appeal", response={201: AppealOut, **ERRORS})
def appeal(request: HttpRequest, reference: str, data: AppealIn) -> Status:
    """The merchant appeals the points and measures of the case's decision, within the rulebook's window."""
    case = get_case(request.auth, reference)
    decision = case.decisions.order_by("-decided_at", "-id").first()
    if decision is None:
        raise Refused("not_decided", "The case has no decision to appeal yet.")
    return Status(201, _out(appeal_penalty(request.auth, decision, data.grounds)))


@router.get("/appeals", response={200: list[AppealOut], **ERRORS})
def list_appeals(request: HttpRequest, state: str = "pending") -> list[dict]:
    """Penalty appeals for supervisors, oldest first (100 at most)."""
    if request.auth.role != Role.SUPERVISOR:
        raise Forbidden("not_a_supervisor", "Penalty appeals are for supervisors.")
    # The penalty appeal's states: pending (not yet decided), overturned, rejected (confirmed).
    legacy = {
        "pending": {"state__in": [AppealState.ANSWER_WINDOW, AppealState.AWAITING_DECISION]},
        "overturned": {"result__in": ["overturned", "varied"]},
        "rejected": {"result": "confirmed"},
    }
    appeals = Appeal.objects.filter(**legacy.get(state, {"state": state})).select_related("decision__case")
    appeals = appeals.order_by("filed_at")
    return [_out(a) for a in appeals[:100]]


@router.post("/appeals/{appeal_id}/decision", response={200: AppealOut, **ERRORS})
def decide(request: HttpRequest, appeal_id: int, data: AppealDecisionIn) -> dict:
    """A supervisor overturns the penalty (points revoked, measures they held up lifted) or rejects the appeal."""
    if request.auth.role != Role.SUPERVISOR:
        raise Forbidden("not_a_supervisor", "Penalty appeals are decided by a supervisor.")
    appeal = Appeal.objects.select_related("decision__case").filter(pk=appeal_id).first()
    if appeal is None:
        raise NotFound("appeal_not_found", f"No penalty appeal {appeal_id}.")
    return _out(decide_penalty_appeal(request.auth, appeal, overturn=data.overturn, reasons=data.reasons))
