"""The review queue: claim, release, decide."""

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router

from plaint.accounts.models import DECIDING_ROLES
from plaint.cases import actions
from plaint.cases.access import get_case
from plaint.cases.inputs import DecisionIn, EvidenceRequestIn
from plaint.cases.queries import review_queue
from plaint.errors import Forbidden
from plaint.limits import PageNumber

from ..schemas import ERRORS, CaseOut, Page
from .cases import _out, page_of

router = Router()


@router.get("/queue", response={200: Page, **ERRORS})
def queue(
    request: HttpRequest,
    state: str = "awaiting_review",
    category: str | None = None,
    mine: bool = False,
    unclaimed: bool = False,
    escalated: bool = False,
    page: PageNumber = 1,
) -> dict:
    """Cases waiting for a decision, most urgent first then earliest due; 50 a page."""
    if request.auth.role not in DECIDING_ROLES:
        raise Forbidden("not_a_reviewer", "Only reviewers and supervisors see the review queue.")
    now = timezone.now()
    cases = review_queue(
        now,
        state=state,
        category=category,
        mine=request.auth if mine else None,
        include_claimed=not unclaimed,
        escalated=escalated,
    )
    return page_of(request, cases, page)


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
