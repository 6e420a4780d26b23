"""The monitoring job flags a merchant whose reports spike against its own history, not a steady
high-volume one; a merchant that keeps selling illegal goods is warned, then suspended."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from plaint.accounts.models import Role
from plaint.cases import actions
from plaint.cases.inputs import DecisionIn, ReportIn
from plaint.cases.models import Case, Report
from plaint.enforcement.models import Measure
from plaint.marketplace.models import Consumer, Order
from plaint.monitoring.jobs import compute, run_if_due
from plaint.monitoring.models import MerchantFigures, MonitoringFlag
from plaint.rulebook import loader
from tests import factories as f
from tests.api_client import ApiClient

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def history(merchant, consumer, user, per_window: list[tuple[int, int]], now: datetime = NOW):
    """Make orders and reports for the merchant: per_window[k] = (orders, reports) k windows back from now."""
    orders, reports = [], []
    for k, (n_orders, n_reports) in enumerate(per_window):
        start = now - timedelta(days=30 * (k + 1))
        for i in range(n_orders):
            at = start + timedelta(minutes=i + 1)
            orders.append(
                Order(
                    external_id=f"{merchant.external_id}-{k}-{i}",
                    consumer=consumer,
                    merchant=merchant,
                    amount_paid=Decimal("100"),
                    paid_at=at,
                    delivered_at=at,
                )
            )
        for i in range(n_reports):
            reports.append(
                (
                    start + timedelta(hours=i + 1),
                    Report(
                        reporter=consumer,
                        filed_by=user,
                        channel="web",
                        target_type="merchant",
                        merchant=merchant,
                        category="product_quality",
                        description="x",
                        remedy_wanted="refund",
                        submitted_at=start + timedelta(hours=i + 1),
                    ),
                )
            )
    Order.objects.bulk_create(orders, batch_size=1000)
    made = Report.objects.bulk_create([r for _, r in reports], batch_size=1000)
    Case.objects.bulk_create(
        [
            Case(
                report=r,
                merchant=merchant,
                reporter=consumer,
                category="product_quality",
                channel="web",
                state="awaiting_merchant",
                rulebook_version=loader.in_force(at).version,
                opened_at=at,
                updated_at=at,
            )
            for (at, _), r in zip(reports, made, strict=True)
        ],
        batch_size=1000,
    )


def test_flags_the_spiking_merchant_and_not_the_steady_high_volume_one():
    consumer = Consumer.objects.create(external_id="C-1", name="消费者")
    user = f.user(Role.AGENT)
    steady = f.merchant("M-STEADY", name="Big Steady")
    spiking = f.merchant("M-SPIKE", name="Sudden Spike")
    quiet = f.merchant("M-QUIET", name="Quiet Shop")
    history(steady, consumer, user, [(1000, 10)] * 7)  # 10 per 1,000 orders, every month
    history(spiking, consumer, user, [(200, 8)] + [(200, 1)] * 6)  # 40 per 1,000 now, 5 before
    history(quiet, consumer, user, [(50, 0)] * 7)

    report = compute(NOW)
    assert report.merchants == 3
    flags = {(flag.merchant.external_id, flag.reason): flag for flag in MonitoringFlag.objects.all()}
    assert set(flags) == {("M-SPIKE", "spike")}
    figures = flags[("M-SPIKE", "spike")].figures
    assert figures["reports"] == 8 and figures["orders"] == 200
    assert figures["report_rate_per_1000"] == 40.0 and figures["baseline_rate_per_1000"] == 5.0
    big = MerchantFigures.objects.get(merchant=steady)
    assert (big.orders, big.reports, big.report_rate, big.baseline_rate) == (1000, 10, 10.0, 10.0)

    # A rerun does not raise the same open flag twice; the supervisor sees and closes it.
    assert compute(NOW).flags == 0
    assert MonitoringFlag.objects.count() == 1
    supervisor = ApiClient(f.token(f.user(Role.SUPERVISOR)))
    [queued] = supervisor.get("/monitoring/flags").json()
    assert queued["merchant_id"] == "M-SPIKE" and queued["figures"]["report_rate_per_1000"] == 40.0
    assert ApiClient(f.token(f.user(Role.REVIEWER))).get("/monitoring/flags").status_code == 403
    closed = supervisor.post_json(f"/monitoring/flags/{queued['id']}/close", {"note": "已约谈商家，要求整改"})
    assert closed.json()["state"] == "closed"
    assert supervisor.get("/monitoring/flags").json() == []


def test_a_spike_needs_a_baseline_of_enough_history_else_only_the_absolute_thresholds_apply():
    # Version 2 is in force (1–6 December): [monitoring.baseline] asks 3 earlier windows with orders and 300 orders.
    now = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
    consumer = Consumer.objects.create(external_id="C-1", name="消费者")
    user = f.user(Role.AGENT)
    shops = {code: f.merchant(code) for code in ("M-SPIKE", "M-NEW", "M-NEW-HIGH", "M-THIN")}
    history(shops["M-SPIKE"], consumer, user, [(200, 8)] + [(200, 1)] * 6, now)  # 40 per 1,000 against 5
    history(shops["M-NEW"], consumer, user, [(400, 6), (150, 0)], now)  # one month of orders, no reports yet
    history(shops["M-NEW-HIGH"], consumer, user, [(100, 8), (100, 0)], now)  # 80 per 1,000: over max_report_rate
    history(shops["M-THIN"], consumer, user, [(300, 6)] + [(20, 0)] * 6, now)  # six months, 120 orders in all

    compute(now)
    flags = {(flag.merchant.external_id, flag.reason): flag.figures for flag in MonitoringFlag.objects.all()}
    assert set(flags) == {("M-SPIKE", "spike"), ("M-NEW-HIGH", "report_rate")}
    high = flags[("M-NEW-HIGH", "report_rate")]
    assert high["baseline_rate_per_1000"] is None
    assert (high["baseline_windows"], high["baseline_orders"], high["rulebook_version"]) == (1, 100, "2")
    assert (high["thresholds"]["baseline_min_windows"], high["thresholds"]["baseline_min_orders"]) == (3, 300)
    assert flags[("M-SPIKE", "spike")]["baseline_rate_per_1000"] == 5.0
    assert MerchantFigures.objects.get(merchant=shops["M-NEW"]).baseline_rate is None

    # Version 1 has no [monitoring.baseline] and reads as it always did: any earlier window with an
    # order is a baseline, so the new and the thin shops spike against zero.
    MonitoringFlag.objects.all().delete()
    compute(now, rulebook=loader.get("1"))
    spikes = {flag.merchant.external_id for flag in MonitoringFlag.objects.filter(reason="spike")}
    assert spikes == {"M-SPIKE", "M-NEW", "M-NEW-HIGH", "M-THIN"}


def test_the_worker_runs_the_job_once_a_day():
    f.merchant("M-1")
    Order.objects.create(
        external_id="O",
        consumer=Consumer.objects.create(external_id="C", name="c"),
        merchant_id=f.merchant("M-2").pk,
        amount_paid=1,
        paid_at=NOW - timedelta(days=1),
    )
    assert run_if_due(NOW) is not None
    assert run_if_due(NOW + timedelta(hours=23)) is None
    assert run_if_due(NOW + timedelta(hours=25)) is not None


def test_illegal_goods_again_after_a_warning_means_suspension(time_machine, receiver):
    time_machine.move_to(datetime(2026, 11, 1, 10, tzinfo=UTC))
    shop = f.merchant("M-ILLEGAL")
    listing = f.listing(shop, "L-PILLS", title="处方药（未经许可） Prescription pills")
    f.order(shop, "C-9", external_id="O-9")
    consumer = f.consumer_user("C-9")
    reviewer = f.user(Role.REVIEWER)

    def upheld_report():
        data = ReportIn(
            target_type="listing",
            target_id=listing.external_id,
            category="prohibited_sales",
            description="无许可销售处方药",
            remedy_wanted="none",
        )
        case = actions.file_report(consumer, data).case
        Case.objects.filter(pk=case.pk).update(state="awaiting_review")  # the merchant contested
        case.refresh_from_db()
        actions.claim_case(reviewer, case)
        actions.decide_case(
            reviewer,
            case,
            DecisionIn(
                outcome="upheld",
                reason_codes=["violation_established"],
                statement="平台核实该商品为处方药，商家无销售资质。",
            ),
        )

    for _ in range(3):
        upheld_report()
    first = compute()
    assert (first.warnings, first.suspensions) == (1, 0)
    assert compute().warnings == 0  # warned once
    upheld_report()
    again = compute()
    assert again.suspensions == 1
    suspension = Measure.objects.get(merchant=shop, kind="suspension", track="illegal_goods")
    assert (suspension.ends_at - suspension.starts_at).days == 30
    assert len(suspension.cases) == 4
