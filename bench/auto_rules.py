"""Benchmark: what automated rules in shadow mode cost (issue 15, item 8).

Seeds BENCH_AUTO_RULES_CASES (default 200) product-quality cases under rulebook version 4 through
the real actions (filed with a photo, the merchant silent, claimed and decided by a reviewer; not
timed), then times:

- `auto_rules.record_shadow` for each decision, as `decide_case` calls it: statements and wall time,
  p50 and p99 (what shadow mode adds to a reviewer's decision);
- `auto_rules.replay` of one rule over those cases: cases a second.

    make bench                         (PostgreSQL, database plaint_bench_auto_rules)
    PLAINT_DATABASE_URL=postgres://... python -m bench.auto_rules
"""

import os
import statistics
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bench.common import fresh_database

CASES = int(os.environ.get("BENCH_AUTO_RULES_CASES", "200"))
DB = "plaint_bench_auto_rules"
SH = ZoneInfo("Asia/Shanghai")
FILED = datetime(2026, 12, 9, 10, tzinfo=SH)  # rulebook version 4 is in force
RULE = "quality_small_photo_silent"


def jpeg(index: int) -> bytes:
    import io

    from PIL import Image

    image = Image.new("RGB", (64, 48), (index % 256, (index * 7) % 256, (index * 13) % 256))
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = "2026:12:08 20:00:00"
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def seed() -> list:
    """File, let the merchant stay silent, and decide CASES cases; return their decisions."""
    from decimal import Decimal

    from plaint.accounts.models import Role, User
    from plaint.cases import actions, clocks
    from plaint.cases.inputs import DecisionIn, ReportIn
    from plaint.cases.models import Case
    from plaint.evidence.actions import Upload
    from plaint.marketplace.actions import upsert_listing, upsert_merchant, upsert_order
    from plaint.marketplace.inputs import ListingIn, MerchantIn, OrderIn
    from plaint.marketplace.models import Consumer

    upsert_merchant(MerchantIn(id="M-B", name="Bench shop", country="JP"))
    upsert_listing(ListingIn(id="L-B", merchant_id="M-B", title="Cream"))
    reviewer = User.objects.create_user("bench-reviewer", role=Role.REVIEWER)
    decisions = []
    for index in range(CASES):
        delivered = FILED - timedelta(days=1, hours=2)
        upsert_order(
            OrderIn(
                id=f"O-{index}",
                merchant_id="M-B",
                consumer={"id": f"C-{index}", "name": "Bench"},
                amount_paid=Decimal("150.00"),
                paid_at=delivered - timedelta(days=3),
                delivered_at=delivered,
                items=[{"listing_id": "L-B", "title": "Cream", "unit_price": "150.00"}],
            )
        )
        # One consumer a case: the rulebook's per-reporter limits would refuse a 200-report hour.
        consumer = User.objects.create_user(
            f"bench-consumer-{index}", role=Role.CONSUMER, consumer=Consumer.objects.get(external_id=f"C-{index}")
        )
        data = ReportIn(target_type="order", target_id=f"O-{index}", category="product_quality", description="有异味")
        case = actions.file_report(consumer, data, [Upload("p.jpg", jpeg(index), "photo_of_product")], now=FILED).case
        clocks.tick(Case.objects.get(pk=case.pk).response_due_at)
        at = FILED + timedelta(days=4, minutes=index)
        actions.claim_case(reviewer, Case.objects.get(pk=case.pk), now=at)
        outcome = "upheld" if index % 4 else "not_upheld"
        codes = ["violation_established"] if outcome == "upheld" else ["insufficient_evidence"]
        decision_in = DecisionIn(outcome=outcome, reason_codes=codes, statement="审核人员查看了照片与订单。")
        decisions.append(actions.decide_case(reviewer, Case.objects.get(pk=case.pk), decision_in, now=at))
    return decisions


def main() -> None:
    fresh_database(DB)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from plaint.cases import auto_rules
    from plaint.cases.models import AutoRuleShadow
    from plaint.rulebook import loader

    started = time.perf_counter()
    decisions = seed()
    print(f"seeded {len(decisions)} decided cases in {time.perf_counter() - started:.1f} s")
    print(f"shadow rows written at the decisions: {AutoRuleShadow.objects.count()}")

    walls, cpus, statements = [], [], []
    now = FILED + timedelta(days=10)
    for decision in decisions:
        case = decision.case
        with CaptureQueriesContext(connection) as queries:
            begin, cpu = time.perf_counter(), time.process_time()
            auto_rules.record_shadow(case, decision, now)
            walls.append((time.perf_counter() - begin) * 1000)
            cpus.append((time.process_time() - cpu) * 1000)
        statements.append(len(queries))
    walls.sort()
    cpus.sort()
    p99 = max(int(len(walls) * 0.99) - 1, 0)
    print(
        f"record_shadow per decision: {statistics.median(statements):.0f} statements (max {max(statements)}), "
        f"CPU p50 {statistics.median(cpus):.2f} ms, p99 {cpus[p99]:.2f} ms; "
        f"wall p50 {statistics.median(walls):.2f} ms, p99 {walls[p99]:.2f} ms"
    )

    rulebook = loader.get("4")
    begin, cpu = time.perf_counter(), time.process_time()
    [report] = auto_rules.replay(rulebook, months=1, rule_id=RULE, now=now)
    seconds, cpu_seconds = time.perf_counter() - begin, time.process_time() - cpu
    print(
        f"replay of {RULE}: {report.considered} cases in {seconds:.2f} s wall, {cpu_seconds:.2f} s CPU "
        f"({report.considered / cpu_seconds:.0f} cases per CPU second), {report.matched} matched, "
        f"{report.agreed} agreed"
    )
    print(f"load average during the run: {os.getloadavg()}")


if __name__ == "__main__":
    main()
