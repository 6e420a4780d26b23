"""Review: a reviewer claims a case from the queue, decides it, or lets it go; claims lapse.

A claim is a lock on the case (`claimed_by`, lapsing after the rulebook's claim_timeout_minutes), not a
state. Deciding needs a live claim; what a decision does is in `decisions`.
"""

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Max
from django.utils import timezone

from plaint.accounts.models import Role, User
from plaint.enforcement.actions import remedy_order
from plaint.errors import Forbidden, InvalidInput, NotFound, Refused
from plaint.evidence.models import Party
from plaint.rulebook import calendar, loader

from .. import auto_rules, chain, clocks, problems
from ..inputs import DecisionIn
from ..models import Case, CaseEvent, Decision, SavedQueueFilter, Visibility
from ..queries import review_queue
from ..transitions import DECIDABLE_STATES, State, transition
from . import rectification
from .common import _apply, _category, _change, _locked, _record, _require_decider
from .decisions import _make_decision


def claim_case(actor: User, case: Case, *, now: datetime | None = None) -> Case:
    """Claim a case for review: nobody else can decide it until released or the claim lapses."""
    now = now or timezone.now()
    _require_decider(actor)
    rulebook = loader.get(case.rulebook_version)
    with transaction.atomic():
        case = _locked(case)
        if case.state not in DECIDABLE_STATES:
            raise Refused("not_reviewable", f"A case in state '{case.state}' is not in the review queue.")
        holder = case.claimed_by_id
        if holder and holder != actor.pk and case.claim_expires_at and case.claim_expires_at > now:
            raise Refused(
                "claimed_by_other",
                f"{case.claimed_by.username} is working on this case.",
                details={"claimed_by": case.claimed_by.username, "claim_expires_at": case.claim_expires_at.isoformat()},
            )
        _change(
            case, now, claimed_by=actor, claim_expires_at=now + timedelta(minutes=rulebook.intake.claim_timeout_minutes)
        )
        _claimed(case, actor, now)
    return case


def _claimed(case: Case, actor: User, now: datetime, **data: Any) -> None:
    """What every claim does once the case is the actor's: the acknowledgement clock stops, the log says so."""
    clocks.stop(case, ("acknowledgement",), now, "claimed")
    _record(
        case,
        "claimed",
        actor,
        now,
        visibility=Visibility.STAFF,
        data={"claim_expires_at": case.claim_expires_at.isoformat(), **data},
    )


# The queue filters claim_next honours: review_queue's, less those about who holds a claim.
NEXT_FILTERS = frozenset({"state", "category", "escalated", "channel", "merchant_id", "priority", "overdue"})


def claim_next(actor: User, filters: Mapping[str, Any], now: datetime | None = None) -> Case | None:
    """Claim the most urgent unclaimed case of the queue that matches `filters`; None when none does.

    The case is chosen and claimed in one transaction that never waits for, nor fails against, another
    reviewer claiming at the same moment: on PostgreSQL the head of the queue is read `FOR UPDATE SKIP
    LOCKED` (a case another transaction is claiming is passed over) and then claimed; on SQLite,
    whose transactions take the write lock at BEGIN and so run one at a time, one UPDATE whose WHERE
    picks the head of the queue claims it. A case whose claim lapsed counts as unclaimed. The claim
    is claim_case's: same expiry (the case's rulebook's claim_timeout_minutes), clock and event.
    `filters` are review_queue's (NEXT_FILTERS); an unknown one is refused with InvalidInput.
    """
    now = now or timezone.now()
    _require_decider(actor)
    unknown = sorted(set(filters) - NEXT_FILTERS)
    if unknown:
        raise InvalidInput("filter", f"Unknown queue filter(s): {', '.join(unknown)}.", field=unknown[0])
    # The expiry is the rulebook's in force; a case under another version is corrected below (rare).
    timeout = loader.in_force(now).intake.claim_timeout_minutes
    head = review_queue(now, include_claimed=False, **filters)
    with transaction.atomic():
        pk = _take_head(head, actor, now, now + timedelta(minutes=timeout))
        if pk is None:
            return None
        # Already the actor's: locked on PostgreSQL, and SQLite has one writer.
        case = Case.objects.select_related("report", "merchant", "reporter").get(pk=pk)
        own = loader.get(case.rulebook_version).intake.claim_timeout_minutes
        if own != timeout:
            _change(case, now, claim_expires_at=now + timedelta(minutes=own))
        _claimed(case, actor, now, next=True)
    return case


