"""A decision, whoever takes it (a reviewer, or Plaint on a clock: missing evidence, merchant silence).

It composes the statement of reasons, records the decision under its rulebook version, and enforces
it: the remedy instruction and the points (a repeat within the rulebook's days multiplied), the
webhook and the parties told. The caller takes the transition.
"""

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from plaint.accounts.models import User
from plaint.enforcement.actions import award_points, instruct_remedy
from plaint.rulebook import evaluation
from plaint.rulebook.schema import Rulebook

from .. import statements
from ..models import Case, Decision
from ..notices import tell
from .common import _actor_role, _category, _notify


def _make_decision(
    case: Case,
    rulebook: Rulebook,
    *,
    outcome: str,
    reason_codes: list[str],
    facts: str,
    remedy: str,
    remedy_amount: Decimal | None,
    automated: bool,
    actor: User | None,
    missing: list[str],
    now: datetime,
) -> Decision:
    category = _category(rulebook, case.category)
    since = now - timedelta(days=rulebook.points.repeat_within_days)
    repeat = (
        category.repeat_multiplier > 1
        and Decision.objects.filter(
            case__merchant_id=case.merchant_id,
            case__category=case.category,
            outcome__in=("upheld", "partly_upheld"),
            decided_at__gte=since,
            point_entries__revoked_at__isnull=True,
        ).exists()
    )
    points = evaluation.decision_points(category, outcome, repeat)
    order = case.report.order
    amount = tariff = None
    if outcome != "not_upheld" and order is not None and remedy in ("refund", "return_and_refund"):
        amount = remedy_amount if remedy_amount is not None else order.amount_paid
        tariff = Decimal("0") if remedy_amount is not None else order.tariff_paid
    statement = statements.compose(
        rulebook=rulebook,
        category=category,
        outcome=outcome,
        reason_codes=reason_codes,
        facts=facts,
        evidence=_evidence_considered(case, rulebook),
        missing_evidence=missing,
        automated=automated,
        decided_by_role=_actor_role(actor),
        remedy=remedy if outcome != "not_upheld" else "none",
        remedy_amount=amount,
        tariff_amount=tariff,
        currency=order.currency if order else "CNY",
        points=points,
        points_expire_at=evaluation.points_expire_at(rulebook, timezone.localtime(now)) if points else None,
        now=now,
        repeat_multiplier=category.repeat_multiplier if repeat else 1,
    )
    decision = Decision.objects.create(
        case=case,
        outcome=outcome,
        reason_codes=reason_codes,
        remedy=remedy if outcome != "not_upheld" else "none",
        remedy_amount=remedy_amount,
        points=points,
        track=category.track,
        automated=automated,
        decided_by=actor,
        decided_at=now,
        rulebook_version=rulebook.version,
        statement=statement,
    )
    if outcome != "not_upheld":
        instruct_remedy(case, decision, decision.remedy, remedy_amount, now)
        award_points(case, decision, rulebook, now)
    _notify(
        case,
        "case.decided",
        now,
        key=f"decision-{decision.pk}",
        outcome=outcome,
        reason_codes=reason_codes,
        automated=automated,
        points=points,
        track=category.track,
        remedy=decision.remedy,
        statement=statement,
    )
    tell(
        case,
        "decided",
        now,
        f"decision-{decision.pk}",
        reporter=True,
        merchant=True,
        outcome=statement["outcome_title"],
        statement={"zh": statements.render(statement, "zh-hans"), "en": statements.render(statement, "en")},
    )
    return decision


def _evidence_considered(case: Case, rulebook: Rulebook) -> list[dict[str, Any]]:
    return [
        {
            "evidence_id": e.pk,
            "kind": e.kind,
            "kind_title": {"zh": rulebook.evidence_kinds[e.kind].zh, "en": rulebook.evidence_kinds[e.kind].en},
            "party": e.party,
            # The parties' statement names each file; the hash is for the dossier and the staff's view.
            "file_name": e.original_name,
            "sha256": e.sha256,
            "captured_at": timezone.localtime(e.captured_at).isoformat() if e.captured_at else None,
        }
        for e in case.evidence.all()
    ]
