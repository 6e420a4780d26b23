"""Benchmark: recompute standing and monitoring figures for 10,000 merchants with 1,000,000 cases,
on PostgreSQL. The data is generated in the database with generate_series (not timed); the two
computations are timed. Target: under 60 s.

    make bench
"""

import os
import sys
import time

from bench.common import fresh_database, insert_consumers, insert_merchants

MERCHANTS = int(os.environ.get("BENCH_MERCHANTS", "10000"))
CASES = int(os.environ.get("BENCH_CASES", "1000000"))
ORDERS = int(os.environ.get("BENCH_ORDERS", str(CASES * 3 // 2)))
DB = "plaint_bench_standing"


def main() -> None:
    fresh_database(DB)
    from django.db import connection
    from django.utils import timezone

    from plaint.accounts.models import Role, User
    from plaint.enforcement.standing import recompute_all
    from plaint.monitoring.jobs import compute
    from plaint.rulebook import loader

    filer = User.objects.create_user("bench", role=Role.AGENT)
    started = time.perf_counter()
    with connection.cursor() as cur:
        m0 = insert_merchants(cur, MERCHANTS)
        c0 = insert_consumers(cur, 1000)
        # Orders and reports over the last 210 days; every 50th merchant gets a burst of reports this month.
        cur.execute(
            "INSERT INTO marketplace_order (external_id, consumer_id, merchant_id, currency, amount_paid, tariff_paid, "
            "paid_at, delivered_at, created_at, updated_at) SELECT 'O' || i, %s + i %% 1000, %s + i %% %s, 'CNY', "
            "100, 0, now() - (i %% 210) * interval '1 day', now() - (i %% 210) * interval '1 day', now(), now() "
            "FROM generate_series(1, %s) i",
            [c0, m0, MERCHANTS, ORDERS],
        )
        cur.execute(
            "INSERT INTO cases_report (reporter_id, filed_by_id, channel, channel_reference, target_type, "
            "merchant_id, category, description, remedy_wanted, submitted_at, request_digest) "
            "SELECT %s + i %% 1000, %s, 'web', '', 'merchant', %s + (i * 7) %% %s, 'product_quality', 'x', 'refund', "
            "now() - (CASE WHEN (i * 7) %% %s %% 50 = 0 AND i %% 3 = 0 THEN i %% 30 ELSE i %% 210 END) "
            "* interval '1 day', '' FROM generate_series(1, %s) i",
            [c0, filer.pk, m0, MERCHANTS, MERCHANTS, CASES],
        )
        cur.execute(
            "INSERT INTO cases_case (reference, report_id, merchant_id, reporter_id, category, channel, state, "
            "version, priority, rulebook_version, admissibility, opened_at, updated_at) "
            "SELECT 'B' || r.id, r.id, r.merchant_id, r.reporter_id, r.category, 'web', "
            "CASE WHEN random() < 0.3 THEN 'decided' ELSE 'awaiting_merchant' END, 0, 0, '1', '{}', "
            "r.submitted_at, r.submitted_at FROM cases_report r"
        )
        cur.execute(
            "INSERT INTO cases_decision (case_id, outcome, reason_codes, remedy, points, track, automated, "
            "decided_at, rulebook_version, statement) SELECT c.id, CASE WHEN random() < 0.33 THEN 'not_upheld' "
            "ELSE 'upheld' END, '[]', 'refund', 4, 'general', false, c.opened_at + interval '2 days', '1', '{}' "
            "FROM cases_case c WHERE c.state = 'decided'"
        )
        cur.execute(
            "INSERT INTO enforcement_pointentry (merchant_id, case_id, decision_id, track, points, rulebook_version, "
            "awarded_at, expires_at) SELECT c.merchant_id, c.id, d.id, 'general', 4, '1', d.decided_at, "
            "d.decided_at + interval '365 days' FROM cases_decision d JOIN cases_case c ON c.id = d.case_id "
            "WHERE d.outcome = 'upheld'"
        )
        cur.execute("ANALYZE")
        cur.execute("SELECT count(*) FROM cases_case")
        cases = cur.fetchone()[0]
    generated = time.perf_counter() - started
    now = timezone.now()
    rulebook = loader.in_force(now)

    started = time.perf_counter()
    standings = recompute_all(rulebook, now)
    standing_seconds = time.perf_counter() - started
    started = time.perf_counter()
    report = compute(now, rulebook)
    monitoring_seconds = time.perf_counter() - started
    total = standing_seconds + monitoring_seconds
    print(
        f"standing and monitoring benchmark: PostgreSQL, {MERCHANTS} merchants, {cases} cases, {ORDERS} orders "
        f"(generated in {generated:.0f} s, not timed)"
    )
    print(f"  standing recomputed : {standing_seconds:.1f} s ({len(standings)} merchants with live points)")
    print(f"  monitoring computed : {monitoring_seconds:.1f} s ({report.merchants} merchants, {report.flags} flags)")
    print(f"  total               : {total:.1f} s (target: under 60 s)")
    connection.close()
    if total >= 60:
        sys.exit("FAIL: over 60 s")


if __name__ == "__main__":
    main()
