"""The reporter's own steps on a filed case: withdraw it, or nudge it when it is slow (二次反馈).

(Adding evidence is in `evidence`, shared with the merchant.)
"""

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from plaint.accounts.models import User
from plaint.errors import Forbidden, Refused
from plaint.rulebook import loader

from ..models import Case
from ..notices import tell
from ..transitions import OPEN_STATES, State
from .common import _apply, _change, _locked, _notify, _record, _reporter_side


def withdraw_report(actor: User, case: Case, reason: str, *, now: datetime | None = None) -> Case:
    """Withdraw an open report at the reporter's wish."""
    now = now or timezone.now()
    if not _reporter_side(actor, case):
        raise Forbidden("not_reporter", "Only the reporter (or an agent for them) can withdraw a report.")
    with transaction.atomic():
        case = _locked(case)
        _apply(case, "withdraw", actor, now, reason=reason.strip()[:2000])
        _notify(case, "case.withdrawn", now, key=f"case-{case.reference}-withdrawn")
        tell(case, "withdrawn", now, f"{case.reference}-withdrawn", reporter=False, merchant=True)
        tell(case, "withdrawal_confirmed", now, f"{case.reference}-withdrawal-confirmed", reporter=True, merchant=False)
    return case


def nudge_case(actor: User, case: Case, *, now: datetime | None = None) -> Case:
    """The reporter asks again about an open case (二次反馈).

    An overdue case gains priority and goes to the supervisors; a case that is not overdue can be
    nudged once per the rulebook's cooldown, and only goes on the timeline.
    """
    now = now or timezone.now()
    if not _reporter_side(actor, case):
        raise Forbidden("not_reporter", "Only the reporter (or an agent for them) can nudge a case.")
    sla = loader.get(case.rulebook_version).sla
    with transaction.atomic():
        case = _locked(case)
        if case.state not in OPEN_STATES:
            raise Refused("case_closed", f"The case is {case.state}; there is nothing to chase.")
        overdue = _overdue(case, now)
        if not overdue and case.last_nudged_at:
            next_allowed = case.last_nudged_at + timedelta(hours=sla.nudge_cooldown_hours)
            if now < next_allowed:
                raise Refused(
                    "nudge_limited",
                    "The case is within its deadlines and was nudged recently; you can nudge it again from "
                    f"{timezone.localtime(next_allowed):%Y-%m-%d %H:%M}.",
                    details={"next_allowed_at": next_allowed.isoformat()},
                )
        changes: dict[str, Any] = {"last_nudged_at": now}
        if overdue:
            changes["priority"] = case.priority + sla.nudge_priority
            changes["escalated_at"] = case.escalated_at or now
        _change(case, now, **changes)
        _record(case, "nudged", actor, now, data={"overdue": overdue, "priority": case.priority})
        if overdue:
            _notify(case, "case.nudged", now, key=f"case-{case.reference}-nudged-{now.timestamp():.0f}")
            tell(
                case,
                "nudged",
                now,
                f"{case.reference}-nudged-{now.timestamp():.0f}",
                reporter=False,
                merchant=False,
                supervisors=True,
            )
    return case


def _overdue(case: Case, now: datetime) -> bool:
    """Return whether the party the case waits on (merchant or reviewer) has let its deadline pass."""
    if case.state == State.AWAITING_MERCHANT:
        return bool(case.response_due_at and case.response_due_at < now)
    if case.state == State.AWAITING_REVIEW:
        return bool(case.decision_due_at and case.decision_due_at < now)
    return False