def _take_head(head: Any, actor: User, now: datetime, expires: datetime) -> int | None:
    """Claim the first case of `head` for `actor` inside the caller's transaction; return its id or None."""
    if connection.features.has_select_for_update_skip_locked:
        pk = head.select_for_update(skip_locked=True, of=("self",)).values_list("pk", flat=True).first()
        if pk is not None:
            Case.objects.filter(pk=pk).update(
                claimed_by=actor, claim_expires_at=expires, updated_at=now, version=F("version") + 1
            )
        return pk
    # One writer at a time (the transaction took the write lock at BEGIN): the head is still the head.
    sql, params = head.values("pk")[:1].query.sql_with_params()
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Case._meta.db_table} SET claimed_by_id = %s, claim_expires_at = %s, updated_at = %s, "
            f"version = version + 1 WHERE id = ({sql}) RETURNING id",
            [actor.pk, adapt(expires), adapt(now), *params],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def release_case(actor: User, case: Case, *, now: datetime | None = None) -> Case:
    """Give a claimed case back to the queue (its holder, or a supervisor)."""
    now = now or timezone.now()
    _require_decider(actor)
    with transaction.atomic():
        case = _locked(case)
        if case.claimed_by_id is None:
            raise Refused("not_claimed", "The case is not claimed.")
        if case.claimed_by_id != actor.pk and actor.role != Role.SUPERVISOR:
            raise Forbidden("not_claim_holder", "Only the reviewer holding the claim or a supervisor can release it.")
        _change(case, now, claimed_by=None, claim_expires_at=None)
        _record(case, "released", actor, now, visibility=Visibility.STAFF)
    return case


def decide_case(actor: User, case: Case, data: DecisionIn, *, now: datetime | None = None) -> Decision:
    """Decide a claimed case with reason codes and a statement of reasons, and enforce the outcome."""
    now = now or timezone.now()
    _require_decider(actor)
    rulebook = loader.get(case.rulebook_version)
    category = _category(rulebook, case.category)
    unknown = [code for code in data.reason_codes if code not in rulebook.reason_codes]
    if unknown:
        raise InvalidInput(
            "unknown_reason_code",
            f"Unknown reason code(s): {', '.join(unknown)}.",
            field="reason_codes",
            hint="Use: " + ", ".join(rulebook.reason_codes),
        )
    remedy = data.remedy or case.report.remedy_wanted
    if case.reporter_id is None and remedy != "none":
        # An own-initiative investigation: no consumer, so no remedy; points, ladder and rectification only.
        raise InvalidInput(
            "no_consumer_remedy",
            f"Case {case.reference} was opened on the platform's own initiative: there is no consumer to remedy.",
            field="remedy",
            hint="Leave the remedy out (or send none); order a rectification if the merchant must change something.",
        )
    if data.outcome != "not_upheld" and remedy not in category.remedies and case.reporter_id is not None:
        raise InvalidInput(
            "remedy_not_available",
            f"{remedy!r} is not a remedy for this category.",
            field="remedy",
            hint="Use one of: " + ", ".join(category.remedies),
        )
    # The order a remedy is carried out on (for a listing or merchant report, the one found for it).
    order = remedy_order(case, category.window_days)
    if (
        data.outcome == "partly_upheld"
        and remedy in ("refund", "return_and_refund")
        and data.remedy_amount is None
        and order is not None
    ):
        raise InvalidInput(
            "remedy_amount_required", "A partly upheld refund needs the amount to refund.", field="remedy_amount"
        )
    if data.rectification is not None and data.outcome == "not_upheld":
        raise InvalidInput("rectification", "A report not upheld orders no rectification.", field="rectification")
    if data.remedy_amount is not None and order is not None and data.remedy_amount > order.amount_paid:
        raise InvalidInput(
            "remedy_amount_too_high",
            f"The amount is more than the {order.amount_paid} {order.currency} paid.",
            field="remedy_amount",
        )
    with transaction.atomic():
        case = _locked(case)
        if case.claimed_by_id != actor.pk or (case.claim_expires_at and case.claim_expires_at <= now):
            raise Refused("claim_required", "Claim the case before deciding it; your claim may have lapsed.")
        transition("decide", case.state, actor.role)
        # A report of several problems: each open problem decided, the case's outcome the one they make.
        outcomes = problems.check_outcomes(case, data.outcome, data.problems)
        # The reporter's evidence, or on an investigation the platform's own.
        present = set(case.evidence.filter(party__in=(Party.REPORTER, Party.PLATFORM)).values_list("kind", flat=True))
        missing: list[str] = []
        if "insufficient_evidence" in data.reason_codes:
            wanted = category.required_evidence + category.recommended_evidence
            missing = [kind for kind in wanted if kind not in present]
        decision = _make_decision(
            case,
            rulebook,
            outcome=data.outcome,
            reason_codes=data.reason_codes,
            facts=data.statement,
            remedy=remedy,
            remedy_amount=data.remedy_amount,
            automated=False,
            actor=actor,
            missing=missing,
            now=now,
            problem_outcomes=outcomes,
        )
        # What the shadow automated rules of the category would have decided, beside this decision.
        auto_rules.record_shadow(case, decision, now)
        if data.rectification is not None:
            rectification.order(case, decision, data.rectification.kind, data.rectification.instructions, now)
        _apply(
            case,
            "decide",
            actor,
            now,
            reason=data.statement,
            data=chain.decision_data(decision) | {"outcome": data.outcome, "reason_codes": data.reason_codes},
        )
    return decision


