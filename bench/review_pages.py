"""Benchmark: the review console and merchant portal pages with 100,000 cases on PostgreSQL.

The data is generated in the database with generate_series (not timed). Each page is then rendered
through Django's test client (the whole view, queries and template, no network) several times; the
median time and the query count are printed, with the query plan of the queue's page query.
Target: every page under 250 ms with a constant number of queries.

    make bench
"""

import os
import sys
import time

from bench.common import fresh_database, insert_consumers, insert_merchants, print_plan, time_pages, vacuum_analyze

CASES = int(os.environ.get("BENCH_REVIEW_CASES", "100000"))
MERCHANTS = 1000
DB = "plaint_bench_review"
RUNS = 5
TARGET_MS = 250


def main() -> None:
    fresh_database(DB)
    from django.db import connection
    from django.utils import timezone

    from plaint.accounts.models import Role, User
    from plaint.cases.queries import review_queue
    from plaint.marketplace.models import Merchant

    filer = User.objects.create_user("bench", role=Role.AGENT)
    started = time.perf_counter()
    with connection.cursor() as cur:
        m0 = insert_merchants(cur, MERCHANTS)
        c0 = insert_consumers(cur, 1000)
        categories = "ARRAY['product_quality','counterfeit','expired_goods','damaged_on_arrival','not_as_described']"
        channels = "ARRAY['web','app','hotline','online_chat','email','api']"
        cur.execute(
            "INSERT INTO cases_report (reporter_id, filed_by_id, channel, channel_reference, target_type, "
            "merchant_id, category, description, remedy_wanted, submitted_at, request_digest) "
            "SELECT %s + i %% 1000, %s, "
            f"({channels})[1 + i %% 6], '', 'merchant', %s + (i * 7) %% %s, ({categories})[1 + i %% 5], "
            "'Report ' || i, 'refund', now() - (i %% 90) * interval '1 day', '' FROM generate_series(1, %s) i",
            [c0, filer.pk, m0, MERCHANTS, CASES],
        )
        # 40% in review, 10% waiting for evidence, 20% with the merchant, 30% decided.
        cur.execute(
            "INSERT INTO cases_case (reference, report_id, merchant_id, reporter_id, category, channel, state, "
            "version, priority, rulebook_version, admissibility, opened_at, updated_at, decision_due_at, "
            "response_due_at, evidence_due_at) "
            "SELECT 'B' || r.id, r.id, r.merchant_id, r.reporter_id, r.category, r.channel, "
            "CASE WHEN r.id % 10 < 4 THEN 'awaiting_review' WHEN r.id % 10 = 4 THEN 'needs_evidence' "
            "WHEN r.id % 10 < 7 THEN 'awaiting_merchant' ELSE 'decided' END, 0, r.id % 6, '1', '{}', "
            "r.submitted_at, r.submitted_at, now() + ((r.id % 240) - 40) * interval '1 hour', "
            "now() + (r.id % 72) * interval '1 hour', now() + (r.id % 7) * interval '1 day' FROM cases_report r"
        )
        cur.execute("SELECT count(*) FROM cases_case")
        cases = cur.fetchone()[0]
    vacuum_analyze()
    generated = time.perf_counter() - started

    reviewer = User.objects.create_user("bench-reviewer", role=Role.REVIEWER, language="en")
    supervisor = User.objects.create_user("bench-supervisor", role=Role.SUPERVISOR, language="zh-hans")
    busy = Merchant.objects.get(external_id="M7")
    merchant = User.objects.create_user("bench-merchant", role=Role.MERCHANT, merchant=busy)
    some_case = review_queue(timezone.now()).first().reference
    pages = [
        ("reviewer", "/review/"),
        ("reviewer", "/review/?category=counterfeit"),
        ("reviewer", "/review/?overdue=1"),
        ("reviewer", "/review/?channel=hotline&priority=2"),
        ("reviewer", f"/review/?merchant={busy.pk}"),
        ("reviewer", "/review/?state=needs_evidence"),
        ("reviewer", "/review/?page=200"),
        ("reviewer", f"/review/cases/{some_case}/"),
        ("supervisor", "/review/supervisor/"),
        ("merchant", "/merchant/"),
        ("merchant", "/merchant/?show=all&page=3"),
    ]
    print(
        f"review and merchant pages benchmark: PostgreSQL, {cases} cases, {MERCHANTS} merchants "
        f"(generated in {generated:.0f} s, not timed); median of {RUNS} renders"
    )
    worst = time_pages([reviewer, supervisor, merchant], pages, RUNS)
    print_plan("plan of the queue page (category filter)", review_queue(timezone.now(), category="counterfeit")[:25])
    connection.close()
    if worst >= TARGET_MS:
        sys.exit(f"FAIL: a page took {worst:.0f} ms (target: under {TARGET_MS} ms)")


if __name__ == "__main__":
    main()
