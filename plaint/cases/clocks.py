"""Service-level clocks: one per stage of a case, as the rulebook's [sla] says. Run by the worker.

Stages and what starts and stops each (every start, pause, resume, warning, breach and stop is a
case event, so the timeline shows it):

- acknowledgement: a person on the platform takes the case up. Filing needs none: intake decides
  admissibility at once and tells the reporter (that is the receipt). The clock starts when a case
  reaches review (the merchant contested, proposed rectification, or stayed silent) and stops when a
  reviewer claims it, or the case is decided or withdrawn.
- merchant_response: starts when a case is admitted (at intake, or when the evidence completes);
  stops when the merchant answers or the case closes; a breach applies the category's silence rule.
- decision: starts when a case reaches review; stops when it is decided or withdrawn.
- rectification: starts with a rectification order; stops when the merchant submits proof.
- appeal: starts when the merchant appeals a penalty; stops when a supervisor decides it.

The platform's clocks (acknowledgement, decision) pause while a reviewer's request for evidence
waits on the reporter, keeping the time they had left, and resume with it.

`tick(now)` fires due breaches, then due warnings, then the reporter's evidence deadlines and lapsed
claims. Each firing claims its clock row with a guarded UPDATE in its own transaction (the same
pattern as the case's version guard), so it happens once even when several workers tick at once,
and a deadline that passed while Plaint was down fires on the first tick after (its warning, now
pointless, is skipped).
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from plaint.db import insert
from plaint.errors import Refused
from plaint.rulebook import calendar, loader
from plaint.rulebook.schema import Rulebook

from .models import Case, CaseClock, CaseEvent, Visibility
from .transitions import DECIDABLE_STATES, State

log = logging.getLogger(__name__)

BATCH = 200
# Clocks of the case itself, stopped when the case closes (rectification and appeal outlive it).
CASE_STAGES = ("acknowledgement", "merchant_response", "decision")
# The platform's clocks: paused while the case waits on the reporter.
PAUSABLE_STAGES = ("acknowledgement", "decision")
# Who reads a stage's events besides staff; warnings to the platform are staff-only.
VISIBILITY = {
    "acknowledgement": Visibility.STAFF,
    "merchant_response": Visibility.PARTIES,
    "decision": Visibility.PARTIES,
    "rectification": Visibility.MERCHANT,
    "appeal": Visibility.MERCHANT,
}
WARNING_VISIBILITY = {"merchant_response": Visibility.MERCHANT, "rectification": Visibility.MERCHANT}
# The Case field that mirrors a stage's deadline (the queues order and filter by it).
CASE_FIELD = {"merchant_response": "response_due_at", "decision": "decision_due_at"}


def due_at(stage: str, start: datetime, rulebook: Rulebook, case: Case | None = None) -> datetime:
    """Return when `stage` started at `start` ends: a [sla] stage or a window (evidence, *_appeal).

    merchant_response needs the case, for its category's response_days.
    """
    category = rulebook.category(case.category) if case is not None else None
    return calendar.deadline(rulebook, stage, start, category)


def _clock(case: Case, stage: str) -> calendar.Clock:
    rulebook = loader.get(case.rulebook_version)
    return calendar.clock_for(rulebook, stage, rulebook.category(case.category))


def _when(value: datetime | None) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}" if value else ""


def _log(
    case: Case,
    row: CaseClock,
    kind: str,
    now: datetime,
    reason: str,
    visibility: str,
    pending: list[CaseEvent] | None = None,
    **data: Any,
) -> None:
    """Append the clock's event to the log, or to `pending` for the caller's bulk insert."""
    event = CaseEvent(
        case=case,
        kind=kind,
        actor=None,
        actor_role="system",
        at=now,
        reason=reason,
        rulebook_version=case.rulebook_version,
        data={"stage": row.stage, "clock_id": row.pk, "subject_id": row.subject_id, **data},
        visibility=visibility,
    )
    if pending is not None:
        pending.append(event)
    else:
        insert(event)


def start(
    case: Case, stage: str, now: datetime, *, subject_id: int | None = None, pending: list[CaseEvent] | None = None
) -> CaseClock:
    """Start a stage's clock (inside the caller's transaction) and return it; the caller mirrors its due_at.

    With `pending`, the event is appended there for the caller to insert with its own.
    """
    clock = _clock(case, stage)
    row = insert(
        CaseClock(
            case=case,
            stage=stage,
            subject_id=subject_id,
            rulebook_version=case.rulebook_version,
            started_at=now,
            due_at=clock.advance(now, clock.length),
            warn_at=clock.advance(now, max(clock.length - clock.warn_before, timedelta(0))),
        )
    )
    _log(
        case,
        row,
        "clock_started",
        now,
        f"{stage}: due {_when(row.due_at)}.",
        VISIBILITY[stage],
        pending,
        due_at=row.due_at.isoformat(),
        business_time=clock.business is not None,
    )
    return row


def stop(case: Case, stages: tuple[str, ...], now: datetime, by: str, *, subject_id: int | None = None) -> int:
    """Stop the case's running clocks of these stages (inside the caller's transaction); return how many."""
    rows = CaseClock.objects.filter(case=case, stage__in=stages, stopped_at__isnull=True)
    if subject_id is not None:
        rows = rows.filter(subject_id=subject_id)
    stopped = 0
    for row in rows:
        if CaseClock.objects.filter(pk=row.pk, stopped_at__isnull=True).update(stopped_at=now, stopped_by=by):
            _log(case, row, "clock_stopped", now, f"{row.stage}: {by}.", Visibility.STAFF, by=by)
            stopped += 1
    return stopped


def pause(case: Case, now: datetime) -> dict[str, timedelta]:
    """Pause the platform's running clocks while the case waits on the reporter; return what each has left."""
    left: dict[str, timedelta] = {}
    for row in CaseClock.objects.filter(
        case=case, stage__in=PAUSABLE_STAGES, stopped_at__isnull=True, paused_at__isnull=True
    ):
        remaining = _clock(case, row.stage).elapsed(now, row.due_at)
        seconds = int(remaining.total_seconds())
        if CaseClock.objects.filter(pk=row.pk, paused_at__isnull=True).update(
            paused_at=now, remaining_seconds=seconds, due_at=None, warn_at=None
        ):
            _log(
                case,
                row,
                "clock_paused",
                now,
                f"{row.stage}: paused while the reporter adds evidence; {_hours(seconds)} left.",
                VISIBILITY[row.stage],
                remaining_seconds=seconds,
            )
            left[row.stage] = remaining
    return left


