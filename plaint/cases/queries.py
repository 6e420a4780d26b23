"""Read models for lists: each a queryset built to use an index and to page."""

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import Avg, Count, Q, QuerySet
from django.db.models.functions import TruncDay, TruncMonth, TruncWeek
from django.utils import timezone

from plaint.accounts.models import User
from plaint.enforcement.models import RemedyInstruction, RemedyState
from plaint.errors import InvalidInput
from plaint.keyset import Key, Order, capped_counts
from plaint.marketplace.models import Consumer, Merchant, OrderItem, phone_key
from plaint.marketplace.models import Order as MarketOrder
from plaint.rulebook import loader

from .access import cases_visible_to, visible_event_levels
from .models import Case, CaseEvent, CaseRating, Channel, Report
from .transitions import DECIDABLE_STATES, State

# The deadline a case in each queue state waits on.
DEADLINE_FIELD = {State.AWAITING_REVIEW: "decision_due_at", State.NEEDS_EVIDENCE: "evidence_due_at"}

# The queue's order in each state: trusted flaggers' reports first (DSA art. 22(1)), then most urgent,
# then earliest due, then longest waiting; the id makes it total, so a cursor names one place in it.
# Indexes case_queue_flagger and case_evidence_queue_flagger follow it.
QUEUE_ORDER = {
    state: Order(
        f"queue:{state}",
        (
            Key("trusted_flagger", descending=True),
            Key("priority", descending=True),
            Key(deadline, nullable=True),
            Key("opened_at"),
            Key("id"),
        ),
    )
    for state, deadline in DEADLINE_FIELD.items()
}
# The case lists (GET /api/cases): newest first. Indexes case_opened and case_state_opened follow it.
LIST_ORDER = Order("cases", (Key("opened_at", descending=True), Key("id", descending=True)))


def review_queue(
    now: datetime,
    *,
    state: str = State.AWAITING_REVIEW,
    category: str | None = None,
    mine: User | None = None,
    include_claimed: bool = True,
    escalated: bool = False,
    channel: str | None = None,
    merchant_id: int | None = None,
    priority: int | None = None,
    overdue: bool = False,
) -> QuerySet[Case]:
    """Return the cases waiting for a decision, most urgent first, then earliest due (QUEUE_ORDER).

    `state` may also be needs_evidence, for a reviewer who decides before the evidence deadline; that
    queue's deadline is the reporter's evidence deadline.
    `escalated` keeps the supervisors' view: cases whose deadline passed or whose reporter chased them.
    `overdue` keeps the cases whose deadline in that state has passed: the decision deadline in
    review, the reporter's evidence deadline while waiting for evidence.
    Uses the case_queue_flagger index (state, -trusted_flagger, -priority, decision_due_at, opened_at, id)
    or, waiting for evidence, case_evidence_queue_flagger; every other filter narrows that scan.
    """
    if state not in DECIDABLE_STATES:
        raise InvalidInput("state", f"The review queue holds {', '.join(DECIDABLE_STATES)} cases.", field="state")
    cases = Case.objects.filter(state=state).select_related("merchant", "claimed_by")
    if category:
        cases = cases.filter(category=category)
    if escalated:
        cases = cases.filter(escalated_at__isnull=False)
    if channel:
        cases = cases.filter(channel=channel)
    if merchant_id is not None:
        cases = cases.filter(merchant_id=merchant_id)
    if priority is not None:
        cases = cases.filter(priority=priority)
    if overdue:
        cases = cases.filter(**{f"{DEADLINE_FIELD[state]}__lt": now})
    if mine is not None:
        cases = cases.filter(claimed_by=mine, claim_expires_at__gt=now)
    elif not include_claimed:
        cases = cases.filter(Q(claimed_by__isnull=True) | Q(claim_expires_at__lte=now))
    return cases.order_by(*QUEUE_ORDER[state].order_by())


# A search names at most this many consumers or merchants; a vaguer query is narrowed by the person.
SEARCH_PARTIES = 20


def normal_phone(text: str) -> str:
    """Return a phone number as Plaint compares it: without spaces and dashes ("138 0000-1001" → "13800001001")."""
    return "".join(ch for ch in text if ch not in " -\u3000")