def lapse_claim(case: Case, *, now: datetime | None = None) -> Case | None:
    """Return a case whose claim ran out to the queue; None if it no longer qualifies.

    A claim never lapses while the case waits on the evidence its holder asked for: the case's
    return to review renews it (or sends the case to the queue), see `return_claim`.
    """
    now = now or timezone.now()
    with transaction.atomic():
        case = _locked(case)
        if case.claimed_by_id is None or not case.claim_expires_at or case.claim_expires_at > now:
            return None
        if _waits_for_requester(case):
            return None
        holder = case.claimed_by
        _change(case, now, claimed_by=None, claim_expires_at=None)
        _record(case, "claim_lapsed", None, now, visibility=Visibility.STAFF, data={"holder": holder.username})
    return case


def _waits_for_requester(case: Case) -> bool:
    request = case.admissibility.get("review_request") or {}
    return case.state == State.NEEDS_EVIDENCE and request.get("reviewer_id") == case.claimed_by_id


def last_seen(reviewer: User, now: datetime, *, besides: Case | None = None) -> datetime | None:
    """Return when the reviewer was last seen at work: now if they hold a live claim (on a case other than
    `besides`), else their last sign-in or decision.

    None if never. Each is one indexed look-up (case_claims; the decision's decided_by).
    """
    claims = Case.objects.filter(claimed_by=reviewer, claim_expires_at__gt=now)
    if besides is not None:
        claims = claims.exclude(pk=besides.pk)
    if claims.exists():
        return now
    decided = Decision.objects.filter(decided_by=reviewer).aggregate(latest=Max("decided_at"))["latest"]
    seen = [at for at in (reviewer.last_login, decided) if at is not None]
    return max(seen) if seen else None