def resume(case: Case, now: datetime) -> dict[str, datetime]:
    """Resume the case's paused clocks with the time they had left; return each stage's new deadline."""
    due: dict[str, datetime] = {}
    for row in CaseClock.objects.filter(case=case, stopped_at__isnull=True, paused_at__isnull=False):
        clock = _clock(case, row.stage)
        remaining = timedelta(seconds=row.remaining_seconds or 0)
        new_due = clock.advance(now, remaining)
        warn = clock.advance(now, max(remaining - clock.warn_before, timedelta(0)))
        if CaseClock.objects.filter(pk=row.pk, paused_at__isnull=False).update(
            paused_at=None, remaining_seconds=None, due_at=new_due, warn_at=warn
        ):
            _log(
                case,
                row,
                "clock_resumed",
                now,
                f"{row.stage}: resumed with {_hours(row.remaining_seconds or 0)} left; due {_when(new_due)}.",
                VISIBILITY[row.stage],
                due_at=new_due.isoformat(),
                paused_seconds=int((now - row.paused_at).total_seconds()),
            )
            due[row.stage] = new_due
    return due


def _hours(seconds: int) -> str:
    return f"{seconds / 3600:.1f} h"


def running(case: Case) -> list[CaseClock]:
    """Return the case's clocks that have not stopped, oldest first."""
    return list(case.clocks.filter(stopped_at__isnull=True).order_by("started_at", "id"))


# --- firing ------------------------------------------------------------------------------------


@dataclass
class TickReport:
    evidence_closed: int = 0
    returned_to_review: int = 0
    silence_handled: int = 0
    claims_lapsed: int = 0
    rectifications_missed: int = 0
    warned: int = 0
    escalated: int = 0
    breached: dict[str, int] = field(default_factory=dict)


STAGE_TITLES = {
    "merchant_response": ("答复举报", "answering the report"),
    "rectification": ("提交整改证明", "submitting proof of rectification"),
}


