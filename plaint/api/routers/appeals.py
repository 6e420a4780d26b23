"""Appeals: either party appeals a decision (multipart, with evidence), the other answers, a supervisor decides.

The merchant's penalty endpoint (`POST /cases/{ref}/penalty-appeal`) files the same appeal
(appealed `penalty`) and keeps its answer's shape.
"""

from typing import Any, Literal

from django.http import HttpRequest
from ninja import File, Form, Router, Schema, Status, UploadedFile

from plaint.accounts.models import Role
from plaint.cases.access import STAFF, get_case, side_of
from plaint.cases.actions.appeals import (
    answer_appeal,
    appeal_penalty,
    decide_appeal,
    decide_penalty_appeal,
    file_appeal,
)
from plaint.cases.models import Appeal
from plaint.cases.reading import appeal_item
from plaint.cases.transitions import AppealState
from plaint.errors import Forbidden, InvalidInput, NotFound, Refused
from plaint.limits import RowId

from ..schemas import ERRORS, RejectedFile
from .cases import uploads_from

router = Router()
# The penalty appeal's states (pending, overturned, rejected) and the appeal's own.
AppealFilter = Literal["pending", "overturned", "rejected", *[s.value for s in AppealState]]


class AppealIn(Schema):
    grounds: str


class AppealDecisionIn(Schema):
    """`result` (confirmed, overturned, varied) with `variation` for varied; or, as the penalty appeal
    had it, `overturn` true/false."""

    reasons: str
    result: str | None = None
    variation: dict[str, Any] | None = None
    overturn: bool | None = None


class NewAppealIn(Schema):
    appealed: str
    grounds: str


class AnswerIn(Schema):
    answer: str


class AppealDetailOut(Schema):
    id: int
    case: str
    decision_id: int | None
    party: str
    appealed: str
    route: str
    state: str
    grounds: str
    filed_at: str | None
    window_closes_at: str | None
    answer_due_at: str | None
    answer: str
    answered_at: str | None
    evidence_ids: list[int]
    answer_evidence_ids: list[int]
    result: str | None
    reasons: str
    variation: dict[str, Any]
    decided_at: str | None
    decided_by: str | None = None
    # The committee's panel for an appeal routed to it: id, state (waiting, voting, decided), seats,
    # missing (seats without eligible members), seed, drawn_at, due_at, votes (counts once decided).
    panel: dict[str, Any] | None = None
    # The appeal's statement of reasons once decided (both languages).
    statement: dict[str, Any] = {}
    rejected_files: list[RejectedFile] = []


class AppealOut(Schema):
    id: int
    case: str
    decision_id: int
    # The penalty appeal's own states, kept for its endpoint's callers.
    state: Literal["pending", "overturned", "rejected"]
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


def _detail(request: HttpRequest, appeal: Appeal, rejected: list | None = None) -> dict:
    side = side_of(request.auth)
    if side == STAFF and not request.auth.is_platform_staff:
        side = "party"  # the marketplace's client: not told who decided
    return appeal_item(appeal, side) | {
        "case": appeal.case.reference,
        "statement": appeal.statement,
        "rejected_files": rejected or [],
    }


def _appeal_for(request: HttpRequest, appeal_id: int) -> Appeal:
    """Return the appeal if the caller may read its case (the parties and staff); 404 otherwise, never a leak."""
    appeal = Appeal.objects.select_related("case", "decision").filter(pk=appeal_id).first()
    if appeal is None:
        raise NotFound("appeal_not_found", f"No appeal {appeal_id}.")
    try:
        get_case(request.auth, appeal.case.reference)
    except NotFound:
        raise NotFound("appeal_not_found", f"No appeal {appeal_id}.") from None
    return appeal


@router.post("/cases/{reference}/appeals", response={201: AppealDetailOut, **ERRORS})
def new_appeal(
    request: HttpRequest, reference: str, data: Form[NewAppealIn], evidence: File[list[UploadedFile]] = None
) -> Status:
    """Appeal the case's decision (or its inadmissibility), multipart: `appealed`, `grounds`, `evidence` files.

    `appealed`: outcome, inadmissibility, remedy, points, measures or penalty (points and measures).
    409 appeal_window_closed (with opens_at, closes_at), appeal_exists (naming the first),
    not_appealable; 422 for empty grounds. Files that fail the evidence checks are in `rejected_files`.
    """
    case = get_case(request.auth, reference)
    filed = file_appeal(request.auth, case, data.appealed, data.grounds, uploads_from(request))
    return Status(201, _detail(request, filed.appeal, filed.rejected_files))


@router.get("/cases/{reference}/appeals", response={200: list[AppealDetailOut], **ERRORS})
def case_appeals(request: HttpRequest, reference: str) -> list[dict]:
    """The appeals of a case, oldest first."""
    case = get_case(request.auth, reference)
    return [_detail(request, a) for a in case.appeals.select_related("case", "decided_by")]


@router.get("/appeals/{appeal_id}", response={200: AppealDetailOut, **ERRORS})
def read_appeal(request: HttpRequest, appeal_id: RowId) -> dict:
    """One appeal, with its answer, result and statement of reasons."""
    return _detail(request, _appeal_for(request, appeal_id))


@router.post("/appeals/{appeal_id}/answer", response={200: AppealDetailOut, **ERRORS})
def answer(
    request: HttpRequest, appeal_id: RowId, data: Form[AnswerIn], evidence: File[list[UploadedFile]] = None
) -> dict:
    """The other party answers, once, multipart: `answer` and `evidence` files, within the answer window."""
    appeal = _appeal_for(request, appeal_id)
    filed = answer_appeal(request.auth, appeal, data.answer, uploads_from(request))
    return _detail(request, filed.appeal, filed.rejected_files)


@router.post("/cases/{reference}/penalty-appeal", response={201: AppealOut, **ERRORS})
def appeal(request: HttpRequest, reference: str, data: AppealIn) -> Status:
    """The merchant appeals the points and measures of the case's decision, within the rulebook's window."""
    case = get_case(request.auth, reference)
    decision = case.decisions.order_by("-decided_at", "-id").first()
    if decision is None:
        raise Refused("not_decided", "The case has no decision to appeal yet.")
    return Status(201, _out(appeal_penalty(request.auth, decision, data.grounds)))


@router.get("/appeals", response={200: list[AppealOut], **ERRORS})
def list_appeals(request: HttpRequest, state: AppealFilter = "pending") -> list[dict]:
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


@router.post("/appeals/{appeal_id}/decision", response={200: AppealDetailOut | AppealOut, **ERRORS})
def decide(request: HttpRequest, appeal_id: RowId, data: AppealDecisionIn) -> dict:
    """A supervisor who did not take the first decision decides: `result` with `reasons` (and `variation`).

    The penalty appeal's form, `overturn` true/false, still works and answers in its old shape.
    """
    if request.auth.role != Role.SUPERVISOR:
        raise Forbidden("not_a_supervisor", "Appeals are decided by a supervisor.")
    appeal = Appeal.objects.select_related("decision__case", "case").filter(pk=appeal_id).first()
    if appeal is None:
        raise NotFound("appeal_not_found", f"No appeal {appeal_id}.")
    if data.result is None:
        if data.overturn is None:
            raise InvalidInput("result", "Say the result: confirmed, overturned or varied.", field="result")
        return _out(decide_penalty_appeal(request.auth, appeal, overturn=data.overturn, reasons=data.reasons))
    decided = decide_appeal(request.auth, appeal, data.result, data.reasons, data.variation)
    return _detail(request, decided)