def return_claim(case: Case, request: dict, now: datetime) -> None:
    """Give a case back from the reporter to the reviewer who asked for the evidence (inside the caller's transaction).

    They keep the claim with a fresh claim_timeout_minutes, unless they released it meanwhile (the case
    is then in the queue already, or claimed by whoever took it) or, where the rulebook sets
    [intake] claim_kept_days, they have not been seen at work for longer than that since asking
    (then the claim is dropped and the case goes to the queue).
    """
    holder_id = case.claimed_by_id
    if holder_id is None or holder_id != request.get("reviewer_id"):
        return
    rulebook = loader.get(case.rulebook_version)
    holder = case.claimed_by
    asked = datetime.fromisoformat(request["requested_at"])
    seen = max(asked, last_seen(holder, now, besides=case) or asked)
    kept_days = rulebook.intake.claim_kept_days
    if not holder.is_active or (kept_days is not None and now - seen > timedelta(days=kept_days)):
        _change(case, now, claimed_by=None, claim_expires_at=None)
        _record(
            case,
            "claim_returned_to_queue",
            None,
            now,
            reason=f"{holder.username} has not been seen since {timezone.localtime(seen):%Y-%m-%d %H:%M}; "
            "the case goes to the queue.",
            visibility=Visibility.STAFF,
            data={"holder": holder.username, "last_seen": seen.isoformat(), "claim_kept_days": kept_days},
        )
        return
    timeout = timedelta(minutes=rulebook.intake.claim_timeout_minutes)
    if rulebook.intake.returned_claim_time == "working_hours":
        expires = calendar.clock_for(rulebook, "acknowledgement").advance(now, timeout)
    else:
        expires = now + timeout
    _change(case, now, claim_expires_at=expires)
    _record(
        case,
        "claim_kept",
        None,
        now,
        reason=f"Back to {holder.username}, who asked for the evidence; claimed until "
        f"{timezone.localtime(expires):%Y-%m-%d %H:%M}.",
        visibility=Visibility.STAFF,
        data={"holder": holder.username, "claim_expires_at": expires.isoformat()},
    )


def _claim_lapsed(case: Case, now: datetime) -> bool:
    return lapse_claim(case, now=now) is not None


clocks.on_deadline("claim", _claim_lapsed)


# --- the workbench: internal notes, a supervisor's reassignment and claims, saved queue filters ----

# An internal note is a working note between staff: long enough to say something, short enough to read.
NOTE_MIN, NOTE_MAX = 2, 4000


def add_internal_note(actor: User, case: Case, text: str, *, now: datetime | None = None) -> CaseEvent:
    """Write a staff-only note on a case (a reviewer or supervisor); the parties never read it.

    An event with STAFF visibility, so it is on the staff timeline and in the hash chain, and the
    parties' pages and API (which read only their visibility levels) leave it out. Any state, even closed.
    """
    now = now or timezone.now()
    _require_decider(actor)
    text = text.strip()
    if not NOTE_MIN <= len(text) <= NOTE_MAX:
        raise InvalidInput("note_length", f"A note is {NOTE_MIN} to {NOTE_MAX} characters long.", field="note")
    with transaction.atomic():
        case = _locked(case)
        return _record(case, "internal_note", actor, now, reason=text, visibility=Visibility.STAFF)


def internal_notes(case: Case) -> list[CaseEvent]:
    """Return the case's internal notes, oldest first (staff pages only)."""
    return list(
        case.events.filter(kind="internal_note", visibility=Visibility.STAFF)
        .select_related("actor")
        .order_by("at", "id")
    )