def warn(row: CaseClock, now: datetime) -> bool:
    """Record the warning of a clock whose warning time has come (once); return whether this call did it.

    A merchant's clock also reminds the merchant by e-mail; the platform's warnings show in the
    review console (the case's clocks) and on the staff timeline.
    """
    with transaction.atomic():
        claimed = CaseClock.objects.filter(
            pk=row.pk,
            stopped_at__isnull=True,
            paused_at__isnull=True,
            warned_at__isnull=True,
            breached_at__isnull=True,
            warn_at__lte=now,
            due_at__gt=now,
        ).update(warned_at=now)
        if not claimed:
            return False
        case = Case.objects.select_related("merchant").get(pk=row.case_id)
        _log(
            case,
            row,
            "clock_warning",
            now,
            f"{row.stage}: due {_when(row.due_at)}.",
            WARNING_VISIBILITY.get(row.stage, Visibility.STAFF),
            due_at=row.due_at.isoformat(),
        )
        if row.stage in STAGE_TITLES:
            from . import actions

            zh, en = STAGE_TITLES[row.stage]
            # By e-mail and in the merchant staff's portal (one call writes both).
            actions.tell(
                case,
                "deadline_reminder",
                now,
                f"clock-{row.pk}-warning",
                reporter=False,
                merchant=True,
                stage={"zh": zh, "en": en},
                due=_when(row.due_at),
            )
    return True


def breach(row: CaseClock, now: datetime, report: TickReport | None = None) -> bool:
    """Mark a clock breached and do what its stage's on_breach says (once); return whether this call did it.

    If an action is refused because someone changed the case at the same moment, nothing is kept
    and the next tick tries again.
    """
    from . import actions, rectification

    report = report or TickReport()
    with transaction.atomic():
        claimed = CaseClock.objects.filter(
            pk=row.pk, stopped_at__isnull=True, paused_at__isnull=True, breached_at__isnull=True, due_at__lte=now
        ).update(breached_at=now)
        if not claimed:
            return False
        case = Case.objects.get(pk=row.case_id)
        spec = loader.get(row.rulebook_version).sla.stage(row.stage)
        _log(
            case,
            row,
            "clock_breached",
            now,
            f"{row.stage}: the deadline {_when(row.due_at)} passed; {', '.join(spec.on_breach) or 'no action'}.",
            VISIBILITY[row.stage],
            due_at=row.due_at.isoformat(),
            on_breach=list(spec.on_breach),
        )
        if "merchant_silence" in spec.on_breach and actions.handle_merchant_silence(case, now=now):
            report.silence_handled += 1
        if "rectification_missed" in spec.on_breach and rectification.miss(row.subject_id, now):
            report.rectifications_missed += 1
        if "escalate" in spec.on_breach or "raise_priority" in spec.on_breach:
            actions.escalate(
                case,
                stage=row.stage,
                due=row.due_at,
                escalate="escalate" in spec.on_breach,
                raise_by=spec.raise_priority if "raise_priority" in spec.on_breach else 0,
                now=now,
            )
            if "escalate" in spec.on_breach:
                report.escalated += 1
    report.breached[row.stage] = report.breached.get(row.stage, 0) + 1
    return True


def tick(now: datetime | None = None) -> TickReport:
    """Fire every breach, warning and deadline due at `now`; return how many of each fired."""
    from . import actions

    now = now or timezone.now()
    report = TickReport()
    running_clocks = CaseClock.objects.filter(stopped_at__isnull=True, paused_at__isnull=True)
    for row in running_clocks.filter(breached_at__isnull=True, due_at__lte=now).order_by("due_at")[:BATCH]:
        try:
            breach(row, now, report)
        except Refused as exc:  # a concurrent change to the case: the next tick tries again
            log.info("clock %s breach deferred: %s", row.pk, exc)
        except Exception:  # one broken clock must not hold up the others behind it
            log.exception("clock %s breach failed; it is tried again on the next tick", row.pk)
    warnings = running_clocks.filter(warned_at__isnull=True, breached_at__isnull=True, warn_at__lte=now, due_at__gt=now)
    for row in warnings.order_by("warn_at")[:BATCH]:
        try:
            if warn(row, now):
                report.warned += 1
        except Exception:
            log.exception("clock %s warning failed; it is tried again on the next tick", row.pk)
    # The reporter's evidence deadline: a case asked for evidence at intake closes as not upheld;
    # one asked during review goes back to review with its paused clocks.
    for case in Case.objects.filter(state=State.NEEDS_EVIDENCE, evidence_due_at__lte=now)[:BATCH]:
        try:
            if case.clocks.filter(stopped_at__isnull=True, paused_at__isnull=False).exists():
                if actions.return_to_review(case, now=now):
                    report.returned_to_review += 1
            elif actions.close_for_missing_evidence(case, now=now):
                report.evidence_closed += 1
        except Refused as exc:
            log.info("case %s evidence deadline deferred: %s", case.reference, exc)
    lapsed = Case.objects.filter(claimed_by__isnull=False, claim_expires_at__lte=now, state__in=DECIDABLE_STATES)
    for case in lapsed[:BATCH]:
        if actions.lapse_claim(case, now=now):
            report.claims_lapsed += 1
    return report
