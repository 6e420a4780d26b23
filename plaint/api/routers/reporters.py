"""The reporting channel's guards: a reporter's warnings and suspensions and their appeal (DSA art. 23);
the trusted flaggers and their records (DSA art. 22)."""

from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema

from plaint.accounts.models import Role
from plaint.errors import Forbidden
from plaint.limits import RowId
from plaint.reporters import misuse
from plaint.reporters.flaggers import flagger_record
from plaint.reporters.models import TrustedFlagger

from ..schemas import ERRORS

router = Router()


class MeasureOut(Schema):
    id: int
    kind: Literal["warning", "suspension"]
    taken_at: str
    ends_at: str | None
    in_force: bool
    automated: bool
    rulebook_version: str
    figures: dict[str, Any]
    may_appeal: bool
    appeal: dict[str, Any] | None
    lifted_at: str | None


class StandingOut(Schema):
    suspended_until: str | None
    measures: list[MeasureOut]


class AppealIn(Schema):
    text: str


class AppealDecisionIn(Schema):
    result: Literal["lifted", "upheld"]
    reasons: str


class AppealRowOut(MeasureOut):
    consumer_id: str
    consumer_name: str


class FlaggerOut(Schema):
    id: int
    name: str
    kind: str
    contact_email: str
    registered_at: str
    suspended_at: str | None
    record: dict[str, Any]


@router.get("/reporter/standing", response={200: StandingOut, **ERRORS})
def standing(request: HttpRequest) -> dict:
    """The consumer's own warnings and suspensions from reporting, newest first; until when reporting is suspended."""
    if request.auth.role != Role.CONSUMER or request.auth.consumer_id is None:
        raise Forbidden("not_reporter", "A consumer's reporting standing is read by that consumer.")
    now = timezone.now()
    measures = misuse.measures_of(request.auth.consumer_id)
    current = misuse.suspension_in_force(request.auth.consumer_id, now)
    return {
        "suspended_until": current.ends_at.isoformat() if current else None,
        "measures": [misuse.measure_item(m, now) for m in measures],
    }


@router.post("/reporter/measures/{measure_id}/appeal", response={200: MeasureOut, **ERRORS})
def appeal(request: HttpRequest, measure_id: RowId, data: AppealIn) -> dict:
    """Appeal a suspension from reporting, once, while it is in force; a supervisor who did not take it decides."""
    measure = misuse.appeal_suspension(request.auth, measure_id, data.text)
    return misuse.measure_item(measure, timezone.now())


def _row(measure: Any, now: Any) -> dict:
    return misuse.measure_item(measure, now) | {
        "consumer_id": measure.consumer.external_id,
        "consumer_name": measure.consumer.name,
    }


@router.get("/reporter-appeals", response={200: list[AppealRowOut], **ERRORS})
def appeals(request: HttpRequest) -> list[dict]:
    """Supervisors: the suspensions from reporting appealed and not yet decided, oldest appeal first."""
    if request.auth.role != Role.SUPERVISOR:
        raise Forbidden("supervisors_only", "Supervisors decide appeals against suspensions from reporting.")
    now = timezone.now()
    return [_row(m, now) for m in misuse.appeals_to_decide()]


@router.post("/reporter-appeals/{measure_id}/decide", response={200: AppealRowOut, **ERRORS})
def decide(request: HttpRequest, measure_id: RowId, data: AppealDecisionIn) -> dict:
    """Supervisors: lift the suspension or uphold it, with reasons the reporter reads."""
    measure = misuse.decide_suspension_appeal(request.auth, measure_id, data.result, data.reasons)
    return _row(measure, timezone.now())


@router.get("/trusted-flaggers", response={200: list[FlaggerOut], **ERRORS})
def trusted_flaggers(request: HttpRequest) -> list[dict]:
    """Admins and supervisors: each trusted flagger with its record (filed, upheld, not upheld, imprecise share)."""
    if request.auth.role not in (Role.ADMIN, Role.SUPERVISOR):
        raise Forbidden("not_allowed", "Trusted flaggers' records are for admins and supervisors.")
    return [
        {
            "id": f.pk,
            "name": f.name,
            "kind": f.kind,
            "contact_email": f.contact_email,
            "registered_at": f.registered_at.isoformat(),
            "suspended_at": f.suspended_at.isoformat() if f.suspended_at else None,
            "record": flagger_record(f),
        }
        for f in TrustedFlagger.objects.order_by("name", "id")[:500]
    ]
