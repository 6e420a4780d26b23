"""The monitoring job (daily in the worker, or `manage.py run_monitoring`): each merchant's report
rate per 1,000 orders and upheld rate, against its own
history and the rulebook's thresholds; flags go to the supervisors' queue with the figures.

A spike is measured against the merchant's baseline, which exists only once its history holds the
rulebook's [monitoring.baseline] (earlier windows with orders, and orders in them); without it only
the absolute thresholds (max_report_rate, max_upheld_rate) apply.

Every figure comes from one grouped query per table over all merchants, so the job's cost grows
with the rows in its windows, not with one query per merchant.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from plaint.cases.models import Case, Decision
from plaint.enforcement.actions import start_measure
from plaint.enforcement.models import Measure
from plaint.marketplace.models import Merchant, Order
from plaint.rulebook import loader
from plaint.rulebook.schema import Monitoring, Rulebook

from .models import MerchantFigures, MonitoringFlag

UPHELD = ("upheld", "partly_upheld")
OWN_INITIATIVE = "own_initiative"
ILLEGAL_TRACK = "illegal_goods"


@dataclass
class MonitoringReport:
    merchants: int = 0
    flags: int = 0
    warnings: int = 0
    suspensions: int = 0


def _windows(now: datetime, config: Monitoring) -> list[tuple[datetime, datetime]]:
    """Return [current, previous, ...] windows as (start, end), newest first."""
    width = timedelta(days=config.window_days)
    return [(now - width * (k + 1), now - width * k) for k in range(config.history_windows + 1)]


def _counts(queryset: object, merchant_field: str, time_field: str, windows: list) -> dict[int, list[int]]:
    annotations = {
        f"w{k}": Count("id", filter=Q(**{f"{time_field}__gte": start, f"{time_field}__lt": end}))
        for k, (start, end) in enumerate(windows)
    }
    rows = (
        queryset.filter(**{f"{time_field}__gte": windows[-1][0], f"{time_field}__lt": windows[0][1]})
        .values(merchant_field)
        .annotate(**annotations)
    )
    return {row[merchant_field]: [row[f"w{k}"] for k in range(len(windows))] for row in rows}


def compute(now: datetime | None = None, rulebook: Rulebook | None = None) -> MonitoringReport:
    """Compute every active merchant's figures, store them, and raise flags; return the counts."""
    now = now or timezone.now()
    rulebook = rulebook or loader.in_force(now)
    config = rulebook.monitoring
    report = MonitoringReport()
    if config is None:
        return report
    windows = _windows(now, config)
    orders = _counts(Order.objects.all(), "merchant_id", "paid_at", windows)
    # Consumers' reports only: the platform's own investigations are its response to these figures,
    # and counting them would feed the spike they answer.
    reports = _counts(Case.objects.exclude(channel=OWN_INITIATIVE), "merchant_id", "opened_at", windows)
    current_start = windows[0][0]
    decided = {
        row["case__merchant_id"]: (row["decided"], row["upheld"])
        for row in Decision.objects.filter(decided_at__gte=current_start, decided_at__lt=now)
        .exclude(case__channel=OWN_INITIATIVE)
        .values("case__merchant_id")
        .annotate(decided=Count("id"), upheld=Count("id", filter=Q(outcome__in=UPHELD)))
    }
    rule = config.baseline_rule()
    figures, flags = [], []
    for merchant_id in set(orders) | set(reports):
        per_orders = orders.get(merchant_id, [0] * len(windows))
        per_reports = reports.get(merchant_id, [0] * len(windows))
        rates = [r / o * 1000 if o else None for r, o in zip(per_reports, per_orders, strict=True)]
        history = [rate for rate in rates[1:] if rate is not None]
        history_orders = sum(per_orders[1:])
        # Without enough history there is no baseline, so no spike: a new shop's first reports
        # against a month of orders and no reports yet would otherwise spike against zero.
        enough = len(history) >= rule.min_windows and history_orders >= rule.min_orders
        baseline = sum(history) / len(history) if history and enough else None
        n_decided, n_upheld = decided.get(merchant_id, (0, 0))
        row = MerchantFigures(
            merchant_id=merchant_id,
            computed_at=now,
            window_start=current_start,
            orders=per_orders[0],
            reports=per_reports[0],
            decided=n_decided,
            upheld=n_upheld,
            report_rate=rates[0] or 0.0,
            upheld_rate=n_upheld / n_decided if n_decided else None,
            baseline_rate=baseline,
        )
        figures.append(row)
        shown = _figures(row, config) | {
            "baseline_windows": len(history),
            "baseline_orders": history_orders,
            "rulebook_version": rulebook.version,
        }
        flags += [
            MonitoringFlag(merchant_id=merchant_id, reason=reason, figures=shown, raised_at=now)
            for reason in _reasons(row, config)
        ]
    with transaction.atomic():
        MerchantFigures.objects.bulk_create(figures, batch_size=2000)
        # An open flag of the same reason stays as it is; only new ones are added.
        before = MonitoringFlag.objects.filter(state="open").count()
        MonitoringFlag.objects.bulk_create(flags, batch_size=2000, ignore_conflicts=True)
        report.flags = MonitoringFlag.objects.filter(state="open").count() - before
    report.merchants = len(figures)
    if config.illegal_goods:
        report.warnings, report.suspensions = _illegal_goods(rulebook, config, now)
    return report


