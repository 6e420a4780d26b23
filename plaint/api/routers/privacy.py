"""Personal data (PIPL): a consumer's copy of their data and erasure request; staff's legal holds and purge log."""

from typing import Any

from django.http import FileResponse, HttpRequest
from ninja import Router, Schema, Status

from plaint.accounts.models import Role
from plaint.cases.access import get_case
from plaint.errors import Forbidden
from plaint.limits import PageNumber
from plaint.privacy import erasure, export, holds
from plaint.privacy.models import ErasureRequest, Purge

from ..schemas import ERRORS
from .cases import language

router = Router()
ZIP_200 = {
    200: {"description": "ZIP", "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}}}
}
PAGE = 50


@router.get("/me/data", response=ERRORS, openapi_extra={"responses": ZIP_200})
def my_data(request: HttpRequest) -> FileResponse:
    """Everything Plaint holds about you (consumers only), as a ZIP: data.json and the evidence files you sent.

    data.json: your profile and account, your orders in cases, every case as you read it (events, messages,
    replies, ratings, appeals, upload links), your notifications and erasure requests.
    """
    archive = export.build_zip(request.auth, language(request))
    response = FileResponse(archive, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{export.download_name(request.auth)}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


class KeptOut(Schema):
    case: str
    reason: str
    until: str | None


class ErasureOut(Schema):
    id: int
    requested_at: str
    due_at: str
    answered_at: str | None
    erased: dict[str, Any]
    kept: list[KeptOut]
    message: list[str]


def _erasure_out(request: ErasureRequest, lang: str) -> dict[str, Any]:
    return {
        "id": request.pk,
        "requested_at": request.requested_at.isoformat(),
        "due_at": request.due_at.isoformat(),
        "answered_at": request.answered_at.isoformat() if request.answered_at else None,
        "erased": request.answer.get("erased", {}),
        "kept": request.answer.get("kept", []),
        "message": erasure.answer_text(request, lang),
    }


@router.post("/me/erasure", response={201: ErasureOut, **ERRORS})
def request_erasure(request: HttpRequest) -> Status:
    """Erase your personal data as far as the law allows (consumers only); the answer says what was kept and why.

    Your account is closed at once: this token stops working. Download your data first (GET /me/data).
    """
    lang = language(request)
    done = erasure.request_erasure(request.auth)
    return Status(201, _erasure_out(done, lang))


class HoldIn(Schema):
    reason: str


class HoldOut(Schema):
    case: str
    held: bool
    reason: str
    set_by: str
    set_at: str
    lifted_at: str | None
    lift_reason: str


def _hold_out(hold: Any, reference: str) -> dict[str, Any]:
    return {
        "case": reference,
        "held": hold.lifted_at is None,
        "reason": hold.reason,
        "set_by": hold.set_by.username,
        "set_at": hold.set_at.isoformat(),
        "lifted_at": hold.lifted_at.isoformat() if hold.lifted_at else None,
        "lift_reason": hold.lift_reason,
    }


def _staff_case(request: HttpRequest, reference: str) -> Any:
    if request.auth.role not in holds.HOLDING_ROLES:
        raise Forbidden("supervisors_only", "Only a supervisor or a policy admin can set or lift a legal hold.")
    return get_case(request.auth, reference)


@router.post("/cases/{reference}/legal-hold", response={201: HoldOut, **ERRORS})
def set_legal_hold(request: HttpRequest, reference: str, data: HoldIn) -> Status:
    """Keep the case from being purged under [retention] until the hold is lifted (supervisors, admins); logged."""
    case = _staff_case(request, reference)
    return Status(201, _hold_out(holds.set_hold(request.auth, case, data.reason), case.reference))


@router.post("/cases/{reference}/legal-hold/lift", response={200: HoldOut, **ERRORS})
def lift_legal_hold(request: HttpRequest, reference: str, data: HoldIn) -> dict:
    """Lift the case's legal hold, saying why (supervisors, admins); logged."""
    case = _staff_case(request, reference)
    return _hold_out(holds.lift_hold(request.auth, case, data.reason), case.reference)


class PurgeOut(Schema):
    id: int
    scope: str
    case: str | None
    rule: str
    at: str
    what: dict[str, Any]


@router.get("/staff/purges", response={200: list[PurgeOut], **ERRORS})
def purges(request: HttpRequest, page: PageNumber = 1) -> list[dict]:
    """The purges, newest first, 50 a page (supervisors, admins): what was removed, when, under which rule."""
    if request.auth.role not in {Role.SUPERVISOR, Role.ADMIN}:
        raise Forbidden("supervisors_only", "Only a supervisor or a policy admin can read the purge log.")
    rows = Purge.objects.select_related("case").order_by("-at", "-id")[(page - 1) * PAGE : page * PAGE]
    return [
        {
            "id": p.pk,
            "scope": p.scope,
            "case": p.case.reference if p.case_id else None,
            "rule": p.rule,
            "at": p.at.isoformat(),
            "what": p.what,
        }
        for p in rows
    ]
