"""Benchmark: the consumer portal and agent console pages with 100,000 cases and 100,000 consumers.

PostgreSQL only. The data is generated in the database with generate_series (not timed); each page
is rendered through Django's test client (the whole view, queries and template) several times and
the median time and query count are printed, with the plan of the agent's consumer search.
Target: every page under 250 ms, and the number of queries independent of the data's size.

    PLAINT_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python -m bench.portal_pages
"""

import os
import sys
import time

from bench.common import fresh_database, insert_merchants, print_plan, time_pages, vacuum_analyze

CASES = int(os.environ.get("BENCH_PORTAL_CASES", "100000"))
CONSUMERS = int(os.environ.get("BENCH_PORTAL_CONSUMERS", "100000"))
MERCHANTS = 1000
DB = "plaint_bench_portal"
RUNS = 5
TARGET_MS = 250


def main() -> None:
    fresh_database(DB)
    from django.db import connection

    from plaint.accounts.models import Role, User
    from plaint.marketplace.models import Consumer
    from plaint.web.agent import search_consumers

    filer = User.objects.create_user("bench", role=Role.AGENT)
    started = time.perf_counter()
    with connection.cursor() as cur:
        m0 = insert_merchants(cur, MERCHANTS)
        cur.execute(
            "INSERT INTO marketplace_consumer (external_id, name, email, phone, language, created_at, updated_at) "
            "SELECT 'C' || i, (ARRAY['李','王','张','刘','陈','Emily ','Chen '])[1 + i %% 7] || i, "
            "'c' || i || '@example.cn', '139' || lpad(i::text, 8, '0'), 'zh-hans', now(), now() "
            "FROM generate_series(1, %s) i",
            [CONSUMERS],
        )
        cur.execute("SELECT min(id) FROM marketplace_consumer")
        c0 = cur.fetchone()[0]
        # Cases spread over the first 1,000 consumers: about 100 each, so "my reports" has pages to turn.
        cur.execute(
            "INSERT INTO cases_report (reporter_id, filed_by_id, channel, channel_reference, target_type, "
            "merchant_id, category, description, remedy_wanted, submitted_at, request_digest) "
            "SELECT %s + i %% 1000, %s, 'web', '', "
            "'merchant', %s + (i * 7) %% %s, (ARRAY['product_quality','counterfeit','expired_goods'])[1 + i %% 3], "
            "'Report ' || i, 'refund', now() - (i %% 90) * interval '1 day', '' FROM generate_series(1, %s) i",
            [c0, filer.pk, m0, MERCHANTS, CASES],
        )
        cur.execute(
            "INSERT INTO cases_case (reference, report_id, merchant_id, reporter_id, category, channel, state, "
            "version, priority, rulebook_version, admissibility, opened_at, updated_at) "
            "SELECT 'B' || r.id, r.id, r.merchant_id, r.reporter_id, r.category, r.channel, "
            "CASE WHEN r.id % 2 = 0 THEN 'awaiting_merchant' ELSE 'decided' END, 0, 0, '1', '{}', "
            "r.submitted_at, r.submitted_at FROM cases_report r"
        )
        cur.execute("SELECT count(*) FROM cases_case")
        cases = cur.fetchone()[0]
    vacuum_analyze()
    generated = time.perf_counter() - started

    busy = Consumer.objects.get(external_id="C1")
    consumer = User.objects.create_user("bench-consumer", role=Role.CONSUMER, consumer=busy)
    agent = User.objects.create_user("bench-agent", role=Role.AGENT, language="en")
    some_case = busy.cases.order_by("-opened_at").first().reference
    pages = [
        ("consumer", "/consumer/"),
        ("consumer", "/consumer/?page=4"),
        ("consumer", f"/consumer/cases/{some_case}/"),
        ("consumer", "/consumer/report/new/?restart=1"),
        ("agent", "/agent/?q=13900050000"),
        ("agent", "/agent/?q=c77777@example.cn"),
        ("agent", "/agent/?q=Emily%2013"),
        ("agent", "/agent/consumers/C1/"),
        ("agent", f"/agent/cases/{some_case}/"),
    ]
    print(
        f"consumer portal and agent console benchmark: PostgreSQL, {cases} cases, {CONSUMERS} consumers "
        f"(generated in {generated:.0f} s, not timed); median of {RUNS} renders"
    )
    # The filing page redirects to its first step; the others answer 200.
    worst = time_pages([consumer, agent], pages, RUNS, statuses=(200, 302), follow=True)
    print_plan("plan of the agent's consumer search", search_consumers("Emily 13")[:20])
    connection.close()
    if worst >= TARGET_MS:
        sys.exit(f"FAIL: a page took {worst:.0f} ms (target: under {TARGET_MS} ms)")


if __name__ == "__main__":
    main()