def _reasons(row: MerchantFigures, config: Monitoring) -> list[str]:
    reasons = []
    if row.reports >= config.min_reports:
        if row.baseline_rate is not None and row.report_rate >= config.spike_factor * row.baseline_rate:
            reasons.append("spike")
        if row.report_rate >= config.max_report_rate:
            reasons.append("report_rate")
    if row.decided >= config.min_decided and row.upheld_rate is not None and row.upheld_rate >= config.max_upheld_rate:
        reasons.append("upheld_rate")
    return reasons


def _figures(row: MerchantFigures, config: Monitoring) -> dict:
    return {
        "window_days": config.window_days,
        "window_start": row.window_start.isoformat(),
        "orders": row.orders,
        "reports": row.reports,
        "report_rate_per_1000": round(row.report_rate, 2),
        "baseline_rate_per_1000": round(row.baseline_rate, 2) if row.baseline_rate is not None else None,
        "decided": row.decided,
        "upheld": row.upheld,
        "upheld_rate": round(row.upheld_rate, 3) if row.upheld_rate is not None else None,
        "thresholds": {
            "spike_factor": config.spike_factor,
            "baseline_min_windows": config.baseline_rule().min_windows,
            "baseline_min_orders": config.baseline_rule().min_orders,
            "max_report_rate": config.max_report_rate,
            "max_upheld_rate": config.max_upheld_rate,
        },
    }


def _illegal_goods(rulebook: Rulebook, config: Monitoring, now: datetime) -> tuple[int, int]:
    """Warn merchants that often sell manifestly illegal goods; suspend those who do it again after it."""
    rule = config.illegal_goods
    since = now - timedelta(days=rule.within_days)
    upheld = (
        Decision.objects.filter(case__category=rule.category, outcome__in=UPHELD, decided_at__gte=since)
        .values("case__merchant_id")
        .annotate(count=Count("id"), last_case=Max("case_id"))
        .filter(count__gte=rule.count)
    )
    warnings = suspensions = 0
    for row in upheld:
        merchant = Merchant.objects.get(pk=row["case__merchant_id"])
        trigger = Case.objects.get(pk=row["last_case"])
        cases = list(
            Case.objects.filter(
                merchant=merchant,
                category=rule.category,
                decisions__outcome__in=UPHELD,
                decisions__decided_at__gte=since,
            ).values_list("reference", flat=True)
        )
        previous = Measure.objects.filter(merchant=merchant, track=ILLEGAL_TRACK, revoked_at__isnull=True)
        warning = previous.filter(kind="warning", starts_at__gte=since).order_by("-starts_at").first()
        if warning is None:
            kind, days = "warning", None
        else:
            again = Decision.objects.filter(
                case__merchant=merchant,
                case__category=rule.category,
                outcome__in=UPHELD,
                decided_at__gt=warning.starts_at,
            ).exists()
            if not again or previous.filter(kind="suspension", starts_at__gte=warning.starts_at).exists():
                continue
            kind, days = "suspension", rule.suspension_days
        start_measure(
            merchant,
            kind=kind,
            track=ILLEGAL_TRACK,
            threshold=rule.count,
            trigger_case=trigger,
            cases=cases,
            rulebook=rulebook,
            now=now,
            days=days,
        )
        if kind == "warning":
            warnings += 1
        else:
            suspensions += 1
    return warnings, suspensions


def run_if_due(now: datetime | None = None) -> MonitoringReport | None:
    """Run the job once a day (for the worker's periodic pass); None when it ran in the last 24 hours."""
    now = now or timezone.now()
    last = MerchantFigures.objects.aggregate(last=Max("computed_at"))["last"]
    if last and now - last < timedelta(days=1):
        return None
    return compute(now)
