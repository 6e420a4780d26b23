"""Benchmark: the lists and the next-case claim as the open cases grow (issue 16, items 1 and 2).

Seeds open cases in SQL (generate_series on PostgreSQL, a recursive CTE on SQLite; not timed), growing
the same database through each size of BENCH_SCALE_SIZES (default 10,000 and 1,000,000; add 5,000,000
when there is time: `BENCH_SCALE_SIZES=10000,1000000,5000000`). At each size it renders every list
through Django's test client (the whole view: queries, serialising, template), the median of RUNS, the
first page and one half-way down the list (by its cursor). At the size nearest 1,000,000 (or the
largest) it runs the next-case claim for BENCH_CLAIM_SECONDS with 1 reviewer and then with 32 (threads,
each its own connection) and prints claims/s, p50 and p99 and the conflicts and errors met (target:
32 reviewers at least twice one reviewer's rate, no conflicts). Lists should stay flat: the target is
each list within 1.5× of its time at the smallest size.

    make bench                                       (PostgreSQL, database plaint_bench_scale)
    PLAINT_DATABASE_URL=postgres://... python -m bench.scale
    PLAINT_DATABASE_URL=sqlite:///var/bench-scale.sqlite3 BENCH_SCALE_SIZES=10000,100000 python -m bench.scale
"""

import os
import statistics
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import fresh_database

SIZES = [int(s) for s in os.environ.get("BENCH_SCALE_SIZES", "10000,1000000").split(",")]
CLAIM_SECONDS = float(os.environ.get("BENCH_CLAIM_SECONDS", "10"))
MERCHANTS = 1000
CONSUMERS = 1000
RUNS = 5
DB = "plaint_bench_scale"
CATEGORIES = ("product_quality", "counterfeit", "expired_goods", "damaged_on_arrival", "not_as_described")
CHANNELS = ("web", "app", "hotline", "online_chat", "email", "api")


def _setup() -> None:
    url = os.environ.get("PLAINT_DATABASE_URL", "")
    if url.startswith("sqlite"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plaint.settings")
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
    else:
        fresh_database(DB)


def _pick(values: tuple[str, ...], index: str) -> str:
    """Return SQL choosing values[index % len] (both engines: a CASE, not an array)."""
    whens = " ".join(f"WHEN {i} THEN '{v}'" for i, v in enumerate(values))
    return f"CASE ({index}) % {len(values)} {whens} END"


def _series(first: int, last: int) -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        return f"generate_series({first}, {last}) AS s(i)"
    return f"(WITH RECURSIVE s(i) AS (SELECT {first} UNION ALL SELECT i + 1 FROM s WHERE i < {last}) SELECT i FROM s) s"


def _plus_hours(base: str, hours: str) -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        return f"({base} + ({hours}) * interval '1 hour')"
    return f"strftime('%Y-%m-%d %H:%M:%f', {base}, (({hours})) || ' hours')"


def seed_people(filer_id: int) -> tuple[int, int]:
    from django.db import connection

    stamp = "'2026-11-30 00:00:00'"
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO marketplace_merchant (external_id, name, country, cross_border, status, contact_email, "
            f"contact_phone, created_at, updated_at) SELECT 'M' || i, 'Merchant ' || i, 'JP', true, 'active', '', '', "
            f"{stamp}, {stamp} FROM {_series(1, MERCHANTS)}"
        )
        cur.execute(
            "INSERT INTO marketplace_consumer (external_id, name, email, email_verified, phone, language, created_at, "
            f"updated_at) SELECT 'C' || i, 'Consumer ' || i, '', false, '', 'zh-hans', {stamp}, {stamp} "
            f"FROM {_series(1, CONSUMERS)}"
        )
        cur.execute("SELECT min(id) FROM marketplace_merchant")
        m0 = cur.fetchone()[0]
        cur.execute("SELECT min(id) FROM marketplace_consumer")
        c0 = cur.fetchone()[0]
    return m0, c0


def seed_cases(first: int, last: int, filer_id: int, m0: int, c0: int, version: str, now: datetime) -> None:
    """Insert open cases first..last and their reports: 70% in review, 10% awaiting evidence, 20% the merchant."""
    from django.db import connection

    base = "'" + now.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") + "'"
    if connection.vendor == "postgresql":
        base = f"timestamptz {base}"
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO cases_report (id, reporter_id, filed_by_id, channel, channel_reference, target_type, "
            "merchant_id, category, description, remedy_wanted, request_digest, submitted_at) "
            f"SELECT i, {c0} + i % {CONSUMERS}, {filer_id}, {_pick(CHANNELS, 'i')}, '', 'merchant', "
            f"{m0} + (i * 7) % {MERCHANTS}, {_pick(CATEGORIES, 'i * 3')}, 'Report ' || i, 'refund', '', "
            f"{_plus_hours(base, '-1 - (i % 2000)')} FROM {_series(first, last)}"
        )
        state = (
            "CASE WHEN i % 10 < 7 THEN 'awaiting_review' WHEN i % 10 = 7 THEN 'needs_evidence' "
            "ELSE 'awaiting_merchant' END"
        )
        cur.execute(
            "INSERT INTO cases_case (id, reference, report_id, merchant_id, reporter_id, category, channel, state, "
            "version, priority, rulebook_version, admissibility, opened_at, updated_at, decision_due_at, "
            "response_due_at, evidence_due_at) "
            f"SELECT i, 'S' || i, i, {m0} + (i * 7) % {MERCHANTS}, {c0} + i % {CONSUMERS}, "
            f"{_pick(CATEGORIES, 'i * 3')}, {_pick(CHANNELS, 'i')}, {state}, 0, (i / 7) % 6, '{version}', '{{}}', "
            f"{_plus_hours(base, '-1 - (i % 2000)')}, {_plus_hours(base, '-1 - (i % 2000)')}, "
            f"CASE WHEN i % 10 < 7 THEN {_plus_hours(base, '(i % 240) - 40')} END, "
            f"CASE WHEN i % 10 >= 8 THEN {_plus_hours(base, 'i % 72')} END, "
            f"CASE WHEN i % 10 = 7 THEN {_plus_hours(base, 'i % 168')} END FROM {_series(first, last)}"
        )
        if connection.vendor == "postgresql":
            for table in ("cases_report", "cases_case"):
                cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {last})")


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    if connection.vendor == "postgresql":
        import psycopg

        # A live database has autovacuum; freshly loaded rows need the visibility map set for index-only scans.
        with psycopg.connect(os.environ["PLAINT_DATABASE_URL"], autocommit=True) as conn:
            conn.execute("VACUUM (ANALYZE) cases_case")


