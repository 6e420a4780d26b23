"""Benchmark: draw a panel from a committee of 10,000 members with 100,000 declared conflicts, on
PostgreSQL. The rows are generated in the database with generate_series (not timed); the eligible pool
(one SQL query) and the whole draw (pool, seats, case log, notifications) are timed, each the median of
repeated runs rolled back. Target: the draw under 50 ms.

    make bench
"""

import os
import statistics
import sys
import time
from datetime import timedelta

from bench.common import fresh_database, insert_consumers, insert_merchants, vacuum_analyze

MEMBERS = int(os.environ.get("BENCH_MEMBERS", "10000"))
CONFLICTS = int(os.environ.get("BENCH_CONFLICTS", "100000"))
OPEN_PANELS = int(os.environ.get("BENCH_OPEN_PANELS", "6000"))
# A marketplace's listings: the draw reads the brands of the case's order's listings among them.
LISTINGS = int(os.environ.get("BENCH_LISTINGS", "300000"))
RUNS = int(os.environ.get("BENCH_RUNS", "21"))
DB = "plaint_bench_committee"
TARGET_MS = 50


class Rollback(Exception):
    pass


def main() -> None:
    fresh_database(DB)
    from django.db import connection, transaction
    from django.utils import timezone

    from plaint.accounts.models import Role, User
    from plaint.cases.models import Case, Report
    from plaint.committee.draw import draw_panel, eligible_pool
    from plaint.marketplace.models import Consumer, Listing, Merchant, Order, OrderItem

    started = time.perf_counter()
    now = timezone.now()
    filer = User.objects.create_user("bench", role=Role.AGENT)
    with connection.cursor() as cur:
        insert_merchants(cur, 10_000)
        insert_consumers(cur, 1)
        cur.execute("UPDATE marketplace_merchant SET \"group\" = 'Group ' || (id %% 200)", [])
    merchant = Merchant.objects.get(external_id="M1")
    consumer = Consumer.objects.first()
    listing = Listing.objects.create(external_id="L1", merchant=merchant, title="Cream", brand="Brand 7")
    order = Order.objects.create(
        external_id="O1", consumer=consumer, merchant=merchant, amount_paid=100, paid_at=now, delivered_at=now
    )
    OrderItem.objects.create(order=order, listing=listing, title="Cream", unit_price=100)
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO marketplace_listing (external_id, merchant_id, title, origin_country, customs_declaration_no, "
            "batch, declared, brand, status, created_at, updated_at) SELECT 'L' || (i + 1), m.id, 'Listing ' || i, "
            "'JP', '', '', '{}', 'Brand ' || i %% 500, 'active', now(), now() FROM generate_series(1, %s) i "
            "JOIN marketplace_merchant m ON m.external_id = 'M' || (1 + i %% 10000)",
            [LISTINGS],
        )
    OrderItem.objects.create(order=order, listing=Listing.objects.get(external_id="L3"), title="Serum", unit_price=50)

    def case(ref: str) -> Case:
        report = Report.objects.create(
            reporter=consumer,
            filed_by=filer,
            channel="web",
            target_type="order",
            order=order,
            merchant=merchant,
            category="expired_goods",
            description="x",
            remedy_wanted="refund",
            submitted_at=now,
        )
        return Case.objects.create(
            reference=ref,
            report=report,
            merchant=merchant,
            reporter=consumer,
            category="expired_goods",
            channel="web",
            state="decided",
            rulebook_version="1",
            opened_at=now,
            updated_at=now,
        )

    target, busy = case("PL-BENCH-0001"), case("PL-BENCH-0002")
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name, email, is_staff, "
            "is_active, date_joined, role, language) SELECT '!', false, 'member' || i, '', '', '', false, true, "
            "now(), 'committee', 'zh-hans' FROM generate_series(1, %s) i",
            [MEMBERS],
        )
        # Seats in turn; experts in two of five fields each, so about 40% of experts cover the case's category.
        cur.execute(
            "INSERT INTO committee_committeemember (user_id, display_name, seat, expert_fields, term_from, term_to, "
            "load_cap, active, created_at, open_seats) SELECT u.id, u.username, "
            "(ARRAY['consumer_rep','expert','lawyer'])"
            "[1 + u.id %% 3], CASE WHEN u.id %% 3 = 1 THEN jsonb_build_array((ARRAY['expired_goods','counterfeit',"
            "'product_quality','not_as_described','damaged_on_arrival'])[1 + u.id %% 5], (ARRAY['counterfeit',"
            "'expired_goods','product_quality','not_as_described','damaged_on_arrival'])[1 + (u.id / 5) %% 5]) "
            "ELSE '[]'::jsonb END, current_date - 500, current_date + 365 - (u.id %% 50 = 0)::int * 400, "
            "2, u.id %% 97 <> 0, now(), 0 FROM accounts_user u WHERE u.role = 'committee'",
            [],
        )
        cur.execute("SELECT min(id), max(id) FROM committee_committeemember")
        first, last = cur.fetchone()
        # Ten conflicts a member, spread over the 10,000 merchants, 500 brands and 200 groups by a hash of
        # the row number; about 1% concern this case's merchant, brand or group.
        cur.execute(
            "INSERT INTO committee_conflict (member_id, kind, value, note, declared_at) "
            "SELECT m, k, v, '', now() FROM (SELECT %s + i %% (%s - %s + 1) AS m, "
            "(ARRAY['merchant','brand','group'])[1 + (i / (%s - %s + 1)) %% 3] AS k, "
            "CASE (i / (%s - %s + 1)) %% 3 WHEN 0 THEN 'M' || (1 + abs(hashint4(i)) %% 10000) "
            "WHEN 1 THEN 'brand ' || abs(hashint4(i)) %% 500 ELSE 'group ' || abs(hashint4(i)) %% 200 END AS v "
            "FROM generate_series(0, %s - 1) i) s ON CONFLICT DO NOTHING",
            [first, last, first, last, first, last, first, CONFLICTS],
        )
        # Open panels on another case hold seats: members at their load cap (2) are not eligible.
        cur.execute(
            "INSERT INTO committee_panel (case_id, subject, composition, category, seed, pool, excluded, missing, "
            "requested_at, drawn_at, due_at, state) SELECT %s, 'bench:' || i, "
            "jsonb_build_array('consumer_rep', 'expert', 'lawyer'), 'expired_goods', md5(i::text), '{}', '[]', '{}', "
            "now(), now(), now() + interval '10 days', "
            "'voting' FROM generate_series(1, %s) i",
            [busy.pk, OPEN_PANELS],
        )
        cur.execute(
            "INSERT INTO committee_panelseat (panel_id, member_id, seat, position, state, recusal_reason, seated_at, "
            "seed, pool) SELECT p.id, %s + (p.id * 3 + s) %% (%s - %s + 1), 'expert', s, 'sitting', '', now(), '', "
            "'[]' FROM committee_panel p, generate_series(0, 2) s ON CONFLICT DO NOTHING",
            [first, last, first],
        )
        cur.execute(
            "UPDATE committee_committeemember m SET open_seats = s.n FROM (SELECT member_id, count(*) AS n "
            "FROM committee_panelseat GROUP BY member_id) s WHERE s.member_id = m.id"
        )
        cur.execute("SELECT count(*) FROM committee_conflict")
        conflicts = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM committee_panelseat")
        seats = cur.fetchone()[0]
    vacuum_analyze()
    generated = time.perf_counter() - started
    target = Case.objects.select_related("merchant", "report").get(pk=target.pk)

    pool_ms, draw_ms, sizes = [], [], {}
    for run in range(RUNS):
        started = time.perf_counter()
        sizes = {
            k: len(v)
            for k, v in eligible_pool(
                target, ["consumer_rep", "expert", "lawyer"], category="expired_goods", now=now
            ).items()
        }
        pool_ms.append((time.perf_counter() - started) * 1000)
        try:
            with transaction.atomic():
                started = time.perf_counter()
                panel = draw_panel(
                    target,
                    ["consumer_rep", "expert", "lawyer"],
                    subject=f"bench:{run}",
                    due_at=now + timedelta(days=10),
                    now=now,
                )
                draw_ms.append((time.perf_counter() - started) * 1000)
                assert panel.state == "voting", panel.missing
                raise Rollback
        except Rollback:
            pass
    pool, drawn = statistics.median(pool_ms), statistics.median(draw_ms)
    print(
        f"committee draw benchmark: PostgreSQL, {MEMBERS} members, {conflicts} conflicts, {seats} open seats, "
        f"{LISTINGS} listings "
        f"(generated in {generated:.0f} s, not timed)"
    )
    print(f"  eligible pool (one query) : {pool:.1f} ms median of {RUNS} (pools: {sizes})")
    print(f"  whole draw                : {drawn:.1f} ms median of {RUNS} (target: under {TARGET_MS} ms)")
    connection.close()
    if drawn >= TARGET_MS:
        sys.exit(f"FAIL: the draw takes {drawn:.1f} ms, over {TARGET_MS} ms")


if __name__ == "__main__":
    main()
