"""Telling a listing's past buyers that a decision found it illegal (DSA art. 32), and that a finding fell.

`queue_for_decision` runs inside the decision's transaction and queues a run; the worker's periodic job
`run_due` carries it out: it records every buyer once (PastBuyerNotice, unique per buyer and decision),
then writes their e-mails to the outbox and their portal notifications batch by batch, each batch one
INSERT ... SELECT per table, so 100,000 buyers cost a few dozen statements. Every insert skips rows
already there, so a run that is retried (a crash, a lease that ran out) tells nobody twice. A buyer is
told once per listing and category while a finding of it stands, however many decisions made one
(`_record_buyers`; docs/messages.md, "Past buyers").
"""

import calendar
import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from plaint.cases.models import Case, Decision
from plaint.db import current
from plaint.marketplace.models import Consumer, Listing, Order, OrderItem
from plaint.notifications import emails
from plaint.notifications.models import Channel, MessageStatus, Notification, OutboxMessage
from plaint.rulebook import loader

from .models import PastBuyerNotice, PastBuyerRun, RunKind

log = logging.getLogger(__name__)

# Outcomes that find the violation: a partly upheld decision still finds it (only the remedy is less).
FOUND_OUTCOMES = frozenset({"upheld", "partly_upheld"})
# Buyers written per transaction: small enough to keep each short, large enough that 100,000 buyers
# are a few dozen statements.
BATCH = 5_000
# How long a worker holds a run before another may take it over; renewed with every batch.
LEASE = timedelta(minutes=5)
# Where a buyer files their own report (the portal's filing page; they pick their order there).
FILING_PATH = "/consumer/report/new/"
EVENTS = {RunKind.FOUND: "past_buyer_found", RunKind.WITHDRAWN: "past_buyer_withdrawn"}


def months_before(moment: datetime, months: int) -> datetime:
    """Return the same local time `months` calendar months earlier (31 March less one month: 28 or 29 February)."""
    local = timezone.localtime(moment)
    year, month = divmod(local.year * 12 + local.month - 1 - months, 12)
    day = min(local.day, calendar.monthrange(year, month + 1)[1])
    return local.replace(year=year, month=month + 1, day=day)


def listing_of(case: Case) -> Listing | None:
    """Return the listing a case's report is about: the report's listing, or the only listing of its order.

    None for a report about a merchant, and for an order of several listings (which of them was found
    illegal is not known, so no buyer of any is told).
    """
    report = case.report
    if report.listing_id is not None:
        return report.listing
    if report.order_id is not None:
        ids = set(
            OrderItem.objects.filter(order_id=report.order_id, listing__isnull=False).values_list(
                "listing_id", flat=True
            )
        )
        if len(ids) == 1:
            return Listing.objects.select_related("merchant").get(pk=ids.pop())
    return None


def queue_for_decision(case: Case, decision: Decision, now: datetime) -> tuple[str, PastBuyerRun | None]:
    """Queue the telling of past buyers a decision calls for; return (what happened, the run or None).

    What happened is "queued" (a run made), "no_listing" (the category calls for it but the report
    names no single listing), or "" (nothing to do: the rulebook in force at the decision has no
    [past_buyers], the category is not marked inform_past_buyers, the outcome finds nothing, or the
    case's buyers were already told of a finding that still stands). An appeal's decision that no
    longer finds the violation while the case's buyers stand told queues a withdrawal to the same
    buyers. Call it inside the decision's transaction.
    """
    standing = PastBuyerRun.objects.filter(case=case).order_by("-id").first()
    told = standing is not None and standing.kind == RunKind.FOUND
    if decision.outcome not in FOUND_OUTCOMES:
        # Only an appeal's decision takes a finding back; a later decision of a reopened case is about its remedy.
        if not told or decision.appeal_id is None:
            return "", None
        fields = standing.fields | {"overturned": emails.at(decision.decided_at)}
        run = _queue(
            case, decision, RunKind.WITHDRAWN, standing.listing, standing.orders_from, standing.orders_until,
            standing.rulebook_version, fields, now, follows=standing,
        )  # fmt: skip
        return "queued", run
    if told:
        return "", None
    decided_at = decision.decided_at
    rulebook = loader.in_force(decided_at)
    category = rulebook.category(case.category)
    if rulebook.past_buyers is None or category is None or not category.inform_past_buyers:
        return "", None
    listing = listing_of(case)
    if listing is None:
        return "no_listing", None
    merchant = listing.merchant
    months = rulebook.past_buyers.months
    remedies = [rulebook.remedies[r] for r in category.remedies if r != "none" and r in rulebook.remedies]
    fields = {
        "ref": case.reference,
        "category": {"zh": category.title.zh, "en": category.title.en},
        "listing": listing.title,
        "shop": merchant.name,
        "company": {"zh": merchant.registered_name or "未登记", "en": merchant.registered_name or "not on record"},
        "decided": emails.at(decided_at),
        "months": str(months),
        "window": str(category.window_days),
        "remedies": {
            "zh": "、".join(r.zh for r in remedies) or "补救",
            "en": ", ".join(r.en.lower() for r in remedies) or "a remedy",
        },
        "link": f"{settings.PLAINT_BASE_URL.rstrip('/')}{FILING_PATH}",
    }
    run = _queue(
        case, decision, RunKind.FOUND, listing, months_before(decided_at, months), decided_at, rulebook.version,
        fields, now,
    )  # fmt: skip
    return "queued", run


