"""The review queue: claim, release, decide; search, internal notes, a supervisor's reassignment and bulk claim."""

from datetime import datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema
from pydantic import Field

from plaint.accounts.models import DECIDING_ROLES, User
from plaint.cases import actions
from plaint.cases.access import get_case
from plaint.cases.inputs import DecisionIn, EvidenceRequestIn
from plaint.cases.models import Case, Channel
from plaint.cases.queries import QUEUE_ORDER, review_queue, search_cases
from plaint.cases.transitions import State
from plaint.errors import Forbidden, InvalidInput, NotFound
from plaint.limits import PageNumber
from plaint.marketplace.models import Merchant

from ..schemas import ERRORS, CaseOut, Page
from .cases import Cursor, _out, page_of

QueueState = Literal["awaiting_review", "needs_evidence"]
Code = Annotated[str, Field(max_length=64)]
Priority = Annotated[int, Field(ge=-1000, le=1000)]

router = Router()


def _queue_filters(
    state: str,
    category: str | None,
    channel: str | None,
    merchant: str | None,
    priority: int | None,
    escalated: bool,
    overdue: bool,
) -> dict[str, Any]:
    """Return review_queue's filters from the API's: the merchant by its marketplace id."""
    filters: dict[str, Any] = {"state": state, "escalated": escalated, "overdue": overdue}
    if category:
        filters["category"] = category
    if channel:
        filters["channel"] = channel
    if priority is not None:
        filters["priority"] = priority
    if merchant:
        # An unknown merchant has no case: id 0 matches none.
        filters["merchant_id"] = Merchant.objects.filter(external_id=merchant).values_list("pk", flat=True).first() or 0
    return filters


def _require_reviewer(request: HttpRequest) -> None:
    if request.auth.role not in DECIDING_ROLES:
        raise Forbidden("not_a_reviewer", "Only reviewers and supervisors see the review queue.")


@router.get("/queue", response={200: Page, **ERRORS})
def queue(
    request: HttpRequest,
    state: QueueState = State.AWAITING_REVIEW,
    category: Code | None = None,
    channel: Channel | None = None,
    merchant: Code | None = None,
    priority: Priority | None = None,
    escalated: bool = False,
    overdue: bool = False,
    mine: bool = False,
    unclaimed: bool = False,
    cursor: Cursor = None,
    page: PageNumber = 1,
) -> dict:
    """Cases waiting for a decision, most urgent first then earliest due; 50 a page, then `next` as `cursor`.

    `merchant` is the marketplace's merchant id; `overdue` keeps the cases past their deadline in that
    state; `mine` the cases you hold, `unclaimed` those nobody holds. `count` stops at 1000.
    """
    _require_reviewer(request)
    now = timezone.now()
    filters = _queue_filters(state, category, channel, merchant, priority, escalated, overdue)
    cases = review_queue(now, mine=request.auth if mine else None, include_claimed=not unclaimed, **filters)
    return page_of(request, cases, QUEUE_ORDER[filters["state"]], cursor, page)


@router.post("/next", response={200: CaseOut, **ERRORS})
def claim_next(
    request: HttpRequest,
    state: QueueState = State.AWAITING_REVIEW,
    category: Code | None = None,
    channel: Channel | None = None,
    merchant: Code | None = None,
    priority: Priority | None = None,
    escalated: bool = False,
    overdue: bool = False,
) -> dict:
    """Claim the most urgent unclaimed case matching the queue's filters (query parameters, as for the queue).

    Never refused because another reviewer claims at the same moment: their case is passed over.
    404 `queue_empty` when no unclaimed case matches.
    """
    _require_reviewer(request)
    filters = _queue_filters(state, category, channel, merchant, priority, escalated, overdue)
    case = actions.claim_next(request.auth, filters, timezone.now())
    if case is None:
        raise NotFound(
            "queue_empty",
            "No unclaimed case matches these filters.",
            hint="Widen the filters, or try again later: cases join the queue when merchants answer.",
        )
    return _out(request, get_case(request.auth, case.reference))


@router.post("/cases/{reference}/claim", response={200: CaseOut, **ERRORS})
def claim(request: HttpRequest, reference: str) -> dict:
    return _out(request, actions.claim_case(request.auth, get_case(request.auth, reference)))


@router.post("/cases/{reference}/release", response={200: CaseOut, **ERRORS})
def release(request: HttpRequest, reference: str) -> dict:
    return _out(request, actions.release_case(request.auth, get_case(request.auth, reference)))


