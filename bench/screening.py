"""Benchmark: intake throughput with screening on and off (issue 15: no more than 15 % below).

Screening at intake is what PLAINT_INTAKE_SCREENING switches: the photos' forensics flags, the
report's cluster (plaint/cases/clusters.py) and its priority's terms (plaint/cases/priority.py).
Reports are filed with `file_report`, as the API calls it, one small JPEG photo each, under rulebook
version 4 (the clock is set after 2026-12-08), on PostgreSQL. Each report is a new consumer's order;
a share of them (BENCH_SCREENING_HOT) report one of a few "hot" listings, so clusters grow, move their
members' priority and escalate. Rounds alternate off, on, off, on… so the machine's load falls on
both alike; the figure is the median of each side's rounds: reports per second (wall) and CPU
milliseconds per report in this process (the database server's CPU is not in it), and the SQL
statements a report sends.

    make bench                         (PostgreSQL, database plaint_bench_screening)
    PLAINT_DATABASE_URL=postgres://... python -m bench.screening
"""

import io
import os
import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from bench.common import fresh_database

REPORTS = int(os.environ.get("BENCH_SCREENING_REPORTS", "150"))
ROUNDS = int(os.environ.get("BENCH_SCREENING_ROUNDS", "3"))
HOT_SHARE = float(os.environ.get("BENCH_SCREENING_HOT", "0.3"))
HOT_LISTINGS = 5
WARM_UP = 10
# Another database name lets two checkouts run the bench at once.
DB = os.environ.get("BENCH_SCREENING_DB", "plaint_bench_screening")
# Rulebook version 4 is in force from 2026-12-08 00:00 +08:00.
NOW = datetime(2026, 12, 9, 2, 0, tzinfo=UTC)


