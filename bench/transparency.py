"""Benchmark: the transparency report with 1,000,000 cases over a year, on PostgreSQL.

The cases, answers, decisions, appeals, remedies, points and measures are generated in the database
with generate_series (not timed). Timed: the worker's daily job for yesterday (targets: under 60 s),
the backfill of the whole year (`transparency_compute --from --to`, reported, no target) and the public
page and JSON for a month, a quarter and the year (target: under 100 ms each).

    make bench
"""

import os
import sys
import time
from datetime import timedelta

from bench.common import fresh_database, insert_consumers, insert_merchants, time_pages, vacuum_analyze

CASES = int(os.environ.get("BENCH_CASES", "1000000"))
MERCHANTS = int(os.environ.get("BENCH_MERCHANTS", "10000"))
DAYS = 365
DB = "plaint_bench_transparency"
CATEGORIES = ["product_quality", "counterfeit", "expired_goods", "damaged_on_arrival", "not_as_described",
              "false_advertising", "service_attitude", "prohibited_sales"]  # fmt: skip
CHANNELS = ["web", "app", "api", "hotline", "online_chat", "email"]


def generate(end: str) -> int:
    """Insert the year's rows ending at `end` (an ISO timestamp, the start of today); return the cases."""
    from django.db import connection

    from plaint.accounts.models import Role, User

    filer = User.objects.create_user("bench", role=Role.AGENT)
    categories = "ARRAY[" + ",".join(f"'{c}'" for c in CATEGORIES) + "]"
    channels = "ARRAY[" + ",".join(f"'{c}'" for c in CHANNELS) + "]"
    with connection.cursor() as cur:
        m0 = insert_merchants(cur, MERCHANTS)
        c0 = insert_consumers(cur, 1000)
        cur.execute(
            "INSERT INTO cases_report (reporter_id, filed_by_id, channel, channel_reference, target_type, "
            "merchant_id, category, description, remedy_wanted, request_digest, submitted_at) "
            f"SELECT %s + i %% 1000, %s, ({channels})[1 + i %% 6], '', 'merchant', %s + (i * 7) %% %s, "
            f"({categories})[1 + (i / 7) %% 8], 'x', 'refund', '', "
            "%s::timestamptz - (1 + i %% %s) * interval '1 day' + ((i * 37) %% 86400) * interval '1 second' "
            "FROM generate_series(1, %s) i",
            [c0, filer.pk, m0, MERCHANTS, end, DAYS, CASES],
        )
        # States in rough proportions: 8% inadmissible, 7% withdrawn, 15% resolved, 55% decided, the rest open.
        cur.execute(
            "INSERT INTO cases_case (reference, report_id, merchant_id, reporter_id, category, channel, state, "
            "version, priority, rulebook_version, admissibility, opened_at, updated_at, closed_at) "
            "SELECT 'B' || r.id, r.id, r.merchant_id, r.reporter_id, r.category, r.channel, s.state, 0, 0, '1', "
            'CASE WHEN s.state = \'inadmissible\' THEN \'{"outcome": "inadmissible", "reason_code": '
            '"out_of_window"}\'::jsonb WHEN r.id %% 10 = 1 THEN \'{"outcome": "needs_evidence"}\'::jsonb '
            'ELSE \'{"outcome": "admitted"}\'::jsonb END, r.submitted_at, r.submitted_at, '
            "CASE WHEN s.state IN ('inadmissible') THEN r.submitted_at "
            "WHEN s.state IN ('withdrawn', 'resolved', 'decided') THEN r.submitted_at + (r.id %% 200) * interval "
            "'1 hour' END FROM cases_report r CROSS JOIN LATERAL (SELECT CASE WHEN r.id %% 100 < 8 THEN "
            "'inadmissible' WHEN r.id %% 100 < 15 THEN 'withdrawn' WHEN r.id %% 100 < 30 THEN 'resolved' "
            "WHEN r.id %% 100 < 85 THEN 'decided' ELSE 'awaiting_review' END AS state) s",
            [],
        )
        cur.execute(
            "INSERT INTO cases_merchantresponse (case_id, kind, explanation, rectification_plan, responded_by_id, "
            "responded_at) SELECT c.id, CASE WHEN c.state = 'resolved' THEN 'accept' ELSE 'contest' END, 'x', '', "
            "%s, c.opened_at + (c.id %% 72) * interval '1 hour' FROM cases_case c "
            "WHERE c.state IN ('resolved', 'decided', 'awaiting_review')",
            [filer.pk],
        )
        cur.execute(
            "INSERT INTO cases_decision (case_id, outcome, reason_codes, remedy, points, track, automated, "
            "decided_at, rulebook_version, statement) SELECT c.id, CASE WHEN c.id %% 3 = 0 THEN 'not_upheld' "
            "WHEN c.id %% 3 = 1 THEN 'upheld' ELSE 'partly_upheld' END, '[]', 'refund', 4, 'general', "
            "c.id %% 9 = 0, c.closed_at, '1', '{}' FROM cases_case c WHERE c.state = 'decided'",
            [],
        )
        cur.execute(
            "INSERT INTO cases_appeal (case_id, decision_id, party, filed_by_id, grounds, appealed, route, state, "
            "rulebook_version, filed_at, answer, variation, evidence_ids, answer_evidence_ids, statement, result, "
            "reasons, decided_at) SELECT d.case_id, d.id, CASE WHEN d.outcome = 'not_upheld' THEN 'reporter' "
            "ELSE 'merchant' END, %s, 'x', 'outcome', 'reconsideration', 'decided', '1', "
            "d.decided_at + interval '2 days', '', '{}', '[]', '[]', '{}', "
            "CASE WHEN d.id %% 4 = 0 THEN 'overturned' ELSE 'confirmed' END, 'x', d.decided_at + interval '9 days' "
            "FROM cases_decision d WHERE d.id %% 20 = 0",
            [filer.pk],
        )
        cur.execute(
            "INSERT INTO enforcement_remedyinstruction (case_id, decision_id, kind, currency, amount, tariff_amount, "
            "issued_at) SELECT d.case_id, d.id, 'refund', CASE WHEN d.id %% 10 = 0 THEN 'USD' ELSE 'CNY' END, "
            "100 + d.id %% 400, 0, d.decided_at FROM cases_decision d WHERE d.outcome <> 'not_upheld'",
            [],
        )
        cur.execute(
            "INSERT INTO enforcement_pointentry (merchant_id, case_id, decision_id, track, points, rulebook_version, "
            "awarded_at, expires_at) SELECT c.merchant_id, c.id, d.id, 'general', 4, '1', d.decided_at, "
            "d.decided_at + interval '365 days' FROM cases_decision d JOIN cases_case c ON c.id = d.case_id "
            "WHERE d.outcome <> 'not_upheld'"
        )
        cur.execute(
            "INSERT INTO enforcement_measure (merchant_id, kind, track, threshold, starts_at, rulebook_version, "
            "trigger_case_id, cases) SELECT c.merchant_id, (ARRAY['warning','demotion','listing_restriction',"
            "'suspension','removal'])[1 + c.id %% 5], 'general', 12, c.closed_at, '1', c.id, '[]' "
            "FROM cases_case c WHERE c.state = 'decided' AND c.id %% 40 = 0",
            [],
        )
        cur.execute("SELECT count(*) FROM cases_case")
        return cur.fetchone()[0]