@router.post("/cases/{reference}/decision", response={200: CaseOut, **ERRORS})
def decide(request: HttpRequest, reference: str, data: DecisionIn) -> dict:
    """Decide a case you have claimed: outcome, reason codes, and the statement of facts and reasons."""
    case = get_case(request.auth, reference)
    actions.decide_case(request.auth, case, data)
    return _out(request, get_case(request.auth, reference))


@router.post("/cases/{reference}/evidence-request", response={200: CaseOut, **ERRORS})
def request_evidence(request: HttpRequest, reference: str, data: EvidenceRequestIn) -> dict:
    """Ask the reporter for more evidence on a case you have claimed; the review clocks pause until it comes."""
    actions.request_more_evidence(request.auth, get_case(request.auth, reference), data.kinds, data.note)
    return _out(request, get_case(request.auth, reference))


class NoteIn(Schema):
    text: str = Field(min_length=2, max_length=4000, description="The note; staff read it, the parties never do")


class NoteOut(Schema):
    at: datetime
    author: str | None
    text: str


class ReassignIn(Schema):
    reviewer: str = Field(max_length=150, description="The username of the reviewer or supervisor to hand it to")
    reason: str = Field("", max_length=2000)


class ClaimSeveralIn(Schema):
    references: list[Annotated[str, Field(max_length=20)]] = Field(min_length=1, max_length=25)


class ClaimSeveralOut(Schema):
    claimed: list[str]
    refused: dict[str, str] = Field(description="Reference → why it was not claimed (claimed_by_other, …)")


class FoundCase(Schema):
    reference: str
    state: State
    category: str
    merchant: str
    opened_at: datetime


def _notes(case: Any) -> list[dict]:
    return [
        {"at": n.at, "author": n.actor.username if n.actor else None, "text": n.reason}
        for n in actions.internal_notes(case)
    ]


@router.get("/cases/{reference}/notes", response={200: list[NoteOut], **ERRORS})
def notes(request: HttpRequest, reference: str) -> list[dict]:
    """The case's internal notes, oldest first (reviewers and supervisors only)."""
    _require_reviewer(request)
    return _notes(get_case(request.auth, reference))


@router.post("/cases/{reference}/notes", response={201: list[NoteOut], **ERRORS})
def add_note(request: HttpRequest, reference: str, data: NoteIn) -> tuple[int, list[dict]]:
    """Write an internal note on a case: on the staff timeline, never in the parties' pages or API."""
    case = get_case(request.auth, reference)
    actions.add_internal_note(request.auth, case, data.text)
    return 201, _notes(case)


@router.post("/cases/{reference}/reassign", response={200: CaseOut, **ERRORS})
def reassign(request: HttpRequest, reference: str, data: ReassignIn) -> dict:
    """A supervisor hands a claimed case to another reviewer (403 for anyone else; logged, staff only)."""
    case = get_case(request.auth, reference)
    to = User.objects.filter(username=data.reviewer).first()
    if to is None:
        raise InvalidInput("reviewer", f"There is no user {data.reviewer!r}.", field="reviewer")
    actions.reassign_case(request.auth, case, to, reason=data.reason)
    return _out(request, get_case(request.auth, reference))


@router.post("/claim", response={200: ClaimSeveralOut, **ERRORS})
def claim_several(request: HttpRequest, data: ClaimSeveralIn) -> dict:
    """A supervisor claims several cases at once; each one not claimed is named with its reason."""
    _require_reviewer(request)
    cases = list(Case.objects.filter(reference__in=[r.upper() for r in data.references]))
    claimed, refused = actions.claim_cases(request.auth, cases)
    missing = {r.upper() for r in data.references} - {c.reference for c in cases}
    return {"claimed": [c.reference for c in claimed], "refused": refused | dict.fromkeys(missing, "not_found")}


@router.get("/search", response={200: list[FoundCase], **ERRORS})
def search(request: HttpRequest, q: Annotated[str, Field(max_length=100)]) -> list[dict]:
    """Cases by reference, order id, the reporter's phone (spaces and dashes ignored) or merchant; newest 50."""
    _require_reviewer(request)
    cases, _found = search_cases(q)
    return [
        {
            "reference": c.reference,
            "state": c.state,
            "category": c.category,
            "merchant": c.merchant.name,
            "opened_at": c.opened_at,
        }
        for c in cases[:50]
    ]