def phone_matches(query: str) -> QuerySet[Consumer]:
    """Return the consumers whose phone is `query`, spaces and dashes ignored on both sides.

    Compared by marketplace.models.phone_key, the expression of the index consumer_phone_key.
    """
    key = normal_phone(query.strip())
    if not key:
        return Consumer.objects.none()
    return Consumer.objects.alias(key=phone_key()).filter(key=key)


def search_cases(query: str) -> tuple[QuerySet[Case], dict[str, int]]:
    """Return the cases a query names, newest first (LIST_ORDER), and how many of each kind of match it found.

    The query may be a case reference, an order's marketplace id, the reporter's phone (spaces and
    dashes ignored) or a merchant's marketplace id or the start of its name. Each is resolved on its own
    index first (case reference unique, order external_id unique, consumer_phone_key, merchant external_id
    unique; the merchant name prefix reads the merchant table, which is small), so the case query is an OR
    of index lookups (reference, case_report, case_reporter, case_merchant) read in LIST_ORDER.
    An empty query finds nothing.
    """
    query = query.strip()[:100]
    if not query:
        return Case.objects.none(), {}
    orders = list(MarketOrder.objects.filter(external_id=query).values_list("pk", flat=True)[:1])
    reports = list(Report.objects.filter(order_id__in=orders).values_list("pk", flat=True)[: SEARCH_PARTIES * 10])
    consumers = (
        list(phone_matches(query).values_list("pk", flat=True)[:SEARCH_PARTIES])
        if any(ch.isdigit() for ch in query)
        else []
    )
    merchants = list(
        Merchant.objects.filter(Q(external_id=query) | Q(name__startswith=query))
        .order_by("name", "id")
        .values_list("pk", flat=True)[:SEARCH_PARTIES]
    )
    reference = query.upper()
    match = Q(reference=reference)
    if reports:
        match |= Q(report_id__in=reports)
    if consumers:
        match |= Q(reporter_id__in=consumers)
    if merchants:
        match |= Q(merchant_id__in=merchants)
    found = {"orders": len(orders), "consumers": len(consumers), "merchants": len(merchants)}
    cases = Case.objects.filter(match).select_related("merchant", "claimed_by").order_by(*LIST_ORDER.order_by())
    return cases, found


def cases_for(user: User, state: str | None = None) -> QuerySet[Case]:
    """Return the cases a user sees in their list, newest first (LIST_ORDER)."""
    cases = cases_visible_to(user).select_related("merchant")
    if state:
        cases = cases.filter(state=state)
    return cases.order_by(*LIST_ORDER.order_by())


def timeline(case: Case, side: str) -> QuerySet[CaseEvent]:
    """Return the case's events that `side` may read, oldest first."""
    return case.events.filter(visibility__in=visible_event_levels(side)).order_by("at", "id")


# The filters a queue page offers, each a Case field whose values are counted (see queue_facets).
QUEUE_FACETS = ("category", "priority", "channel", "merchant")
# A queue page names at most this many merchants in its filter; the rest are reached by search.
FACET_LIMIT = 20
# Counts stop past this: a page says "1000+" rather than reading every case of a long queue.
FACET_CAP = 1000
# The merchants a queue page offers are the busiest among this many cases at the head of the queue.
FACET_HEAD = 500
FACET_COLUMN = {"category": "category", "priority": "priority", "channel": "channel", "merchant": "merchant_id"}


def queue_priorities(state: str) -> list[int]:
    """Return the distinct priorities of the cases in `state`, highest first.

    One probe of the case_queue_flagger index per distinct value and trusted_flagger value (a recursive
    query walking down from the highest, once among the trusted flaggers' cases and once among the
    others), so it costs the same with ten cases or ten million. At most 100 values.
    """
    table = Case._meta.db_table
    sql = (
        f"WITH RECURSIVE p(v) AS (SELECT MAX(priority) FROM {table} WHERE state = %s AND trusted_flagger = %s "
        f"UNION ALL SELECT (SELECT MAX(priority) FROM {table} WHERE state = %s AND trusted_flagger = %s "
        "AND priority < p.v) FROM p WHERE p.v IS NOT NULL) SELECT v FROM p WHERE v IS NOT NULL LIMIT 100"
    )
    found: set[int] = set()
    with connection.cursor() as cursor:
        for flagged in (True, False):
            cursor.execute(sql, [state, flagged, state, flagged])
            found.update(row[0] for row in cursor.fetchall())
    return sorted(found, reverse=True)[:100]