def _queue(
    case: Case,
    decision: Decision,
    kind: str,
    listing: Listing,
    orders_from: datetime,
    orders_until: datetime,
    version: str,
    fields: dict,
    now: datetime,
    *,
    follows: PastBuyerRun | None = None,
) -> PastBuyerRun:
    return PastBuyerRun.objects.create(
        case=case,
        decision=decision,
        kind=kind,
        follows=follows,
        listing=listing,
        category=follows.category if follows is not None else case.category,
        rulebook_version=version,
        orders_from=orders_from,
        orders_until=orders_until,
        fields=fields,
        created_at=now,
    )


def run_due(now: datetime | None = None) -> int:
    """Carry out every queued run no other worker holds, oldest first; return how many buyers they told.

    The worker's periodic job. A run that fails is left to be taken up again once its lease has passed.
    """
    told = 0
    while (run := _claim(now or timezone.now())) is not None:
        told += carry_out(run, now or timezone.now())
    return told


def _claim(now: datetime) -> PastBuyerRun | None:
    """Take the oldest unfinished run nobody holds, under a lease; None when there is none.

    On PostgreSQL the row is locked FOR UPDATE SKIP LOCKED while the lease is written, so two workers
    never take the same run; on SQLite write transactions run one at a time.
    """
    with transaction.atomic():
        run = (
            PastBuyerRun.objects.select_for_update(skip_locked=True)
            .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now), finished_at__isnull=True)
            .order_by("id")
            .first()
        )
        if run is None:
            return None
        run.locked_until = now + LEASE
        PastBuyerRun.objects.filter(pk=run.pk).update(locked_until=run.locked_until)
    return run


def carry_out(run: PastBuyerRun, now: datetime) -> int:
    """Record the run's buyers, then write their e-mails and notifications batch by batch; return how many.

    Safe to repeat: every row written is keyed by the buyer and the decision and skipped if there.
    """
    with transaction.atomic():
        _relaxed_commit()
        _record_buyers(run, now)
    event = EVENTS[RunKind(run.kind)]
    rendered = emails.render(event, **run.fields)
    # The batches' bounds from one read of the decision's buyers (their consumer ids, in order).
    buyers = list(
        PastBuyerNotice.objects.filter(decision_id=run.decision_id)
        .order_by("consumer_id")
        .values_list("consumer_id", flat=True)
    )
    last = 0
    for start in range(0, len(buyers), BATCH):
        upto = buyers[min(start + BATCH, len(buyers)) - 1]
        with transaction.atomic():
            _relaxed_commit()
            _mail(run, event, rendered, last, upto, now)
            _portal(run, event, rendered, last, upto, now)
            PastBuyerRun.objects.filter(pk=run.pk).update(locked_until=timezone.now() + LEASE)
        last = upto
    told = len(buyers)
    PastBuyerRun.objects.filter(pk=run.pk).update(finished_at=now, locked_until=None, buyers=told)
    log.info("past buyers: %s run %s (decision %s) told %d", run.kind, run.pk, run.decision_id, told)
    return told