def _cursor_halfway(order: Any, cases: Any) -> str:
    from plaint.keyset import cursor_after

    count = cases.count()
    return cursor_after(order, cases.order_by(*order.order_by())[count // 2])


def time_lists(client: Any, now: datetime) -> dict[str, float]:
    """Render every list RUNS times; return each one's median in milliseconds."""
    from plaint.cases.models import Case
    from plaint.cases.queries import LIST_ORDER, QUEUE_ORDER, review_queue

    deep_list = _cursor_halfway(LIST_ORDER, Case.objects.all())
    deep_queue = _cursor_halfway(QUEUE_ORDER["awaiting_review"], review_queue(now))
    lists = {
        "GET /api/cases (staff)": "/api/cases",
        "GET /api/cases, half-way (cursor)": f"/api/cases?cursor={deep_list}",
        "GET /api/cases?state=needs_evidence": "/api/cases?state=needs_evidence",
        "GET /api/review/queue": "/api/review/queue",
        "GET /api/review/queue, half-way (cursor)": f"/api/review/queue?cursor={deep_queue}",
        "GET /api/review/queue?category=counterfeit&priority=2": "/api/review/queue?category=counterfeit&priority=2",
        "GET /api/review/queue?unclaimed=true&merchant=M7": "/api/review/queue?unclaimed=true&merchant=M7",
        "page /review/ (queue and facet counts)": "/review/",
        "page /review/?category=counterfeit&channel=web": "/review/?category=counterfeit&channel=web",
        "page /review/?state=needs_evidence&overdue=1": "/review/?state=needs_evidence&overdue=1",
        "page /review/?after=<half-way>": f"/review/?after={deep_queue}",
    }
    medians = {}
    for name, path in lists.items():
        assert client.get(path).status_code == 200, path
        times = []
        for _ in range(RUNS):
            began = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - began) * 1000)
            assert response.status_code == 200, path
        medians[name] = statistics.median(times)
    return medians


