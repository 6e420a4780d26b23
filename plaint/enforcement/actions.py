"""Carrying out decisions: points on the merchant's record, remedy instructions to the marketplace."""

from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from plaint.marketplace.models import Order
from plaint.notifications.outbox import enqueue_webhook
from plaint.rulebook import calendar, loader
from plaint.rulebook.evaluation import points_expire_at
from plaint.rulebook.schema import LadderStep, Rulebook

from . import standing
from .models import Measure, PointEntry, RemedyInstruction

# Remedies that the marketplace carries out for an order.
ORDER_REMEDIES = frozenset({"refund", "return_and_refund", "replacement", "compensation"})


def remedy_amounts(order: object, remedy: str, amount: Decimal | None) -> tuple[Decimal, Decimal]:
    """Return (amount, tariff) to refund: the whole order with its tariff unless a partial amount is set.

    Cross-border tariffs are refunded with a full refund, as the consumer paid them for the order.
    """
    if remedy not in ("refund", "return_and_refund"):
        return (amount or Decimal("0"), Decimal("0"))
    if amount is not None:
        return (amount, Decimal("0"))
    return (order.amount_paid, order.tariff_paid)


def remedy_order(case: object, window_days: int) -> Order | None:
    """Return the consumer's order a remedy of the case is carried out on; None if there is none.

    The order the report names (an order report's target); for a listing or merchant report, the
    reporter's latest order of that listing or merchant received (delivered, or paid if not yet
    delivered) within the category's `window_days` before the report was filed. One indexed query
    on the reporter's orders.
    """
    report = case.report
    if report.order_id is not None:
        return report.order
    if report.reporter_id is None:
        # An own-initiative investigation: no consumer, so no consumer's order to carry a remedy out on.
        return None
    since = report.submitted_at - timedelta(days=window_days)
    orders = Order.objects.filter(consumer_id=report.reporter_id, paid_at__lte=report.submitted_at)
    if report.listing_id is not None:
        orders = orders.filter(items__listing_id=report.listing_id)
    else:
        orders = orders.filter(merchant_id=report.merchant_id)
    received = Q(delivered_at__gte=since, delivered_at__lte=report.submitted_at) | Q(
        delivered_at__isnull=True, paid_at__gte=since
    )
    return orders.filter(received).order_by("-paid_at", "-id").first()


def instruct_remedy(
    case: object,
    decision: object | None,
    remedy: str,
    amount: Decimal | None,
    now: datetime,
    *,
    order: Order | None = None,
) -> RemedyInstruction | None:
    """Record and send a remedy instruction on `order` (default: the order the report names).

    Return None where there is nothing to do: a remedy that is not an order's, or no order.
    """
    order = order or case.report.order
    if remedy not in ORDER_REMEDIES or order is None:
        return None
    paid, tariff = remedy_amounts(order, remedy, amount)
    rulebook = loader.get(case.rulebook_version)
    instruction = RemedyInstruction.objects.create(
        case=case,
        decision=decision,
        order=order,
        kind=remedy,
        currency=order.currency,
        amount=paid,
        tariff_amount=tariff,
        issued_at=now,
        confirm_due_at=calendar.deadline(rulebook, "remedy_confirmation", now) if rulebook.remedy_execution else None,
    )
    enqueue_webhook(
        "remedy.instructed",
        {
            "case": case.reference,
            "order_id": order.external_id,
            "consumer_id": case.reporter.external_id if case.reporter_id else None,
            "merchant_id": case.merchant.external_id,
            "remedy": remedy,
            "amount": str(paid),
            "tariff_amount": str(tariff),
            "total": str(paid + tariff),
            "currency": order.currency,
            "remedy_id": instruction.pk,
            "confirm_by": instruction.confirm_due_at.isoformat() if instruction.confirm_due_at else None,
        },
        key=f"remedy-{instruction.pk}",
        now=now,
    )
    return instruction


def award_points(case: object, decision: object, rulebook: Rulebook, now: datetime) -> PointEntry | None:
    """Put the decision's points on the merchant's record and apply the penalty ladder; None if zero."""
    return add_points(case, decision, decision.track, decision.points, rulebook, now)