def _relaxed_commit() -> None:
    """On PostgreSQL, let the current transaction commit without waiting for its WAL flush.

    A batch lost in a database crash is written again when the run is taken up again (its rows are
    keyed), so waiting for the disk on each of a run's commits buys nothing.
    """
    connection = current()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def _record_buyers(run: PastBuyerRun, now: datetime) -> None:
    """Insert one PastBuyerNotice per buyer, in one INSERT ... SELECT that skips buyers already recorded.

    A buyer is told once per listing and category while a finding of it stands, whichever decision made
    it (a cluster's N cases decided together, or reports upheld months apart, tell each buyer once):

    - a finding's buyers: consumers with an order of the listing paid within the run's period, less the
      reporter (who has the decision itself; on an own-initiative investigation there is none), less
      those who hold a notice of another finding of the same listing and category that still stands
      (no withdrawal follows its run);
    - a withdrawal's: those who stand told of the listing and category — whose latest notice of it is a
      finding's, the withdrawn run's or one whose correction passed them by — less those another
      standing finding of it still covers (an order in its period, or a notice of it): they must not
      read "withdrawn" while a finding about what they bought stands. Such a buyer is corrected when the
      last finding covering them falls.

    The runs of the listing and category are locked first (FOR UPDATE on PostgreSQL), so two workers
    carrying out two of them at once take turns and each sees what the other recorded; which of them stand
    is read from those rows.
    """
    connection = current()
    at = connection.ops.adapt_datetimefield_value
    runs, notices = PastBuyerRun._meta.db_table, PastBuyerNotice._meta.db_table
    orders, items = Order._meta.db_table, OrderItem._meta.db_table
    # The runs of the listing and category, locked; of them, the findings that stand (no withdrawal
    # follows them) other than this run's, by decision. A handful of rows.
    rows = list(
        PastBuyerRun.objects.select_for_update()
        .filter(listing_id=run.listing_id, category=run.category)
        .order_by("id")
        .values_list("id", "decision_id", "kind", "follows_id")
    )
    fallen = {follows for _, _, kind, follows in rows if kind == RunKind.WITHDRAWN}
    standing = [
        decision for pk, decision, kind, _ in rows if kind == RunKind.FOUND and pk not in fallen and pk != run.pk
    ]
    # The per-buyer checks below stay correlated subqueries on PostgreSQL through OFFSET 0, which keeps
    # it from turning NOT EXISTS into an anti-join planned from statistics: right after a run those are
    # an empty notices table's, and the plan compared every buyer with every notice (405 s for 100,000
    # buyers told before). Each is an index probe per buyer: (decision_id, consumer_id) on the notices,
    # consumer_id on the orders. SQLite runs them per row anyway (and has no OFFSET without LIMIT).
    fence = " OFFSET 0" if connection.vendor == "postgresql" else ""
    marks = ", ".join(["%s"] * len(standing))

    def holds_standing(consumer: str) -> str:
        return (
            f"NOT EXISTS (SELECT 1 FROM {notices} k WHERE k.consumer_id = {consumer} "
            f"AND k.decision_id IN ({marks}){fence})"
        )

    if run.kind == RunKind.WITHDRAWN:
        # Those who stand told: their latest notice of the listing and category is a finding's.
        source = (
            f"SELECT DISTINCT %s, %s, n.consumer_id, %s FROM {notices} n "
            f"JOIN {runs} f ON f.decision_id = n.decision_id "
            "WHERE f.listing_id = %s AND f.category = %s AND f.kind = %s "
            f"AND NOT EXISTS (SELECT 1 FROM {notices} m JOIN {runs} c ON c.decision_id = m.decision_id "
            "WHERE m.consumer_id = n.consumer_id AND c.listing_id = f.listing_id AND c.category = f.category "
            f"AND c.kind = %s AND c.id > f.id{fence})"
        )
        params = [run.pk, run.decision_id, at(now), run.listing_id, run.category, RunKind.FOUND, RunKind.WITHDRAWN]
        if standing:
            # Less those a standing finding covers: a notice of it, or an order of the listing in its period.
            source += (
                f" AND {holds_standing('n.consumer_id')} "
                f"AND NOT EXISTS (SELECT 1 FROM {orders} o JOIN {items} i ON i.order_id = o.id "
                f"JOIN {runs} r ON r.listing_id = i.listing_id WHERE o.consumer_id = n.consumer_id "
                f"AND r.decision_id IN ({marks}) AND o.paid_at >= r.orders_from AND o.paid_at <= r.orders_until"
                f"{fence})"
            )
            params += [*standing, *standing]
    else:
        reporter = run.case.reporter_id
        source = (
            f"SELECT DISTINCT %s, %s, o.consumer_id, %s FROM {items} i JOIN {orders} o ON o.id = i.order_id "
            "WHERE i.listing_id = %s AND o.paid_at >= %s AND o.paid_at <= %s"
        )
        params = [run.pk, run.decision_id, at(now), run.listing_id, at(run.orders_from), at(run.orders_until)]
        if standing:
            # Less those holding a notice of a finding of the listing and category that stands.
            source += f" AND {holds_standing('o.consumer_id')}"
            params += standing
        if reporter is not None:
            # An investigation has no reporter to leave out (and "<> NULL" would leave out everybody).
            source += " AND o.consumer_id <> %s"
            params.append(reporter)
    sql = (
        f"INSERT INTO {notices} (run_id, decision_id, consumer_id, told_at) {source} "
        "ON CONFLICT (decision_id, consumer_id) DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _by_language(column: str) -> str:
    # English to those whose language is English, Chinese to everyone else (emails.lang).
    return f"CASE WHEN {column} LIKE 'en%%' THEN %s ELSE %s END"


def _mail(
    run: PastBuyerRun, event: str, rendered: dict[str, tuple[str, str]], after: int, upto: int, now: datetime
) -> None:
    """Queue the e-mail of the buyers with consumer ids in (after, upto] who have an address, in their language.

    Keyed "buyers-<decision>-<consumer>", the outbox's idempotency key (and the Message-ID).
    """
    connection = current()
    at = connection.ops.adapt_datetimefield_value(now)
    (zh_subject, zh_body), (en_subject, en_body) = (emails.email(rendered, code, "") for code in ("zh-hans", "en"))
    sql = (
        f"INSERT INTO {OutboxMessage._meta.db_table} (channel, endpoint_id, recipient, subject, reply_to, topic, "
        "idempotency_key, body, status, attempts, next_attempt_at, locked_until, last_error, created_at, "
        f"delivered_at) SELECT %s, NULL, c.email, {_by_language('c.language')}, '', %s, "
        f"%s || CAST(c.id AS VARCHAR(20)), {_by_language('c.language')}, %s, 0, %s, NULL, '', %s, NULL "
        f"FROM {PastBuyerNotice._meta.db_table} n JOIN {Consumer._meta.db_table} c ON c.id = n.consumer_id "
        "WHERE n.decision_id = %s AND n.consumer_id > %s AND n.consumer_id <= %s AND c.email <> '' "
        "ON CONFLICT (idempotency_key) DO NOTHING"
    )
    params = [
        Channel.EMAIL, en_subject[:200], zh_subject[:200], f"buyers.{event}", f"buyers-{run.decision_id}-",
        en_body, zh_body, MessageStatus.PENDING, at, at, run.decision_id, after, upto,
    ]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _portal(
    run: PastBuyerRun, event: str, rendered: dict[str, tuple[str, str]], after: int, upto: int, now: datetime
) -> None:
    """Write the portal notification of each active account of the buyers with consumer ids in (after, upto].

    Keyed "buyers-<decision>-<consumer>:<account>". The event's fields go with it, so it is read in the
    reader's language of the moment; the title and body are the account's language as a fallback.
    """
    connection = current()
    user = get_user_model()
    quote = connection.ops.quote_name
    (zh_title, zh_body), (en_title, en_body) = rendered["zh"], rendered["en"]
    params_value = Notification._meta.get_field("params").get_db_prep_save(run.fields, connection)
    sql = (
        f"INSERT INTO {Notification._meta.db_table} (user_id, {quote('key')}, case_reference, event, title, body, "
        "params, link, created_at) "
        "SELECT u.id, %s || CAST(n.consumer_id AS VARCHAR(20)) || ':' || CAST(u.id AS VARCHAR(20)), '', %s, "
        f"{_by_language('u.language')}, {_by_language('u.language')}, %s, %s, %s "
        f"FROM {PastBuyerNotice._meta.db_table} n JOIN {user._meta.db_table} u ON u.consumer_id = n.consumer_id "
        "WHERE n.decision_id = %s AND n.consumer_id > %s AND n.consumer_id <= %s AND u.is_active = %s "
        f"ON CONFLICT ({quote('key')}) DO NOTHING"
    )
    params = [
        f"buyers-{run.decision_id}-", event, en_title, zh_title, en_body, zh_body, params_value, FILING_PATH,
        connection.ops.adapt_datetimefield_value(now), run.decision_id, after, upto, True,
    ]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