def main() -> None:
    fresh_database(DB)
    from django.core.management import call_command
    from django.utils import timezone

    from plaint.accounts.models import Role, User
    from plaint.transparency.jobs import compute_day
    from plaint.transparency.models import DailyFigure, MonthlyFigure

    today = timezone.localdate()
    start_of_today = timezone.make_aware(timezone.datetime.combine(today, timezone.datetime.min.time()))
    began = time.perf_counter()
    cases = generate(start_of_today.isoformat())
    vacuum_analyze()
    generated = time.perf_counter() - began
    yesterday = today - timedelta(days=1)

    began = time.perf_counter()
    rows = compute_day(yesterday)
    daily = time.perf_counter() - began
    began = time.perf_counter()
    call_command("transparency_compute", "--from", str(today - timedelta(days=DAYS)), "--to", str(yesterday))
    backfill = time.perf_counter() - began
    vacuum_analyze()
    print(
        f"transparency benchmark: PostgreSQL, {cases} cases over {DAYS} days, {MERCHANTS} merchants "
        f"(generated in {generated:.0f} s, not timed)"
    )
    print(f"  daily job, one day     : {daily:.1f} s ({rows} figure rows; target: under 60 s)")
    print(
        f"  backfill of {DAYS} days  : {backfill:.0f} s ({backfill / DAYS:.2f} s a day; "
        f"{DailyFigure.objects.count()} daily rows, {MonthlyFigure.objects.count()} monthly rows)"
    )
    month, quarter, year = (
        f"{yesterday:%Y-%m}",
        f"{yesterday.year}-Q{(yesterday.month - 1) // 3 + 1}",
        str(yesterday.year),
    )
    visitor = User.objects.create_user("bench-public", role=Role.CONSUMER)
    pages = [(visitor.role, f"/transparency/?period={period}") for period in (month, quarter, year)] + [
        (visitor.role, f"/api/transparency?period={period}") for period in (month, quarter, year)
    ]
    print("  public pages (median of 20; signed-in client, the page is the same without):")
    worst = time_pages([visitor], pages, 20)
    failed = []
    if daily >= 60:
        failed.append("daily job over 60 s")
    if worst >= 100:
        failed.append("a page over 100 ms")
    if failed:
        sys.exit("FAIL: " + ", ".join(failed))


if __name__ == "__main__":
    main()