def add_points(
    case: object, decision: object, track: str, points: int, rulebook: Rulebook, now: datetime
) -> PointEntry | None:
    """Put points on the merchant's record for a decision and apply the penalty ladder; None if zero.

    Points expire as the rulebook says, except that once a track's total reaches its no-reset level
    none of its live points expire any more. Every ladder step whose threshold this award crosses
    starts its measures.
    """
    if not points:
        return None
    merchant = case.merchant
    before = standing.total(merchant, track, now)
    entry = PointEntry.objects.create(
        merchant=merchant,
        case=case,
        decision=decision,
        track=track,
        points=points,
        rulebook_version=rulebook.version,
        awarded_at=now,
        expires_at=points_expire_at(rulebook, timezone.localtime(now)),
    )
    after = before + entry.points
    no_reset = rulebook.points.no_reset_at.get(entry.track)
    if no_reset is not None and after >= no_reset:
        standing.live_points(merchant, entry.track, now).update(expires_at=None)
        entry.expires_at = None
    enqueue_webhook(
        "points.awarded",
        {
            "case": case.reference,
            "merchant_id": merchant.external_id,
            "track": entry.track,
            "points": entry.points,
            "track_total": after,
            "expires_at": entry.expires_at.isoformat() if entry.expires_at else None,
            "rulebook_version": rulebook.version,
        },
        key=f"points-{entry.pk}",
        now=now,
    )
    for step in rulebook.ladder_for(entry.track):
        if before < step.points <= after:
            start_measures(case, step, rulebook, now)
    return entry


def start_measure(
    merchant: object,
    *,
    kind: str,
    track: str,
    threshold: int,
    trigger_case: object,
    cases: list[str],
    rulebook: Rulebook,
    now: datetime,
    days: int | None = None,
    weight: float | None = None,
    amount: Decimal | None = None,
) -> Measure:
    """Start one measure on the merchant and instruct the marketplace."""
    measure = Measure.objects.create(
        merchant=merchant,
        kind=kind,
        track=track,
        threshold=threshold,
        weight=weight,
        amount=amount,
        starts_at=now,
        ends_at=now + timedelta(days=days) if days else None,
        rulebook_version=rulebook.version,
        trigger_case=trigger_case,
        cases=cases,
    )
    enqueue_webhook("measure.started", measure.as_dict(), key=f"measure-{measure.pk}-started", now=now)
    return measure


def start_measures(case: object, step: LadderStep, rulebook: Rulebook, now: datetime) -> list[Measure]:
    """Start a ladder step's measures for the case's merchant and instruct the marketplace."""
    contributing = sorted(
        set(standing.live_points(case.merchant, step.track, now).values_list("case__reference", flat=True))
    )
    return [
        start_measure(
            case.merchant,
            kind=spec.kind,
            track=step.track,
            threshold=step.points,
            trigger_case=case,
            cases=contributing,
            rulebook=rulebook,
            now=now,
            days=spec.days,
            weight=spec.weight,
            amount=spec.amount,
        )
        for spec in step.measures
    ]


def end_due_measures(now: datetime | None = None) -> int:
    """End every timed measure whose period is over and instruct the marketplace; return how many ended.

    Each is ended by a conditional update, so it ends once even with several workers.
    """
    now = now or timezone.now()
    ended = 0
    due = Measure.objects.filter(ended_at__isnull=True, ends_at__lte=now).select_related("merchant", "trigger_case")
    for measure in due[:500]:
        with transaction.atomic():
            if not Measure.objects.filter(pk=measure.pk, ended_at__isnull=True).update(ended_at=measure.ends_at):
                continue
            enqueue_webhook(
                "measure.ended",
                measure.as_dict() | {"ended_at": measure.ends_at.isoformat()},
                key=f"measure-{measure.pk}-ended",
                now=now,
            )
            ended += 1
    return ended


def revoke_decision_points(decision: object, now: datetime) -> list[int]:
    """Revoke a decision's points; lift every measure they alone held up; return the lifted ids.

    A measure stands while the track's remaining live points still reach its threshold.
    """
    case = decision.case
    entries = list(decision.point_entries.filter(revoked_at__isnull=True))
    decision.point_entries.filter(revoked_at__isnull=True).update(revoked_at=now)
    lifted = []
    for track in {e.track for e in entries}:
        remaining = standing.total(case.merchant, track, now)
        still = Measure.objects.filter(
            merchant=case.merchant, track=track, revoked_at__isnull=True, threshold__gt=remaining
        ).exclude(ended_at__lte=now)
        for measure in still.select_related("merchant", "trigger_case"):
            Measure.objects.filter(pk=measure.pk).update(revoked_at=now)
            enqueue_webhook(
                "measure.lifted",
                measure.as_dict() | {"lifted_at": now.isoformat()},
                key=f"measure-{measure.pk}-lifted",
                now=now,
            )
            lifted.append(measure.pk)
        enqueue_webhook(
            "points.revoked",
            {
                "case": case.reference,
                "merchant_id": case.merchant.external_id,
                "track": track,
                "points": sum(e.points for e in entries if e.track == track),
                "track_total": remaining,
            },
            key=f"points-revoked-{decision.pk}-{track}",
            now=now,
        )
    return lifted
