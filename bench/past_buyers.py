"""Benchmark: a decision finds a listing counterfeit and its 100,000 buyers of the last six months are told
(DSA art. 32), on PostgreSQL. Target: the fan-out (every buyer's notice, e-mail row and portal notification
written) under 60 s.

The data is generated in the database with generate_series (not timed): 100,000 buyers of the listing
within the six months, each with an e-mail address and a portal account, half in English; 20,000 earlier
buyers of it and 100,000 buyers of other listings, who must not be told. Timed: `carry_out` of the run the
decision queued, then the same run again (a retry, which must add nothing), then the run of a second
finding about the listing a day later (which must tell none of them again).

    make bench
    BENCH_BUYERS=10000 python -m bench.past_buyers
"""

import os
import sys
import time
from datetime import UTC, datetime, timedelta
from datetime import timezone as dt_timezone
from pathlib import Path

from bench.common import fresh_database, vacuum_analyze

BUYERS = int(os.environ.get("BENCH_BUYERS", "100000"))
EARLIER = BUYERS // 5
OTHERS = BUYERS
DB = "plaint_bench_past_buyers"
# Rulebook version 4 ([past_buyers] months = 6) is in force at the decision.
DECIDED = datetime(2026, 12, 10, 10, 0, tzinfo=dt_timezone(timedelta(hours=8)))
TARGET_SECONDS = 60


