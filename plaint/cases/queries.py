"""Read models for lists: each a queryset built to use an index and to page."""

from datetime import datetime

from django.db.models import Q, QuerySet

from plaint.accounts.models import User
from plaint.errors import InvalidInput

from .access import cases_visible_to, visible_event_levels
from .models import Case, CaseEvent
from .transitions import DECIDABLE_STATES, State


def review_queue(
    now: datetime,
    *,
    state: str = State.AWAITING_REVIEW,
    category: str | None = None,
    mine: User | None = None,
    include_claimed: bool = True,
    escalated: bool = False,
) -> QuerySet[Case]:
    """Return the cases waiting for a decision, most urgent first, then earliest due.

    `state` may also be needs_evidence, for a reviewer who decides before the evidence deadline.
    `escalated` keeps the supervisors' view: cases whose deadline passed or whose reporter chased them.
    Uses the case_queue index (state, -priority, decision_due_at).
    """
    if state not in DECIDABLE_STATES:
        raise InvalidInput("state", f"The review queue holds {', '.join(DECIDABLE_STATES)} cases.", field="state")
    cases = Case.objects.filter(state=state).select_related("merchant", "claimed_by")
    if category:
        cases = cases.filter(category=category)
    if escalated:
        cases = cases.filter(escalated_at__isnull=False)
    if mine is not None:
        cases = cases.filter(claimed_by=mine, claim_expires_at__gt=now)
    elif not include_claimed:
        cases = cases.filter(Q(claimed_by__isnull=True) | Q(claim_expires_at__lte=now))
    return cases.order_by("-priority", "decision_due_at", "opened_at")


def cases_for(user: User, state: str | None = None) -> QuerySet[Case]:
    """Return the cases a user sees in their list, newest first."""
    cases = cases_visible_to(user).select_related("merchant")
    if state:
        cases = cases.filter(state=state)
    return cases.order_by("-opened_at", "-id")


def timeline(case: Case, side: str) -> QuerySet[CaseEvent]:
    """Return the case's events that `side` may read, oldest first."""
    return case.events.filter(visibility__in=visible_event_levels(side)).order_by("at", "id")
