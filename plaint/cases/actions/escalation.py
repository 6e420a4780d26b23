"""Escalation: a breached clock raises a case's priority and/or sends it to the supervisors.

Registered with the clocks for the rulebook's breach actions "escalate" and "raise_priority" (one
call does both, so a breach that does both is one event).
"""

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from plaint.rulebook import loader
from plaint.rulebook.schema import Stage

from .. import clocks
from ..models import Case, CaseClock
from ..notices import tell
from .common import _change, _locked, _notify, _record


def escalate(
    case: Case, *, stage: str, due: datetime, escalate: bool, raise_by: int, now: datetime | None = None
) -> Case:
    """Act on a breached clock (clocks.breach): raise the case's priority and/or escalate it to the supervisors.

    Escalation puts the case in the supervisors' escalated queue (its first escalation time is
    kept), sends the case.escalated webhook and tells each supervisor.
    """
    now = now or timezone.now()
    with transaction.atomic():
        case = _locked(case)
        changes: dict[str, Any] = {}
        if raise_by:
            changes["priority"] = case.priority + raise_by
        if escalate:
            changes["escalated_at"] = case.escalated_at or now
        _change(case, now, **changes)
        when = f"{timezone.localtime(due):%Y-%m-%d %H:%M}"
        _record(
            case,
            "escalated" if escalate else "priority_raised",
            None,
            now,
            visibility=clocks.VISIBILITY[stage],
            reason=f"The {stage.replace('_', ' ')} was due {when}"
            + ("; the case goes to the supervisors." if escalate else "; its priority is raised."),
            data={"stage": stage, "due_at": due.isoformat(), "priority": case.priority},
        )
        if escalate:
            key = f"case-{case.reference}-escalated-{stage}-{now.timestamp():.0f}"
            _notify(case, "case.escalated", now, key=key, stage=stage, due_at=due.isoformat(), priority=case.priority)
            _tell_supervisors(case, stage, when, key, now)
    return case


ESCALATED_STAGE_TEXTS = {
    "acknowledgement": ("无人受理", "was not taken up by a reviewer"),
    "appeal": ("申诉复核未决", "has an appeal still undecided"),
    "committee": ("申诉委员会合议庭逾期未决", "has an appeal the committee's panel has not decided in time"),
}


def _tell_supervisors(case: Case, stage: str, when: str, key: str, now: datetime) -> None:
    # Under a rulebook with [escalation], the supervisors' e-mail is the periodic digest
    # (plaint/cases/digest.py); the portal still shows each case.
    mail = loader.get(case.rulebook_version).escalation is None
    if stage == "decision":
        tell(
            case,
            "escalated",
            now,
            key,
            reporter=False,
            merchant=False,
            supervisors=True,
            supervisor_mail=mail,
            due=when,
        )
        return
    zh, en = ESCALATED_STAGE_TEXTS.get(stage, (stage, stage))
    tell(
        case,
        "escalated_stage",
        now,
        key,
        reporter=False,
        merchant=False,
        supervisors=True,
        supervisor_mail=mail,
        what={"zh": zh, "en": en},
        due=when,
    )


def _breached(case: Case, row: CaseClock, spec: Stage, now: datetime) -> bool:
    escalate(
        case,
        stage=row.stage,
        due=row.due_at,
        escalate="escalate" in spec.on_breach,
        raise_by=spec.raise_priority if "raise_priority" in spec.on_breach else 0,
        now=now,
    )
    return True


clocks.on_breach("escalate", _breached)
clocks.on_breach("raise_priority", _breached)
