"""The case clocks: what happens when a deadline passes. Run by the worker on every pass.

Each due case is handled in its own transaction by an action that re-checks the deadline under the
case's version guard, so a deadline fires once even when several workers tick at the same moment,
and a deadline that passed while Plaint was down fires on the first tick after it comes back.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from plaint.rulebook import loader

from . import actions, rectification
from .models import Case
from .transitions import DECIDABLE_STATES, State

BATCH = 200


@dataclass
class TickReport:
    evidence_closed: int = 0
    silence_handled: int = 0
    claims_lapsed: int = 0
    rectifications_missed: int = 0
    warned: int = 0
    escalated: int = 0


def tick(now: datetime | None = None) -> TickReport:
    """Fire every deadline that has passed at `now`; return how many of each fired."""
    now = now or timezone.now()
    report = TickReport()
    for case in Case.objects.filter(state=State.NEEDS_EVIDENCE, evidence_due_at__lte=now)[:BATCH]:
        if actions.close_for_missing_evidence(case, now=now):
            report.evidence_closed += 1
    for case in Case.objects.filter(state=State.AWAITING_MERCHANT, response_due_at__lte=now)[:BATCH]:
        if actions.handle_merchant_silence(case, now=now):
            report.silence_handled += 1
    lapsed = Case.objects.filter(claimed_by__isnull=False, claim_expires_at__lte=now, state__in=DECIDABLE_STATES)[
        :BATCH
    ]
    for case in lapsed:
        if actions.lapse_claim(case, now=now):
            report.claims_lapsed += 1
    reviewing = Case.objects.filter(state=State.AWAITING_REVIEW)
    # Warnings: deadlines within the longest warning window of any version, each checked by its own.
    horizon = now + timedelta(hours=max(rb.sla.warn_before_hours for rb in loader.versions()))
    for case in reviewing.filter(warned_at__isnull=True, decision_due_at__gt=now, decision_due_at__lte=horizon)[:BATCH]:
        if actions.warn_before_deadline(case, now=now):
            report.warned += 1
    for case in reviewing.filter(escalated_at__isnull=True, decision_due_at__lte=now)[:BATCH]:
        if actions.escalate_overdue(case, now=now):
            report.escalated += 1
    report.rectifications_missed = rectification.miss_overdue(now)
    return report