def cpu_seconds(pids: list[int]) -> float:
    """Return the CPU time (user + system) the processes have used so far, from /proc."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def load() -> float:
    return os.getloadavg()[0]


def seed() -> tuple[object, object]:
    """Make the merchant, the listings, the buyers and their orders; return (case, decision) of the finding."""
    from django.db import connection

    from plaint.accounts.models import Role, User
    from plaint.cases.models import Case, Decision, Report
    from plaint.marketplace.models import Consumer, Listing, Merchant

    shop = Merchant.objects.create(
        external_id="M-BENCH", name="Bench Shop", country="JP", registered_name="Bench Trading Co., Ltd."
    )
    cream = Listing.objects.create(external_id="L-CREAM", merchant=shop, title="Moisturising cream 50g")
    other = Listing.objects.create(external_id="L-OTHER", merchant=shop, title="Serum 30ml")
    reporter = Consumer.objects.create(external_id="C-REPORTER", name="Reporter", email="reporter@example.cn")
    filer = User.objects.create_user("bench-agent", role=Role.AGENT)
    total = BUYERS + EARLIER + OTHERS
    at = DECIDED.astimezone(UTC)
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO marketplace_consumer (external_id, name, email, email_verified, phone, language, "
            "created_at, updated_at) SELECT 'B' || i, 'Buyer ' || i, 'b' || i || '@example.cn', true, '', "
            "CASE WHEN i %% 2 = 0 THEN 'en' ELSE 'zh-hans' END, now(), now() FROM generate_series(1, %s) i",
            [total],
        )
        cur.execute(
            "INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name, email, is_staff, "
            "is_active, date_joined, role, language, consumer_id) SELECT '!', false, 'buyer-' || c.external_id, "
            "'', '', c.email, false, true, now(), 'consumer', c.language, c.id FROM marketplace_consumer c "
            "WHERE c.external_id LIKE 'B%%'"
        )
        # Buyers 1..BUYERS paid within the last five months; the next EARLIER seven to twelve months ago; the
        # rest bought the other listing.
        cur.execute(
            "INSERT INTO marketplace_order (external_id, consumer_id, merchant_id, currency, amount_paid, tariff_paid, "
            "paid_at, delivered_at, created_at, updated_at) SELECT 'O' || c.id, c.id, %s, 'CNY', 100, 0, "
            "%s - (CASE WHEN n <= %s THEN n %% 150 ELSE 210 + n %% 150 END) * interval '1 day', NULL, now(), now() "
            "FROM (SELECT id, CAST(substr(external_id, 2) AS integer) AS n FROM marketplace_consumer "
            "WHERE external_id LIKE 'B%%') c",
            [shop.pk, at, BUYERS],
        )
        cur.execute(
            "INSERT INTO marketplace_orderitem (order_id, listing_id, title, quantity, unit_price) "
            "SELECT o.id, CASE WHEN CAST(substr(c.external_id, 2) AS integer) <= %s THEN %s ELSE %s END, 'x', 1, 100 "
            "FROM marketplace_order o JOIN marketplace_consumer c ON c.id = o.consumer_id",
            [BUYERS + EARLIER, cream.pk, other.pk],
        )
    report = Report.objects.create(
        reporter=reporter, filed_by=filer, channel="web", target_type="listing", listing=cream, merchant=shop,
        category="counterfeit", description="fake", remedy_wanted="refund", submitted_at=DECIDED - timedelta(days=5),
    )  # fmt: skip
    case = Case.objects.create(
        report=report, merchant=shop, reporter=reporter, category="counterfeit", channel="web", state="decided",
        rulebook_version="4", opened_at=report.submitted_at, updated_at=DECIDED,
    )  # fmt: skip
    decision = Decision.objects.create(
        case=case, outcome="upheld", reason_codes=["violation_established"], remedy="refund", points=12,
        track="serious", decided_at=DECIDED, rulebook_version="4", statement={},
    )  # fmt: skip
    return case, decision


def second_finding(first_case: object) -> object:
    """Make a second upheld case about the listing, a day after the first, by another reporter; return its decision."""
    from plaint.cases.models import Case, Decision, Report
    from plaint.marketplace.models import Consumer

    reporter = Consumer.objects.create(external_id="C-REPORTER-2", name="Reporter 2", email="reporter2@example.cn")
    first = first_case.report
    decided = DECIDED + timedelta(days=1)
    report = Report.objects.create(
        reporter=reporter, filed_by=first.filed_by, channel="web", target_type="listing", listing=first.listing,
        merchant=first.merchant, category="counterfeit", description="fake", remedy_wanted="refund",
        submitted_at=decided - timedelta(days=1),
    )  # fmt: skip
    case = Case.objects.create(
        report=report, merchant=first.merchant, reporter=reporter, category="counterfeit", channel="web",
        state="decided", rulebook_version="4", opened_at=report.submitted_at, updated_at=decided,
    )  # fmt: skip
    return Decision.objects.create(
        case=case, outcome="upheld", reason_codes=["violation_established"], remedy="refund", points=12,
        track="serious", decided_at=decided, rulebook_version="4", statement={},
    )  # fmt: skip


def main() -> None:
    fresh_database(DB)
    from django.db import connection, transaction

    from plaint.buyers.actions import carry_out, queue_for_decision
    from plaint.buyers.models import PastBuyerNotice
    from plaint.notifications.models import Notification, OutboxMessage

    started = time.perf_counter()
    case, decision = seed()
    vacuum_analyze()
    print(f"seeded {BUYERS:,} buyers in the six months, {EARLIER:,} earlier, {OTHERS:,} of another listing "
          f"in {time.perf_counter() - started:.1f} s")  # fmt: skip
    with transaction.atomic():
        outcome, run = queue_for_decision(case, decision, DECIDED)
    assert outcome == "queued", outcome

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    started, cpu = time.perf_counter(), (time.process_time(), cpu_seconds([backend]))
    told = carry_out(run, DECIDED)
    seconds = time.perf_counter() - started
    python_cpu, database_cpu = time.process_time() - cpu[0], cpu_seconds([backend]) - cpu[1]
    counts = {
        "notices": PastBuyerNotice.objects.count(),
        "e-mails": OutboxMessage.objects.filter(topic="buyers.past_buyer_found").count(),
        "portal": Notification.objects.filter(event="past_buyer_found").count(),
    }
    print(f"fan-out: {told:,} buyers told in {seconds:.1f} s ({told / seconds:,.0f} buyers/s); rows: {counts}")
    # The machine is shared: the CPU the fan-out used says what it costs whatever the others do.
    print(f"CPU: Python {python_cpu:.1f} s, PostgreSQL backend {database_cpu:.1f} s; load average {load():.1f}")
    started = time.perf_counter()
    again = carry_out(run, DECIDED)
    retry = time.perf_counter() - started
    after = OutboxMessage.objects.filter(topic="buyers.past_buyer_found").count()
    print(f"retry of the same run: {retry:.1f} s, {after - counts['e-mails']} rows added")
    # A second report about the listing upheld a day later: its run must leave out every buyer the first told.
    second = second_finding(case)
    with transaction.atomic():
        outcome, run = queue_for_decision(second.case, second, second.decided_at)
    assert outcome == "queued", outcome
    started = time.perf_counter()
    again_told = carry_out(run, second.decided_at)
    print(f"a second finding of the listing: {time.perf_counter() - started:.1f} s, {again_told} buyers told again")
    connection.close()
    ok = told == BUYERS and set(counts.values()) == {BUYERS} and again == BUYERS and after == counts["e-mails"]
    ok = ok and again_told == 0
    if not ok:
        sys.exit(f"FAILED: expected {BUYERS:,} buyers told once each")
    if seconds >= TARGET_SECONDS:
        sys.exit(f"FAILED: the fan-out took {seconds:.1f} s, target < {TARGET_SECONDS} s")
    print(f"OK: under {TARGET_SECONDS} s")


if __name__ == "__main__":
    main()