def _facet_values(now: datetime, state: str, filters: dict[str, Any]) -> dict[str, list[Any]]:
    """Return the values each facet may show, without counting: bounded lists, never a scan of the state."""
    head = list(
        review_queue(now, state=state, **{k: v for k, v in filters.items() if k != "merchant_id"}).values_list(
            "merchant_id", "category"
        )[:FACET_HEAD]
    )
    busiest = Counter(merchant for merchant, _category in head)
    categories = {c.code for rulebook in loader.versions() for c in rulebook.categories}
    values: dict[str, list[Any]] = {
        "category": sorted(categories | {category for _merchant, category in head}),
        "priority": queue_priorities(state),
        "channel": [channel.value for channel in Channel],
        "merchant": [merchant for merchant, _n in busiest.most_common(FACET_LIMIT)],
    }
    for facet, column in FACET_COLUMN.items():
        chosen = filters.get(column)
        if chosen is not None and chosen not in values[facet]:
            values[facet].append(chosen)
    return values


def queue_facets(now: datetime, *, state: str = State.AWAITING_REVIEW, **filters: Any) -> dict[str, Any]:
    """Return the counts a queue page shows beside each filter value, and the overdue and total counts.

    Each facet is counted with the other active filters applied but not its own, so a reviewer sees
    what choosing another value would give. The values are the rulebooks' categories, the channels,
    the state's priorities (queue_priorities) and the merchants busiest at the head of the queue
    (FACET_HEAD cases); each value is counted up to FACET_CAP + 1, all in one statement, so the page
    costs the same however long the queue is. A count above FACET_CAP means "more than FACET_CAP".
    Values with no case are left out. Returns {"category": [(value, count), ...], ..., "overdue": n,
    "total": n, "cap": FACET_CAP}, each facet's values by count, highest first.
    """
    values = _facet_values(now, state, filters)
    asked: list[tuple[str, Any]] = []
    querysets: list[QuerySet[Case]] = []
    for facet in QUEUE_FACETS:
        column = FACET_COLUMN[facet]
        others = review_queue(now, state=state, **{k: v for k, v in filters.items() if k != column})
        for value in values[facet]:
            asked.append((facet, value))
            querysets.append(others.filter(**{column: value}))
    without_overdue = {k: v for k, v in filters.items() if k != "overdue"}
    querysets.append(review_queue(now, state=state, overdue=True, **without_overdue))
    querysets.append(review_queue(now, state=state, **filters))
    counts = capped_counts(querysets, FACET_CAP)
    result: dict[str, Any] = {facet: [] for facet in QUEUE_FACETS}
    for (facet, value), count in zip(asked, counts, strict=False):
        if count:
            result[facet].append((value, count))
    for facet in QUEUE_FACETS:
        result[facet].sort(key=lambda pair: (-pair[1], str(pair[0])))
    result["overdue"], result["total"] = counts[-2], counts[-1]
    result["cap"] = FACET_CAP
    return result


def merchant_cases(merchant_id: int, *, to_answer: bool = True) -> QuerySet[Case]:
    """Return a merchant's cases for its portal: those waiting for its answer by deadline, or all newest first.

    Uses the case_merchant index (merchant, state); a shop's cases waiting for an answer are few, so
    ordering them by deadline sorts a handful of rows.
    """
    cases = Case.objects.filter(merchant_id=merchant_id).select_related("report__order", "report__listing")
    if to_answer:
        return cases.filter(state=State.AWAITING_MERCHANT).order_by("response_due_at", "opened_at", "id")
    return cases.order_by("-opened_at", "-id")


def related_cases(case: Case, limit: int = 10) -> dict[str, list[Case]]:
    """Return the latest other cases against the same merchant and about the same listing (at most `limit` each).

    The listing is the report's, or, for an order report, the listings of the order's items; a listing
    is matched both by reports naming it and by reports about orders containing it. Each lookup is
    index-backed (case_merchant; the report's listing and order foreign keys) and limited.
    """
    by_merchant = list(
        Case.objects.filter(merchant_id=case.merchant_id)
        .exclude(pk=case.pk)
        .select_related("merchant")
        .order_by("-opened_at", "-id")[:limit]
    )
    report = case.report
    listing_ids = [report.listing_id] if report.listing_id else []
    if report.order_id and not listing_ids:
        listing_ids = [
            i for i in OrderItem.objects.filter(order_id=report.order_id).values_list("listing_id", flat=True) if i
        ]
    by_listing: list[Case] = []
    if listing_ids:
        orders = OrderItem.objects.filter(listing_id__in=listing_ids).values("order_id")
        report_ids = set(
            Report.objects.filter(listing_id__in=listing_ids)
            .order_by("-submitted_at")
            .values_list("id", flat=True)[:limit]
        ) | set(
            Report.objects.filter(order_id__in=orders).order_by("-submitted_at").values_list("id", flat=True)[:limit]
        )
        report_ids.discard(report.pk)
        by_listing = list(
            Case.objects.filter(report_id__in=report_ids)
            .select_related("merchant")
            .order_by("-opened_at", "-id")[:limit]
        )
    return {"merchant": by_merchant, "listing": by_listing}


