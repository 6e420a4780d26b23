"""The supervisors' queue of merchants flagged by the monitoring job."""

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema

from plaint.accounts.models import Role
from plaint.errors import Forbidden, NotFound, Refused
from plaint.limits import RowId
from plaint.monitoring.models import FlagState, MonitoringFlag

from ..schemas import ERRORS

router = Router()


class FlagOut(Schema):
    id: int
    merchant_id: str
    merchant_name: str
    reason: str
    figures: dict
    raised_at: str
    state: FlagState
    note: str
    # The investigation opened from the flag (state acted).
    case: str | None = None


class CloseIn(Schema):
    note: str


def _require_supervisor(request: HttpRequest) -> None:
    if request.auth.role != Role.SUPERVISOR:
        raise Forbidden("not_a_supervisor", "The monitoring queue is for supervisors.")


def _out(flag: MonitoringFlag) -> dict:
    return {
        "id": flag.pk,
        "merchant_id": flag.merchant.external_id,
        "merchant_name": flag.merchant.name,
        "reason": flag.reason,
        "figures": flag.figures,
        "raised_at": flag.raised_at.isoformat(),
        "state": flag.state,
        "note": flag.note,
        "case": flag.case.reference if flag.case_id else None,
    }


@router.get("/flags", response={200: list[FlagOut], **ERRORS})
def flags(request: HttpRequest, state: FlagState = FlagState.OPEN) -> list[dict]:
    """Flagged merchants with the figures that caused each flag, newest first (200 at most)."""
    _require_supervisor(request)
    rows = MonitoringFlag.objects.filter(state=state).select_related("merchant", "case").order_by("-raised_at", "-id")
    return [_out(flag) for flag in rows[:200]]


@router.post("/flags/{flag_id}/close", response={200: FlagOut, **ERRORS})
def close(request: HttpRequest, flag_id: RowId, data: CloseIn) -> dict:
    """Close a flag with a note saying what was done."""
    _require_supervisor(request)
    flag = MonitoringFlag.objects.select_related("merchant", "case").filter(pk=flag_id).first()
    if flag is None:
        raise NotFound("flag_not_found", f"No flag {flag_id}.")
    if not data.note.strip():
        raise Refused("note_required", "Say what was done about the flag.")
    if not MonitoringFlag.objects.filter(pk=flag.pk, state="open").update(
        state="closed", closed_by=request.auth, closed_at=timezone.now(), note=data.note.strip()
    ):
        raise Refused("flag_closed", "The flag is already closed.")
    flag.refresh_from_db()
    return _out(flag)
