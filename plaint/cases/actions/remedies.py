"""Remedies followed to the money, and closing the loop (issue 17, items 4 and 10).

- The marketplace confirms a remedy's execution (`confirm_remedy_executed`: amount, time, its own
  reference; the same reference again is the same confirmation) or reports its failure
  (`report_remedy_failed`). Marketplace clients and supervisors only.
- A remedy not confirmed within the rulebook's [remedy_execution] confirm_days is overdue (the
  clocks' `remedy_confirmation` deadline): the supervisors are told and the remedy.overdue webhook
  chases it, once.
- A case the merchant resolved by accepting can be reopened by the reporter when the money never
  arrived (`reopen_unpaid`), within reopen_days of the acceptance; it goes to review.
- (Accepting the remedy settles the claim, not the violation: `decisions.record_points_on_acceptance`,
  called by the merchant's acceptance.)
- When a case is closed the consumer may rate its handling once (`rate_case`).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from plaint.accounts.models import Role, User
from plaint.enforcement.models import RemedyInstruction, RemedyState
from plaint.errors import Forbidden, InvalidInput, Refused
from plaint.notifications.emails import at
from plaint.notifications.outbox import enqueue_webhook
from plaint.rulebook import loader

from .. import clocks
from ..models import Case, CaseRating, Visibility
from ..notices import tell
from ..transitions import FINAL_STATES, OPEN_STATES, transition
from .common import _actor_role, _apply, _locked, _notify, _record, _reporter_side, no_reporter

# Who confirms what the marketplace did with the money: its system client, and supervisors (who may
# record a confirmation the marketplace gave them another way).
REMEDY_CONFIRMERS = frozenset({Role.MARKETPLACE, Role.SUPERVISOR})
REASON_MAX_CHARS = 2000
REFERENCE_MAX_CHARS = 100
# A marketplace's clock may run a little ahead of ours; an execution further in the future is a mistake.
CLOCK_SKEW = timedelta(minutes=5)


@dataclass
class Confirmed:
    instruction: RemedyInstruction
    # False when the same confirmation (the same reference) was sent again.
    created: bool


def _require_confirmer(actor: User) -> None:
    if actor.role not in REMEDY_CONFIRMERS:
        raise Forbidden(
            "not_the_marketplace",
            "Only the marketplace's system client (or a supervisor) confirms or reports a remedy's execution.",
        )


def _locked_instruction(instruction: RemedyInstruction) -> RemedyInstruction:
    return (
        RemedyInstruction.objects.select_for_update(of=("self",))
        .select_related("case__merchant", "case__reporter", "case__report__order")
        .get(pk=instruction.pk)
    )


def _already_confirmed(instruction: RemedyInstruction) -> Refused:
    executed = timezone.localtime(instruction.executed_at)
    return Refused(
        "remedy_already_confirmed",
        f"Remedy {instruction.pk} was already confirmed as executed on {executed:%Y-%m-%d %H:%M} under the "
        f"marketplace's reference {instruction.execution_reference!r}.",
        hint="Send that reference to repeat the confirmation; a remedy is executed once.",
        details={
            "reference": instruction.execution_reference,
            "executed_at": instruction.executed_at.isoformat(),
            "amount": str(instruction.executed_amount),
            "currency": instruction.executed_currency,
        },
    )


def remedy_payload(instruction: RemedyInstruction) -> dict:
    """Return the remedy as its webhooks carry it."""
    case = instruction.case
    order = case.report.order
    return {
        "remedy_id": instruction.pk,
        "case": case.reference,
        "order_id": order.external_id if order else None,
        "consumer_id": case.reporter.external_id if case.reporter_id else None,
        "merchant_id": case.merchant.external_id,
        "remedy": instruction.kind,
        "amount": str(instruction.amount),
        "tariff_amount": str(instruction.tariff_amount),
        "total": str(instruction.amount + instruction.tariff_amount),
        "currency": instruction.currency,
        "state": instruction.state,
        "issued_at": instruction.issued_at.isoformat(),
        "confirm_by": instruction.confirm_due_at.isoformat() if instruction.confirm_due_at else None,
    }


def confirm_remedy_executed(
    actor: User,
    instruction: RemedyInstruction,
    *,
    amount: Decimal,
    currency: str,
    executed_at: datetime,
    reference: str,
    now: datetime | None = None,
) -> Confirmed:
    """Record that the marketplace carried the remedy out: what it paid, when, under its own reference.

    The same reference again returns the first confirmation unchanged (created False); another
    reference after a confirmation is refused naming the first. A remedy reported failed may still be
    confirmed (a retried payment that went through).
    """
    now = now or timezone.now()
    _require_confirmer(actor)
    reference = (reference or "").strip()
    if not reference or len(reference) > REFERENCE_MAX_CHARS:
        raise InvalidInput(
            "reference_required",
            f"Give the marketplace's own reference of the payment (1 to {REFERENCE_MAX_CHARS} characters).",
            field="reference",
        )
    if amount is None or amount < 0:
        raise InvalidInput("invalid_amount", "The amount paid cannot be negative.", field="amount")
    if executed_at.tzinfo is None:
        raise InvalidInput(
            "executed_at_without_offset",
            "executed_at needs a time zone offset.",
            field="executed_at",
            hint="e.g. 2026-12-08T10:30:00+08:00",
        )
    with transaction.atomic():
        instruction = _locked_instruction(instruction)
        if instruction.state == RemedyState.EXECUTED:
            if instruction.execution_reference == reference:
                return Confirmed(instruction, created=False)
            raise _already_confirmed(instruction)
        if currency.upper() != instruction.currency:
            raise InvalidInput(
                "currency_mismatch",
                f"The remedy was instructed in {instruction.currency}; the confirmation says {currency!r}.",
                field="currency",
                hint=f"Confirm the amount in {instruction.currency}.",
            )
        if executed_at > now + CLOCK_SKEW:
            raise InvalidInput(
                "executed_in_future",
                "executed_at is in the future; send when the payment was made.",
                field="executed_at",
            )
        RemedyInstruction.objects.filter(pk=instruction.pk).update(
            state=RemedyState.EXECUTED,
            executed_amount=amount,
            executed_currency=instruction.currency,
            executed_at=executed_at,
            execution_reference=reference,
            confirmed_at=now,
            confirmed_by=actor,
        )
        instruction.refresh_from_db()
        case = instruction.case
        total = instruction.amount + instruction.tariff_amount
        short = total - amount if amount < total else Decimal("0")
        _record(
            case,
            "remedy_executed",
            actor,
            now,
            data={
                "remedy_id": instruction.pk,
                "remedy": instruction.kind,
                "amount": str(amount),
                "currency": instruction.currency,
                "executed_at": executed_at.isoformat(),
                "reference": reference,
                "short_by": str(short) if short else None,
            },
        )
        enqueue_webhook(
            "remedy.executed",
            remedy_payload(instruction)
            | {
                "executed_amount": str(amount),
                "executed_at": executed_at.isoformat(),
                "reference": reference,
                "short_by": str(short) if short else None,
            },
            key=f"remedy-{instruction.pk}-executed",
            now=now,
        )
        remedy = loader.get(case.rulebook_version).remedies.get(instruction.kind)
        tell(
            case,
            "remedy_executed",
            now,
            f"remedy-{instruction.pk}-executed",
            reporter=True,
            merchant=False,
            remedy={"zh": remedy.zh, "en": remedy.en} if remedy else instruction.kind,
            amount=f"{amount} {instruction.currency}",
            executed=at(executed_at),
        )
    return Confirmed(instruction, created=True)


def report_remedy_failed(
    actor: User, instruction: RemedyInstruction, reason: str, *, now: datetime | None = None
) -> RemedyInstruction:
    """Record that the marketplace could not carry the remedy out, and why; tell the reporter and the supervisors.

    Refused once the remedy is confirmed executed. The same reason again (a retried request) changes nothing.
    """
    now = now or timezone.now()
    _require_confirmer(actor)
    reason = (reason or "").strip()
    if not reason or len(reason) > REASON_MAX_CHARS:
        raise InvalidInput(
            "reason_required", f"Say why the remedy failed (1 to {REASON_MAX_CHARS} characters).", field="reason"
        )
    with transaction.atomic():
        instruction = _locked_instruction(instruction)
        if instruction.state == RemedyState.EXECUTED:
            raise _already_confirmed(instruction)
        if instruction.state == RemedyState.FAILED and instruction.failure_reason == reason:
            return instruction
        RemedyInstruction.objects.filter(pk=instruction.pk).update(
            state=RemedyState.FAILED, failure_reason=reason, failed_at=now
        )
        instruction.refresh_from_db()
        case = instruction.case
        _record(
            case,
            "remedy_failed",
            actor,
            now,
            reason=reason,
            data={"remedy_id": instruction.pk, "remedy": instruction.kind},
        )
        key = f"remedy-{instruction.pk}-failed-{now.timestamp():.0f}"
        enqueue_webhook("remedy.failed", remedy_payload(instruction) | {"reason": reason}, key=key, now=now)
        tell(case, "remedy_failed", now, key, reporter=True, merchant=False, supervisors=True, reason=reason)
    return instruction


def remedy_overdue(case: Case, now: datetime) -> bool:
    """Chase the case's remedies whose confirmation deadline passed unconfirmed (the clocks' deadline).

    Each is marked overdue by a guarded UPDATE, so it is chased once however many workers tick;
    return whether this call chased any.
    """
    chased = False
    with transaction.atomic():
        due = RemedyInstruction.objects.filter(
            case=case, state=RemedyState.INSTRUCTED, overdue_at__isnull=True, confirm_due_at__lte=now
        ).select_related("case__merchant", "case__reporter", "case__report__order")
        for instruction in due:
            if not RemedyInstruction.objects.filter(
                pk=instruction.pk, state=RemedyState.INSTRUCTED, overdue_at__isnull=True
            ).update(overdue_at=now):
                continue
            chased = True
            when = f"{timezone.localtime(instruction.confirm_due_at):%Y-%m-%d %H:%M}"
            _record(
                case,
                "remedy_overdue",
                None,
                now,
                reason=f"The marketplace had not confirmed remedy {instruction.pk} by {when}; supervisors chase it.",
                data={"remedy_id": instruction.pk, "due_at": instruction.confirm_due_at.isoformat()},
            )
            enqueue_webhook(
                "remedy.overdue",
                remedy_payload(instruction) | {"overdue_at": now.isoformat()},
                key=f"remedy-{instruction.pk}-overdue",
                now=now,
            )
            tell(
                case,
                "remedy_overdue",
                now,
                f"remedy-{instruction.pk}-overdue",
                reporter=False,
                merchant=False,
                supervisors=True,
                due=when,
            )
    return chased


clocks.on_deadline("remedy_confirmation", remedy_overdue)


# --- the reporter reopens a resolved case whose money never arrived --------------------------------


def reopen_unpaid(actor: User, case: Case, reason: str, *, now: datetime | None = None) -> Case:
    """Reopen a case the merchant resolved by accepting, because the money never arrived; it goes to review.

    Within the rulebook's reopen_days of the acceptance (409 with the window's dates after it);
    refused while another case of the same matter is open.
    """
    now = now or timezone.now()
    if not _reporter_side(actor, case):
        raise Forbidden("not_reporter", "Only the reporter (or an agent for them) can reopen a case.")
    reason = (reason or "").strip()
    if not reason or len(reason) > REASON_MAX_CHARS:
        raise InvalidInput(
            "reason_required",
            f"Say what went wrong: which money did not arrive (1 to {REASON_MAX_CHARS} characters).",
            field="reason",
        )
    try:
        with transaction.atomic():
            case = _locked(case)
            # The state and the role first: a case that is not resolved has no window to speak of.
            transition("reopen_unpaid", case.state, _actor_role(actor))
            window = clocks.reopen_window(case)
            if window is None:
                raise Refused(
                    "reopen_not_in_rulebook",
                    f"Rulebook version {case.rulebook_version} has no window to reopen a resolved case.",
                    hint="Contact customer service, or a consumer association (12315).",
                )
            opens, closes = window
            if now > closes:
                raise Refused(
                    "reopen_window_closed",
                    f"A resolved case can be reopened from {timezone.localtime(opens):%Y-%m-%d %H:%M} until "
                    f"{timezone.localtime(closes):%Y-%m-%d %H:%M}; that window has closed.",
                    hint="Contact customer service, or a consumer association (12315).",
                    details={"opens": opens.isoformat(), "closes": closes.isoformat()},
                )
            same_matter = Case.objects.filter(matter=case.matter, state__in=OPEN_STATES) if case.matter else None
            other = same_matter.values_list("reference", flat=True).first() if same_matter is not None else None
            if other is not None:
                raise Refused(
                    "duplicate_report",
                    f"Another case of the same complaint is open: {other}. Follow it there.",
                    details={"case": other},
                )
            remedies = [
                {"remedy_id": r.pk, "state": r.state, "reference": r.execution_reference or None}
                for r in case.remedy_instructions.order_by("id")
            ]
            clocks.start(case, "acknowledgement", now)
            due = clocks.start(case, "decision", now).due_at
            _apply(
                case,
                "reopen_unpaid",
                actor,
                now,
                reason=reason,
                data={"remedies": remedies, "window_closes": closes.isoformat()},
                closed_at=None,
                decision_due_at=due,
            )
            _notify(case, "case.reopened", now, key=f"case-{case.reference}-reopened", reason=reason, remedies=remedies)
            tell(case, "reopened", now, f"{case.reference}-reopened", reporter=False, merchant=True, reason=reason)
    except IntegrityError:
        # Another case of the matter opened at the same moment (case_one_open_per_matter).
        raise Refused(
            "duplicate_report", "Another case of the same complaint was opened at the same moment; reload."
        ) from None
    return case


# --- closing the loop: the consumer rates the handling -------------------------------------------


def rate_case(actor: User, case: Case, score: int, comment: str = "", *, now: datetime | None = None) -> CaseRating:
    """The consumer rates how her closed case was handled: 1 to 5 and a comment, once (409 the second time)."""
    now = now or timezone.now()
    if case.reporter_id is None:
        raise no_reporter(case)
    if actor.role != Role.CONSUMER or actor.consumer_id != case.reporter_id:
        raise Forbidden("not_reporter", "Only the consumer who reported can rate how the case was handled.")
    if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
        raise InvalidInput("invalid_score", "Rate from 1 (poor) to 5 (very good).", field="score")
    comment = (comment or "").strip()
    if len(comment) > REASON_MAX_CHARS:
        raise InvalidInput(
            "comment_too_long", f"Keep the comment under {REASON_MAX_CHARS} characters.", field="comment"
        )
    if case.state not in FINAL_STATES:
        raise Refused("case_not_closed", "A case can be rated once it is closed.", details={"state": case.state})
    existing = CaseRating.objects.filter(case=case).first()
    if existing is not None:
        raise _already_rated(existing)
    try:
        with transaction.atomic():
            rating = CaseRating.objects.create(
                case=case, category=case.category, score=score, comment=comment, rated_by=actor, rated_at=now
            )
            _record(
                case,
                "rated",
                actor,
                now,
                visibility=Visibility.REPORTER,
                data={"score": score, "comment": comment},
            )
    except IntegrityError:
        raise _already_rated(CaseRating.objects.get(case=case)) from None
    return rating


def _already_rated(rating: CaseRating) -> Refused:
    return Refused(
        "already_rated",
        f"This case was already rated on {timezone.localtime(rating.rated_at):%Y-%m-%d %H:%M}; a case is rated once.",
        details={"score": rating.score, "rated_at": rating.rated_at.isoformat()},
    )