def reassign_case(actor: User, case: Case, to: User, *, reason: str = "", now: datetime | None = None) -> Case:
    """A supervisor hands a claimed case to another reviewer: the claim moves, with a fresh expiry; logged.

    Refused for anyone but a supervisor (403), a case outside the review queue or not claimed (409),
    and a target who is not an active reviewer or supervisor (422). Reassigning to the holder renews it.
    """
    now = now or timezone.now()
    if actor.role != Role.SUPERVISOR:
        raise Forbidden("supervisor_only", "Only a supervisor can reassign a case.")
    if to.role not in (Role.REVIEWER, Role.SUPERVISOR) or not to.is_active:
        raise InvalidInput("reviewer", f"{to.username} is not an active reviewer.", field="reviewer")
    rulebook = loader.get(case.rulebook_version)
    with transaction.atomic():
        case = _locked(case)
        if case.state not in DECIDABLE_STATES:
            raise Refused("not_reviewable", f"A case in state '{case.state}' is not in the review queue.")
        live = case.claimed_by_id and case.claim_expires_at and case.claim_expires_at > now
        if not live and not _waits_for_requester(case):
            raise Refused("not_claimed", "The case is not claimed; the reviewer can claim it from the queue.")
        holder = case.claimed_by
        expires = now + timedelta(minutes=rulebook.intake.claim_timeout_minutes)
        if case.state == State.NEEDS_EVIDENCE and case.evidence_due_at:
            # Waiting on the reporter, the claim holds until the evidence deadline as request_more_evidence set it.
            expires = max(expires, case.evidence_due_at)
        changes: dict[str, Any] = {"claimed_by": to, "claim_expires_at": expires}
        request = case.admissibility.get("review_request")
        if request and request.get("reviewer_id") == holder.pk:
            # The evidence asked for comes back to the new holder (return_claim follows reviewer_id).
            changes["admissibility"] = case.admissibility | {"review_request": request | {"reviewer_id": to.pk}}
        _change(case, now, **changes)
        _record(
            case,
            "reassigned",
            actor,
            now,
            reason=reason.strip()[:2000],
            visibility=Visibility.STAFF,
            data={"from": holder.username, "to": to.username, "claim_expires_at": expires.isoformat()},
        )
    return case


def claim_cases(actor: User, cases: list[Case], *, now: datetime | None = None) -> tuple[list[Case], dict[str, str]]:
    """A supervisor claims several cases at once; return those claimed and, by reference, why others were not.

    Each case is claimed as claim_case claims it, in its own transaction, so one held by another
    reviewer or decided meanwhile does not stop the rest. Only supervisors (403 otherwise); at most
    MAX_BULK_CLAIM cases (422).
    """
    now = now or timezone.now()
    if actor.role != Role.SUPERVISOR:
        raise Forbidden("supervisor_only", "Only a supervisor can claim several cases at once.")
    if not cases:
        raise InvalidInput("cases", "Choose the cases to claim.", field="cases")
    if len(cases) > MAX_BULK_CLAIM:
        raise InvalidInput("cases", f"Claim at most {MAX_BULK_CLAIM} cases at once.", field="cases")
    claimed: list[Case] = []
    refused: dict[str, str] = {}
    for case in cases:
        try:
            claimed.append(claim_case(actor, case, now=now))
        except Refused as error:
            refused[case.reference] = error.code
    return claimed, refused


# A page of the queue: a supervisor claims at most one page's worth at once.
MAX_BULK_CLAIM = 25
MAX_SAVED_FILTERS = 20


def save_queue_filter(actor: User, name: str, query: str) -> SavedQueueFilter:
    """Save the queue's filters (its query string) under a name for this reviewer; the same name replaces it.

    A reviewer keeps at most MAX_SAVED_FILTERS (422 past that); an empty name or filter is 422.
    """
    _require_decider(actor)
    name = name.strip()[:80]
    query = query.strip().lstrip("?")[:500]
    if not name:
        raise InvalidInput("name", "Give the filter a name.", field="name")
    if not query:
        raise InvalidInput("query", "Choose some filters first: this is the whole queue.", field="query")
    with transaction.atomic():
        existing = SavedQueueFilter.objects.select_for_update().filter(user=actor, name=name).first()
        if existing is not None:
            existing.query = query
            existing.save(update_fields=["query"])
            return existing
        if SavedQueueFilter.objects.filter(user=actor).count() >= MAX_SAVED_FILTERS:
            raise InvalidInput(
                "too_many_filters", f"Keep at most {MAX_SAVED_FILTERS} saved filters; delete one first.", field="name"
            )
        return SavedQueueFilter.objects.create(user=actor, name=name, query=query)


def delete_queue_filter(actor: User, filter_id: int) -> None:
    """Delete one of the reviewer's own saved filters (another's, or none: NotFound)."""
    deleted, _rows = SavedQueueFilter.objects.filter(user=actor, pk=filter_id).delete()
    if not deleted:
        raise NotFound("saved_filter", "There is no such saved filter of yours.")
