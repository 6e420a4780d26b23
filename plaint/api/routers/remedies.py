"""Remedies followed to the money (the marketplace confirms or reports failure), reopening, ratings."""

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from plaint.accounts.models import Role
from plaint.cases import actions
from plaint.cases.access import cases_visible_to, get_case
from plaint.cases.queries import rating_figures
from plaint.cases.reading import rating_item, remedy_item
from plaint.enforcement.models import RemedyInstruction
from plaint.errors import Forbidden, InvalidInput, NotFound
from plaint.limits import RowId

from ..schemas import ERRORS, CaseOut
from .cases import _out

router = Router()


class RemedyOut(Schema):
    id: int
    case: str
    kind: str
    amount: str
    tariff_amount: str
    total: str
    currency: str
    state: Literal["instructed", "executed", "failed"]
    issued_at: str
    confirm_due_at: str | None
    overdue: bool
    overdue_at: str | None
    executed_amount: str | None
    executed_at: str | None
    reference: str | None
    confirmed_at: str | None
    failure_reason: str | None
    failed_at: str | None


class ExecutedIn(Schema):
    amount: Decimal = Field(ge=0, max_digits=12, decimal_places=2, description="What was paid, tariff included")
    currency: str = Field(min_length=3, max_length=3)
    executed_at: datetime = Field(description="When the payment was made, with its offset")
    reference: str = Field(min_length=1, max_length=100, description="The marketplace's own reference of it")


class FailedIn(Schema):
    reason: str = Field(min_length=1, max_length=2000)


class ReopenIn(Schema):
    reason: str = Field(min_length=1, max_length=2000)


class RatingIn(Schema):
    score: int = Field(ge=1, le=5)
    comment: str = Field("", max_length=2000)


class RatingOut(Schema):
    case: str
    score: int
    comment: str
    rated_at: str


class RatingRow(Schema):
    period: str
    category: str
    count: int
    average: float
    scores: dict[str, int]


class RatingsOut(Schema):
    period: str
    since: str
    until: str
    results: list[RatingRow]


def _remedy(request: HttpRequest, remedy_id: int) -> RemedyInstruction:
    instruction = (
        RemedyInstruction.objects.select_related("case")
        .filter(pk=remedy_id, case__in=cases_visible_to(request.auth))
        .first()
    )
    if instruction is None:
        raise NotFound("remedy_not_found", f"No remedy {remedy_id} that you can see.")
    return instruction


def _remedy_out(instruction: RemedyInstruction) -> dict:
    return remedy_item(instruction) | {"case": instruction.case.reference}


@router.get("/remedies/{remedy_id}", response={200: RemedyOut, **ERRORS})
def read_remedy(request: HttpRequest, remedy_id: RowId) -> dict:
    """A remedy instruction and what became of it, for whoever may see its case."""
    return _remedy_out(_remedy(request, remedy_id))


@router.post("/remedies/{remedy_id}/executed", response={200: RemedyOut, **ERRORS})
def executed(request: HttpRequest, remedy_id: RowId, data: ExecutedIn) -> dict:
    """The marketplace confirms it carried the remedy out: amount, currency, executed_at, its own reference.

    Idempotent: the same `reference` again answers 200 with the same body; another reference once the
    remedy is confirmed is 409 `remedy_already_confirmed`, naming the first. Marketplace clients and
    supervisors only (403 otherwise).
    """
    confirmed = actions.confirm_remedy_executed(
        request.auth,
        _remedy(request, remedy_id),
        amount=data.amount,
        currency=data.currency,
        executed_at=data.executed_at,
        reference=data.reference,
    )
    return _remedy_out(confirmed.instruction)


@router.post("/remedies/{remedy_id}/failed", response={200: RemedyOut, **ERRORS})
def failed(request: HttpRequest, remedy_id: RowId, data: FailedIn) -> dict:
    """The marketplace reports that it could not carry the remedy out, with the reason; 409 once executed."""
    return _remedy_out(actions.report_remedy_failed(request.auth, _remedy(request, remedy_id), data.reason))


@router.post("/cases/{reference}/reopen", response={200: CaseOut, **ERRORS})
def reopen(request: HttpRequest, reference: str, data: ReopenIn) -> dict:
    """The reporter reopens a case the merchant resolved by accepting, because the money never arrived.

    Within the rulebook's reopen_days of the acceptance; after it 409 `reopen_window_closed` with the
    window's dates. The case goes to review.
    """
    return _out(request, actions.reopen_unpaid(request.auth, get_case(request.auth, reference), data.reason))


@router.post("/cases/{reference}/rating", response={200: RatingOut, **ERRORS})
def rate(request: HttpRequest, reference: str, data: RatingIn) -> dict:
    """The consumer rates how her closed case was handled (1-5 and a comment), once; 409 the second time."""
    case = get_case(request.auth, reference)
    rating = actions.rate_case(request.auth, case, data.score, data.comment)
    return rating_item(rating) | {"case": case.reference}


def _aware(value: datetime | None) -> datetime | None:
    """Return a time given without an offset as the deployment's local time."""
    if value is not None and timezone.is_naive(value):
        return timezone.make_aware(value)
    return value


class RatingsQuery(Schema):
    period: Literal["day", "week", "month"] = "month"
    since: datetime | None = Field(None, alias="from")
    until: datetime | None = Field(None, alias="to")
    category: str | None = Field(None, max_length=50)


@router.get("/ratings", response={200: RatingsOut, **ERRORS})
def ratings(request: HttpRequest, filters: Query[RatingsQuery]) -> dict:
    """Consumers' ratings per period and category (count, average, each score's count). Supervisors and admins.

    `from` and `to` are ISO times (default: the last 180 days up to now).
    """
    if request.auth.role not in (Role.SUPERVISOR, Role.ADMIN):
        raise Forbidden("not_a_supervisor", "Ratings are read by supervisors and policy admins.")
    until = _aware(filters.until) or timezone.now()
    try:
        since = _aware(filters.since) or until - timedelta(days=180)
    except OverflowError:
        raise InvalidInput("invalid_range", "`to` is too early to count back from.", field="to") from None
    return {
        "period": filters.period,
        "since": since.isoformat(),
        "until": until.isoformat(),
        "results": rating_figures(since, until, period=filters.period, category=filters.category),
    }
