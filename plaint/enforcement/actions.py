"""Carrying out decisions: points on the merchant's record, remedy instructions to the marketplace."""

from datetime import datetime
from decimal import Decimal

from plaint.notifications.outbox import enqueue_webhook
from plaint.rulebook.evaluation import points_expire_at
from plaint.rulebook.schema import Rulebook

from .models import PointEntry, RemedyInstruction

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


def instruct_remedy(
    case: object, decision: object | None, remedy: str, amount: Decimal | None, now: datetime
) -> RemedyInstruction | None:
    """Record and send a remedy instruction for an order case; return None where there is nothing to do."""
    order = case.report.order
    if remedy not in ORDER_REMEDIES or order is None:
        return None
    paid, tariff = remedy_amounts(order, remedy, amount)
    instruction = RemedyInstruction.objects.create(
        case=case,
        decision=decision,
        kind=remedy,
        currency=order.currency,
        amount=paid,
        tariff_amount=tariff,
        issued_at=now,
    )
    enqueue_webhook(
        "remedy.instructed",
        {
            "case": case.reference,
            "order_id": order.external_id,
            "consumer_id": case.reporter.external_id,
            "merchant_id": case.merchant.external_id,
            "remedy": remedy,
            "amount": str(paid),
            "tariff_amount": str(tariff),
            "total": str(paid + tariff),
            "currency": order.currency,
        },
        key=f"remedy-{instruction.pk}",
        now=now,
    )
    return instruction


def award_points(case: object, decision: object, rulebook: Rulebook, now: datetime) -> PointEntry | None:
    """Put the decision's points on the merchant's record with the rulebook's expiry; None if zero."""
    if not decision.points:
        return None
    entry = PointEntry.objects.create(
        merchant=case.merchant,
        case=case,
        decision=decision,
        track=decision.track,
        points=decision.points,
        rulebook_version=rulebook.version,
        awarded_at=now,
        expires_at=points_expire_at(rulebook, now),
    )
    enqueue_webhook(
        "points.awarded",
        {
            "case": case.reference,
            "merchant_id": case.merchant.external_id,
            "track": entry.track,
            "points": entry.points,
            "expires_at": entry.expires_at.isoformat(),
            "rulebook_version": rulebook.version,
        },
        key=f"points-{entry.pk}",
        now=now,
    )
    return entry