def claim_run(reviewers: list, seconds: float) -> dict[str, float]:
    """Let each reviewer (a thread with its own connection) claim next until `seconds` pass."""
    from django.db import connection

    from plaint.cases import actions
    from plaint.errors import DomainError

    latencies: list[float] = []
    conflicts: list[str] = []
    errors: list[str] = []
    claimed: list[int] = []
    barrier = threading.Barrier(len(reviewers) + 1)

    def work(reviewer: Any) -> None:
        mine_l, mine_c = [], []
        barrier.wait()
        deadline = time.perf_counter() + seconds
        try:
            while time.perf_counter() < deadline:
                began = time.perf_counter()
                try:
                    case = actions.claim_next(reviewer, {})
                except DomainError as exc:
                    conflicts.append(exc.code)
                    continue
                mine_l.append(time.perf_counter() - began)
                if case is not None:
                    mine_c.append(case.pk)
        except Exception as exc:  # noqa: BLE001 - counted and printed: an error is a finding of the bench
            errors.append(repr(exc))
        finally:
            latencies.extend(mine_l)
            claimed.extend(mine_c)
            connection.close()

    threads = [threading.Thread(target=work, args=(r,)) for r in reviewers]
    for thread in threads:
        thread.start()
    barrier.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    latencies.sort()
    return {
        "rate": len(claimed) / elapsed,
        "claims": len(claimed),
        "distinct": len(set(claimed)),
        "p50": latencies[len(latencies) // 2] * 1000 if latencies else 0.0,
        "p99": latencies[int(len(latencies) * 0.99)] * 1000 if latencies else 0.0,
        "conflicts": len(conflicts),
        "errors": errors,
    }


def main() -> None:
    _setup()
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from plaint.accounts.models import Role, User
    from plaint.cases.models import Case
    from plaint.rulebook import loader

    now = timezone.now()
    filer = User.objects.create_user("bench-scale-agent", role=Role.AGENT)
    reviewer = User.objects.create_user("bench-scale-reviewer", role=Role.REVIEWER, language="en")
    m0, c0 = seed_people(filer.pk)
    version = loader.in_force(now).version
    client = Client()
    client.force_login(reviewer)
    claim_size = min(SIZES, key=lambda s: abs(s - 1_000_000))
    print(
        f"scale benchmark: {connection.vendor}, sizes {', '.join(f'{s:,}' for s in SIZES)} open cases "
        f"(70% in review), {MERCHANTS:,} merchants; median of {RUNS} renders through Django's test client"
    )
    results: dict[int, dict[str, float]] = {}
    seeded = 0
    for size in sorted(SIZES):
        began = time.perf_counter()
        seed_cases(seeded + 1, size, filer.pk, m0, c0, version, now)
        seeded = size
        analyze()
        print(f"\n{size:,} open cases (seeded and analysed in {time.perf_counter() - began:.0f} s, not timed)")
        results[size] = time_lists(client, timezone.now())
        smallest = results[min(results)]
        for name, ms in results[size].items():
            ratio = f"{ms / smallest[name]:4.2f}× the smallest" if size != min(results) else ""
            print(f"  {name:58} {ms:7.1f} ms  {ratio}")
        if size == claim_size:
            reviewers = [User.objects.create_user(f"bench-claimer-{i}", role=Role.REVIEWER) for i in range(32)]
            for threads in (1, 32):
                Case.objects.filter(claimed_by__isnull=False).update(claimed_by=None, claim_expires_at=None)
                run = claim_run(reviewers[:threads], CLAIM_SECONDS)
                print(
                    f"  claim next, {threads:2} reviewer(s), {CLAIM_SECONDS:.0f} s: {run['rate']:6.1f} claims/s, "
                    f"p50 {run['p50']:.1f} ms, p99 {run['p99']:.1f} ms, {run['claims']} claims "
                    f"({run['distinct']} distinct cases), {run['conflicts']} conflicts, {len(run['errors'])} errors"
                    + (f": {run['errors'][:3]}" if run["errors"] else "")
                )
                results[size][f"claims/s {threads}"] = run["rate"]
            one, many = results[size]["claims/s 1"], results[size]["claims/s 32"]
            verdict = "met" if many >= 2 * one else "NOT met"
            print(f"  32 reviewers claim {many / one:.1f}× one reviewer's rate (target 2×: {verdict})")
    largest, smallest = results[max(results)], results[min(results)]
    worst = max((largest[n] / smallest[n], n) for n in smallest if not n.startswith("claims"))
    verdict = "met" if worst[0] <= 1.5 else "NOT met"
    print(
        f"\nslowest growth {min(results):,} → {max(results):,}: {worst[1]} {worst[0]:.2f}× (target ≤ 1.5×: {verdict})"
    )
    connection.close()


if __name__ == "__main__":
    main()
