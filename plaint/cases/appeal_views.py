"""Read models of appeals for the pages: where each appeal of a case stands, what a party may still do,
and the supervisors' list of appeals awaiting reconsideration.

Only reads: every change goes through plaint.cases.actions.appeals.
"""

from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from plaint.accounts.models import User

from .actions.appeals import appealable, appealed_decision, open_appeals, party_of, window
from .models import Appeal, AppealRoute, Case, CaseClock
from .transitions import AppealState


def awaiting_reconsideration() -> QuerySet[Appeal]:
    """Return the appeals a supervisor may reconsider now (route reconsideration, awaiting decision), oldest first.

    Served by the partial index appeal_undecided (filed_at, undecided rows only).
    """
    return (
        Appeal.objects.filter(route=AppealRoute.RECONSIDERATION, state=AppealState.AWAITING_DECISION)
        .select_related("case__merchant", "decision")
        .order_by("filed_at", "id")
    )


def decision_due_at(appeal: Appeal) -> datetime | None:
    """Return when the appeal's decision is due: its running `appeal` service-level clock's deadline, if any."""
    clock = (
        CaseClock.objects.filter(
            case_id=appeal.case_id, stage__in=("appeal", "committee"), subject_id=appeal.pk, stopped_at__isnull=True
        )
        .order_by("-started_at", "-id")
        .first()
    )
    return clock.due_at if clock else None


def decisions_due(appeals: list[Appeal]) -> dict[int, datetime | None]:
    """Return {appeal id: when its decision is due} for a list of appeals, in one query."""
    clocks = CaseClock.objects.filter(
        stage__in=("appeal", "committee"), subject_id__in=[a.pk for a in appeals], stopped_at__isnull=True
    ).order_by("started_at", "id")
    due: dict[int, datetime | None] = {a.pk: None for a in appeals}
    cases = {a.pk: a.case_id for a in appeals}
    for clock in clocks:
        if cases.get(clock.subject_id) == clock.case_id:
            due[clock.subject_id] = clock.due_at
    return due


def stage_of(appeal: Appeal, now: datetime) -> dict[str, Any]:
    """Return where the appeal stands: {"stage", "due"}.

    stage: `answer_window` (the other party may answer until `due`), `awaiting_decision` (the
    decision is due by `due`, None when no clock runs), or `decided` (`due` None).
    """
    if appeal.state == AppealState.ANSWER_WINDOW:
        return {"stage": "answer_window", "due": appeal.answer_due_at}
    if appeal.state == AppealState.AWAITING_DECISION:
        return {"stage": "awaiting_decision", "due": decision_due_at(appeal)}
    return {"stage": "decided", "due": None}


def may_answer(viewer: User, appeal: Appeal, now: datetime) -> bool:
    """Return whether `viewer` is the other party and the appeal's answer window is still open."""
    party = party_of(viewer, appeal.case)
    return (
        party is not None
        and party != appeal.party
        and appeal.state == AppealState.ANSWER_WINDOW
        and (appeal.answer_due_at is None or now <= appeal.answer_due_at)
    )


def appeal_offer(case: Case, viewer: User, now: datetime) -> dict[str, Any] | None:
    """Return what the viewer's side may appeal of the case now, for the first decision's statement and the form.

    {"party", "decision_id", "open": open_appeals(...), "filed": the side's appeal of this decision
    or None, "closed_at": when the window closed (nothing open, none filed, something was
    appealable; None when the decision leaves the side nothing to appeal)}. None when the viewer
    is not a party.
    """
    party = party_of(viewer, case)
    if party is None:
        return None
    decision = appealed_decision(case)
    offer: dict[str, Any] = {
        "party": party,
        "decision_id": decision.pk if decision else None,
        "open": open_appeals(case, party, now),
        "filed": None,
        "closed_at": None,
    }
    mine = Appeal.objects.filter(case=case, party=party)
    mine = mine.filter(decision=decision) if decision else mine.filter(decision__isnull=True)
    offer["filed"] = mine.first()
    if not offer["open"] and offer["filed"] is None:
        kinds = appealable(case, party, decision)
        if kinds:
            offer["closed_at"] = max(window(case, kind, decision)[1] for kind in kinds)
    return offer