def photo(seed: int) -> bytes:
    """Return a small photo-like JPEG with a capture time, different for each seed."""
    from PIL import Image, ImageDraw, ImageFilter

    pick = random.Random(seed)
    image = Image.new("RGB", (320, 240), tuple(pick.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y = pick.randrange(320), pick.randrange(240)
        draw.ellipse(
            (x, y, x + pick.randrange(20, 120), y + pick.randrange(20, 90)),
            fill=tuple(pick.randrange(256) for _ in range(3)),
        )
    image = image.filter(ImageFilter.GaussianBlur(2))
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = "2026:12:08 20:00:00"
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, exif=exif)
    return out.getvalue()


def main() -> None:
    fresh_database(DB)
    import time_machine
    from django.conf import settings
    from django.db import connection

    from plaint.accounts.models import Role, User
    from plaint.cases import actions
    from plaint.cases.inputs import ReportIn
    from plaint.cases.models import Case, Cluster
    from plaint.evidence.actions import Upload
    from plaint.marketplace.actions import upsert_listing, upsert_merchant, upsert_order
    from plaint.marketplace.inputs import ListingIn, MerchantIn, OrderIn

    total = WARM_UP + REPORTS * ROUNDS * 2
    pick = random.Random(15)
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        upsert_merchant(MerchantIn(id="M-S", name="Bench Shop", country="JP", contact_email="shop@bench.example"))
        for n in range(HOT_LISTINGS):
            upsert_listing(ListingIn(id=f"L-HOT-{n}", merchant_id="M-S", title="Cream", batch=f"B{n}"))
        agent = User.objects.create_user(username="bench-agent", password="x", role=Role.AGENT)
        orders = []
        for n in range(total):
            hot = pick.random() < HOT_SHARE
            listing = f"L-HOT-{pick.randrange(HOT_LISTINGS)}" if hot else f"L-{n}"
            if not hot:
                upsert_listing(ListingIn(id=listing, merchant_id="M-S", title="Cream", batch=f"B-{n}"))
            upsert_order(
                OrderIn(
                    id=f"O-{n}",
                    consumer={"id": f"C-{n}", "name": "Bench"},
                    merchant_id="M-S",
                    amount_paid=Decimal("389.00"),
                    paid_at=NOW - timedelta(days=5),
                    shipped_at=NOW - timedelta(days=4),
                    delivered_at=NOW - timedelta(days=1),
                    items=[{"listing_id": listing, "title": "Cream", "unit_price": "389.00"}],
                )
            )
            orders.append(f"O-{n}")
        photos = [photo(n) for n in range(total)]

    def file(n: int) -> None:
        data = ReportIn(
            consumer_id=f"C-{n}",
            target_type="order",
            target_id=orders[n],
            category="expired_goods",
            description="面霜过期了，瓶底日期是上个月",
            remedy_wanted="refund",
            channel="hotline",
            channel_reference=f"CALL-{n}",
        )
        actions.file_report(agent, data, [Upload("jar.jpg", photos[n], "photo_of_expiry_date")])

    results: dict[bool, list[tuple[float, float]]] = {False: [], True: []}
    statements: dict[bool, list[float]] = {False: [], True: []}
    counted = [0]

    # Wall time of each statement (its round trip: the database's work and the wait), by its first words.
    spent: dict[bool, dict[str, float]] = {False: {}, True: {}}
    side = [False]

    def count(execute, sql, params, many, context):  # noqa: ANN001, ANN202 (Django's wrapper signature)
        counted[0] += 1
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            head = " ".join(sql.split())[:90]
            spent[side[0]][head] = spent[side[0]].get(head, 0.0) + time.perf_counter() - began

    n = 0
    with time_machine.travel(NOW, tick=True):
        # Warm-up: caches, the rulebook's parse, the first statements' plans.
        for _ in range(WARM_UP):
            file(n)
            n += 1
        for _ in range(ROUNDS):
            for screening in (False, True):
                settings.PLAINT_INTAKE_SCREENING = screening
                side[0] = screening
                counted[0] = 0
                began, cpu = time.perf_counter(), time.process_time()
                with connection.execute_wrapper(count):
                    for _ in range(REPORTS):
                        file(n)
                        n += 1
                wall, used = time.perf_counter() - began, time.process_time() - cpu
                results[screening].append((REPORTS / wall, used * 1000 / REPORTS))
                statements[screening].append(counted[0] / REPORTS)
                print(
                    f"  screening {'on ' if screening else 'off'}: {REPORTS / wall:7.1f} reports/s, "
                    f"{used * 1000 / REPORTS:6.2f} ms CPU a report, {counted[0] / REPORTS:5.1f} statements a report"
                )
    settings.PLAINT_INTAKE_SCREENING = True
    off = statistics.median(r for r, _ in results[False])
    on = statistics.median(r for r, _ in results[True])
    cpu_off = statistics.median(c for _, c in results[False])
    cpu_on = statistics.median(c for _, c in results[True])
    clusters = Cluster.objects.filter(size__gt=1)
    print(f"intake, file_report with one photo, {REPORTS} reports x {ROUNDS} rounds each side, PostgreSQL")
    for side, rate, cpu_ms in ((False, off, cpu_off), (True, on, cpu_on)):
        print(
            f"  screening {'on ' if side else 'off'}: {rate:7.1f} reports/s  {cpu_ms:6.2f} ms CPU a report  "
            f"{statistics.median(statements[side]):5.1f} statements a report"
        )
    print(f"  throughput on/off: {on / off:.3f} (target >= 0.85); CPU a report on/off: {cpu_on / cpu_off:.3f}")
    reports = REPORTS * ROUNDS
    print("  statements' wall time a report, on minus off, the largest (ms; the statement's first words):")
    heads = set(spent[True]) | set(spent[False])
    extra = {h: (spent[True].get(h, 0.0) - spent[False].get(h, 0.0)) * 1000 / reports for h in heads}
    for head, ms in sorted(extra.items(), key=lambda item: -item[1])[:8]:
        print(f"    {ms:6.2f}  {head}")
    total = {name: sum(spent[name].values()) * 1000 / reports for name in (False, True)}
    print(f"  all statements' wall time a report: off {total[False]:.2f} ms, on {total[True]:.2f} ms")
    print(
        f"  clusters grown: {clusters.count()} (largest {max(clusters.values_list('size', flat=True), default=0)}, "
        f"escalated {clusters.filter(escalated_at__isnull=False).count()}); cases {Case.objects.count()}"
    )


if __name__ == "__main__":
    main()