def overdue_cases(now: datetime) -> QuerySet[Case]:
    """Return open cases in review whose decision deadline has passed, most overdue first (case_decision_clock)."""
    return (
        Case.objects.filter(state=State.AWAITING_REVIEW, decision_due_at__lt=now)
        .select_related("merchant", "claimed_by")
        .order_by("decision_due_at", "id")
    )


BREACH_EVENT = "clock_breached"  # written by clocks.py when a stage's deadline passes


def recent_breaches(now: datetime, *, hours: int = 24, limit: int = 50) -> dict[str, Any]:
    """Return the service-level breaches of the `hours` before `now`: the total, per stage, and the latest.

    Reads the partial index event_clock_breached, so the cost follows the breaches, not the log.
    """
    since = now - timedelta(hours=hours)
    rows = CaseEvent.objects.filter(kind=BREACH_EVENT, at__gt=since, at__lte=now)
    by_stage: dict[str, int] = {}
    for data in rows.values_list("data", flat=True).iterator():
        stage = (data or {}).get("stage", "")
        by_stage[stage] = by_stage.get(stage, 0) + 1
    latest = [
        {
            "case": event.case.reference,
            "stage": event.data.get("stage", ""),
            "due_at": event.data.get("due_at"),
            "at": event.at.isoformat(),
            "on_breach": event.data.get("on_breach", []),
        }
        for event in rows.select_related("case").order_by("-at", "-id")[:limit]
    ]
    return {"since": since.isoformat(), "total": sum(by_stage.values()), "by_stage": by_stage, "latest": latest}


def unpaid_remedies() -> QuerySet[RemedyInstruction]:
    """Return the remedies the supervisors chase: failed, or overdue and still unconfirmed; oldest first.

    Uses the partial index remedy_unpaid.
    """
    return (
        RemedyInstruction.objects.filter(
            Q(state=RemedyState.FAILED) | Q(state=RemedyState.INSTRUCTED, overdue_at__isnull=False)
        )
        .select_related("case__merchant")
        .order_by("issued_at", "id")
    )


RATING_PERIODS = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}


def rating_figures(
    since: datetime, until: datetime, *, period: str = "month", category: str | None = None
) -> list[dict[str, Any]]:
    """Return the consumers' ratings per period and category in [since, until): count, average, each score's count.

    Computed by the database in one GROUP BY over the rating_period index; periods start in the
    deployment's time zone. Newest period first, then by category.
    """
    if period not in RATING_PERIODS:
        raise InvalidInput(
            "invalid_period", f"{period!r} is not a period.", field="period", hint="Use day, week or month."
        )
    if since >= until:
        raise InvalidInput("invalid_range", "`from` must be before `to`.", field="from")
    rows = CaseRating.objects.filter(rated_at__gte=since, rated_at__lt=until)
    if category:
        rows = rows.filter(category=category)
    trunc = RATING_PERIODS[period]("rated_at", tzinfo=timezone.get_current_timezone())
    grouped = (
        rows.annotate(period=trunc)
        .values("period", "category")
        .annotate(
            count=Count("id"),
            average=Avg("score"),
            **{f"score_{n}": Count("id", filter=Q(score=n)) for n in range(1, 6)},
        )
        .order_by("-period", "category")
    )
    return [
        {
            "period": timezone.localtime(row["period"]).date().isoformat()
            if isinstance(row["period"], datetime)
            else str(row["period"]),
            "category": row["category"],
            "count": row["count"],
            "average": round(float(row["average"]), 2),
            "scores": {str(n): row[f"score_{n}"] for n in range(1, 6)},
        }
        for row in grouped
    ]
