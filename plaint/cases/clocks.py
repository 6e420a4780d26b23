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
- appeal: starts when an appeal awaits its decision (at filing where the other party does not answer,
  else when the answer comes or its window closes); stops when the appeal is decided.

The platform's clocks (acknowledgement, decision) pause while a reviewer's request for evidence
waits on the reporter, keeping the time they had left, and resume with it.

`tick(now)` fires due breaches, then due warnings, then the reporter's evidence deadlines and lapsed
claims. Each firing claims its clock row with a guarded UPDATE in its own transaction (the same
pattern as the case's version guard), so it happens once even when several workers tick at once,
and a deadline that passed while Plaint was down fires on the first tick after (its warning, now
pointless, is skipped).

What a breach or a deadline does to the case is not decided here: the actions register a handler for
each of the rulebook's breach actions (`on_breach`) and each deadline (`on_deadline`) when they are
imported (plaint/cases/apps.py imports them at start-up and checks none is missing). This module never
imports the actions, so it sits below them.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, get_args

from django.db import transaction
from django.utils import timezone

from plaint.db import insert
from plaint.enforcement.models import RemedyInstruction, RemedyState
from plaint.errors import Refused
from plaint.rulebook import calendar, loader
from plaint.rulebook.schema import BreachAction, Rulebook, Stage

from . import chain
from .models import Appeal, Case, CaseClock, CaseEvent, Visibility
from .notices import tell
from .transitions import DECIDABLE_STATES, AppealState, State

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
    "committee": Visibility.PARTIES,
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


def reopen_window(case: Case) -> tuple[datetime, datetime] | None:
    """Return (opens, closes) of the reporter's window to reopen a resolved case whose money never arrived.

    It opens at the merchant's acceptance (the case's close) and lasts the rulebook's reopen_days;
    None under a version without [remedy_execution], or for a case that is not closed.
    """
    rulebook = loader.get(case.rulebook_version)
    if rulebook.remedy_execution is None or case.closed_at is None:
        return None
    return case.closed_at, due_at("reopen_unpaid", case.closed_at, rulebook)


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
        chain.append(case, [event])


def start(
    case: Case, stage: str, now: datetime, *, subject_id: int | None = None, pending: list[CaseEvent] | None = None
) -> CaseClock:
    """Start a stage's clock (inside the caller's transaction) and return it; the caller mirrors its due_at.

    With `pending`, the event is appended there for the caller to insert with its own.
    """
    clock = _clock(case, stage)
    due = clock.reckon(now, clock.length)
    row = insert(
        CaseClock(
            case=case,
            stage=stage,
            subject_id=subject_id,
            rulebook_version=case.rulebook_version,
            started_at=now,
            due_at=due.at,
            warn_at=clock.advance(now, max(clock.length - clock.warn_before, timedelta(0))),
        )
    )
    _log(
        case,
        row,
        "clock_started",
        now,
        f"{stage}: due {_when(row.due_at)}{_weekday_note(due)}.",
        VISIBILITY[stage],
        pending,
        due_at=row.due_at.isoformat(),
        business_time=clock.business is not None,
        **_counts_from(clock, now),
        **due.event_data(),
    )
    return row


def _counts_from(clock: calendar.Clock, now: datetime) -> dict[str, str]:
    """Return {"counts_from": ...}: the working moment a business-time clock started outside working hours begins at."""
    if clock.business is None:
        return {}
    begins = clock.business.add(now, timedelta(0))
    return {"counts_from": begins.isoformat()} if begins != now else {}


def _weekday_note(reckoned: calendar.Reckoned) -> str:
    if reckoned.weekday_rule_from is None:
        return ""
    return (
        f" (the business calendar lists no official arrangement from {reckoned.weekday_rule_from}: "
        "counted by weekday and the holidays known)"
    )


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
        clock = _clock(case, row.stage)
        remaining = clock.elapsed(now, row.due_at)
        seconds = int(remaining.total_seconds())
        # The time left was measured up to the old deadline: say so if that crossed an uncovered day.
        reckoned = calendar.Reckoned(row.due_at, clock.weekday_rule_from(now, row.due_at))
        if CaseClock.objects.filter(pk=row.pk, paused_at__isnull=True).update(
            paused_at=now, remaining_seconds=seconds, due_at=None, warn_at=None
        ):
            _log(
                case,
                row,
                "clock_paused",
                now,
                f"{row.stage}: paused while the reporter adds evidence; {_hours(seconds)} left"
                f"{_weekday_note(reckoned)}.",
                VISIBILITY[row.stage],
                remaining_seconds=seconds,
                **reckoned.event_data(),
            )
            left[row.stage] = remaining
    return left


def resume(case: Case, now: datetime) -> dict[str, datetime]:
    """Resume the case's paused clocks with the time they had left; return each stage's new deadline."""
    due: dict[str, datetime] = {}
    for row in CaseClock.objects.filter(case=case, stopped_at__isnull=True, paused_at__isnull=False):
        clock = _clock(case, row.stage)
        remaining = timedelta(seconds=row.remaining_seconds or 0)
        reckoned = clock.reckon(now, remaining)
        new_due = reckoned.at
        warn = clock.advance(now, max(remaining - clock.warn_before, timedelta(0)))
        if CaseClock.objects.filter(pk=row.pk, paused_at__isnull=False).update(
            paused_at=None, remaining_seconds=None, due_at=new_due, warn_at=warn
        ):
            _log(
                case,
                row,
                "clock_resumed",
                now,
                f"{row.stage}: resumed with {_hours(row.remaining_seconds or 0)} left; due {_when(new_due)}"
                f"{_weekday_note(reckoned)}.",
                VISIBILITY[row.stage],
                due_at=new_due.isoformat(),
                paused_seconds=int((now - row.paused_at).total_seconds()),
                **_counts_from(clock, now),
                **reckoned.event_data(),
            )
            due[row.stage] = new_due
    return due


def extend(case: Case, stage: str, by: timedelta, now: datetime, reason: str) -> datetime | None:
    """Move the running clock of `stage` later by `by` (calendar time); return its new due, None if none runs.

    Only an agreed extension does this (cases/actions/negotiation.py). A warning not yet given moves
    with the deadline; one already given stays given.
    """
    row = CaseClock.objects.filter(
        case=case, stage=stage, stopped_at__isnull=True, breached_at__isnull=True, paused_at__isnull=True
    ).first()
    if row is None:
        return None
    new_due = row.due_at + by
    warn = row.warn_at + by if row.warn_at else None
    if not CaseClock.objects.filter(pk=row.pk, breached_at__isnull=True).update(due_at=new_due, warn_at=warn):
        return None
    _log(
        case,
        row,
        "clock_extended",
        now,
        f"{stage}: {reason}; due {_when(new_due)}.",
        VISIBILITY[stage],
        due_at=new_due.isoformat(),
        extended_seconds=int(by.total_seconds()),
    )
    return new_due


def _hours(seconds: int) -> str:
    return f"{seconds / 3600:.1f} h"


def running(case: Case) -> list[CaseClock]:
    """Return the case's clocks that have not stopped, oldest first."""
    return list(case.clocks.filter(stopped_at__isnull=True).order_by("started_at", "id"))


# --- what breaches and deadlines do: registered by the actions ---------------------------------------

# A breach handler acts on the case of a breached clock (inside the breach's transaction) and returns
# whether it did anything; it gets the clock row (its stage, due_at, subject_id) and the stage's rules.
BreachHandler = Callable[[Case, CaseClock, Stage, datetime], bool]
# A deadline handler acts on a case whose deadline passed (in its own transaction); it returns whether
# the case still qualified.
DeadlineHandler = Callable[[Case, datetime], bool]
# The deadlines that are not clocks: the reporter's evidence deadline (asked at intake, or by a
# reviewer during review), a reviewer's claim, the other party's answer to an appeal, and the
# marketplace's confirmation of a remedy (its instruction's confirm_due_at).
Deadline = Literal["evidence", "requested_evidence", "claim", "appeal_answer", "remedy_confirmation"]
BREACH_ACTIONS: tuple[str, ...] = get_args(BreachAction)
DEADLINES: tuple[str, ...] = get_args(Deadline)
# The order a breach does its actions in: the stage's own consequence first, then the escalation,
# which reports the case as the consequence left it.
BREACH_ORDER = ("merchant_silence", "rectification_missed", "escalate", "raise_priority")
# The TickReport counter of each action that has one.
BREACH_COUNTS = {
    "merchant_silence": "silence_handled",
    "rectification_missed": "rectifications_missed",
    "escalate": "escalated",
}

_breach_handlers: dict[str, BreachHandler] = {}
_deadline_handlers: dict[str, DeadlineHandler] = {}


def _register(registry: dict[str, Any], known: tuple[str, ...], name: str, handler: Callable[..., bool]) -> None:
    if name not in known:
        raise ValueError(f"{name!r} is not one of {', '.join(known)}")
    current = registry.get(name)
    # The same function registered again (a module imported twice, e.g. reloaded) replaces itself.
    if current is not None and (current.__module__, current.__qualname__) != (handler.__module__, handler.__qualname__):
        raise ValueError(f"{name!r} already has a handler: {current.__module__}.{current.__qualname__}")
    registry[name] = handler


def on_breach(action: BreachAction, handler: BreachHandler) -> None:
    """Make `handler` what a breach does for the rulebook's breach action `action` (one handler per action)."""
    _register(_breach_handlers, BREACH_ACTIONS, action, handler)


def on_deadline(deadline: Deadline, handler: DeadlineHandler) -> None:
    """Make `handler` what happens when a case's `deadline` passes (one handler per deadline)."""
    _register(_deadline_handlers, DEADLINES, deadline, handler)


def missing_handlers() -> list[str]:
    """Return the breach actions and deadlines nobody registered a handler for (empty when all are)."""
    return [a for a in BREACH_ACTIONS if a not in _breach_handlers] + [
        d for d in DEADLINES if d not in _deadline_handlers
    ]


def _breach_handler(action: str) -> BreachHandler:
    try:
        return _breach_handlers[action]
    except KeyError:
        raise RuntimeError(f"no handler for the breach action {action!r}: is plaint.cases.actions imported?") from None


def _deadline_handler(deadline: str) -> DeadlineHandler:
    try:
        return _deadline_handlers[deadline]
    except KeyError:
        raise RuntimeError(f"no handler for the deadline {deadline!r}: is plaint.cases.actions imported?") from None


# --- firing ------------------------------------------------------------------------------------


@dataclass
class TickReport:
    evidence_closed: int = 0
    returned_to_review: int = 0
    silence_handled: int = 0
    claims_lapsed: int = 0
    appeal_answers_closed: int = 0
    remedies_overdue: int = 0
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
        # Locked: its log is appended to (cases/chain.py), as every writer of a case's log does.
        case = Case.objects.select_for_update(of=("self",)).select_related("merchant").get(pk=row.case_id)
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
            zh, en = STAGE_TITLES[row.stage]
            # By e-mail and in the merchant staff's portal (one call writes both).
            tell(
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
    and the next tick tries again; so is everything when an action has no handler (a bug, logged by tick).
    """
    report = report or TickReport()
    with transaction.atomic():
        claimed = CaseClock.objects.filter(
            pk=row.pk, stopped_at__isnull=True, paused_at__isnull=True, breached_at__isnull=True, due_at__lte=now
        ).update(breached_at=now)
        if not claimed:
            return False
        case = Case.objects.select_for_update().get(pk=row.case_id)
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
        done: dict[BreachHandler, bool] = {}
        for action in sorted(spec.on_breach, key=BREACH_ORDER.index):
            handler = _breach_handler(action)
            if handler not in done:  # one handler may do several actions (escalate and raise_priority) at once
                done[handler] = bool(handler(case, row, spec, now))
            if done[handler] and action in BREACH_COUNTS:
                setattr(report, BREACH_COUNTS[action], getattr(report, BREACH_COUNTS[action]) + 1)
    report.breached[row.stage] = report.breached.get(row.stage, 0) + 1
    return True


def tick(now: datetime | None = None) -> TickReport:
    """Fire every breach, warning and deadline due at `now`; return how many of each fired."""
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
                if _deadline_handler("requested_evidence")(case, now):
                    report.returned_to_review += 1
            elif _deadline_handler("evidence")(case, now):
                report.evidence_closed += 1
        except Refused as exc:
            log.info("case %s evidence deadline deferred: %s", case.reference, exc)
    lapsed = Case.objects.filter(claimed_by__isnull=False, claim_expires_at__lte=now, state__in=DECIDABLE_STATES)
    for case in lapsed[:BATCH]:
        if _deadline_handler("claim")(case, now):
            report.claims_lapsed += 1
    # Appeals whose answer window closed without an answer go on to be decided (the handler closes
    # every such window of the case).
    closing = Appeal.objects.filter(state=AppealState.ANSWER_WINDOW, answer_due_at__lte=now)
    for case_id in sorted(set(closing.values_list("case_id", flat=True)[:BATCH])):
        try:
            report.appeal_answers_closed += int(_deadline_handler("appeal_answer")(Case.objects.get(pk=case_id), now))
        except Refused as exc:
            log.info("case %s appeal answer deadline deferred: %s", case_id, exc)
    # Remedies the marketplace has not confirmed in time: chased once (the handler marks each overdue
    # with a guarded UPDATE, so several workers chase it once).
    unconfirmed = RemedyInstruction.objects.filter(
        state=RemedyState.INSTRUCTED, overdue_at__isnull=True, confirm_due_at__lte=now
    ).order_by("confirm_due_at")
    for case_id in sorted(set(unconfirmed.values_list("case_id", flat=True)[:BATCH])):
        try:
            report.remedies_overdue += int(_deadline_handler("remedy_confirmation")(Case.objects.get(pk=case_id), now))
        except Refused as exc:
            log.info("case %s remedy confirmation deadline deferred: %s", case_id, exc)
    return report
