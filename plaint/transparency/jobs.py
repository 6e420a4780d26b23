"""The transparency job (daily in the worker, or `manage.py transparency_compute --from --to`).

Each figure of a day is one grouped query (GROUP BY category, channel and the figure's key in the
database); only the grouped counts come back to Python, never cases. A day is dated in
PLAINT_TIME_ZONE, and each figure counts the moment its own fact happened: a report the day it was
filed, a decision the day it was made, an appeal the day it was filed and again the day it was decided.
A day is computed in one transaction that first deletes what an earlier run wrote for it, so running a
day again replaces its figures instead of adding to them; its month is then summed again from its days.

Times from filing to the merchant's answer and to the decision are stored as per-day histograms with
fixed buckets (`BUCKETS`, upper bounds in calendar hours): histograms of days add up to the histogram of
a month, a quarter or a year, from which periods.py reads the median and the 90th percentile. A
percentile of per-day percentiles would be wrong, and computing them from the cases per request would
not keep the page fast.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import (
    Case as SqlCase,
)
from django.db.models import (
    Count,
    Exists,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.fields.json import KT
from django.utils import timezone

from plaint.cases.models import Appeal, Case, Decision, MerchantResponse
from plaint.enforcement.models import Measure, PointEntry, RemedyInstruction

from .models import ComputedDay, DailyFigure, MonthlyFigure

# Upper bounds, in calendar hours, of the time histograms' buckets; a time past the last is in "inf".
# Fine where most answers fall (the first days), coarser after; periods.py interpolates inside a bucket.
BUCKETS = (1, 2, 4, 6, 8, 12, 16, 20, 24, 30, 36, 42, 48, 60, 72, 84, 96, 120, 144, 168, 216, 264, 336, 504, 720)
OVERFLOW = "inf"
# The measures whose merchants the report counts as suspended or removed.
SUSPENDING = ("suspension", "removal")
# Catch-up after downtime or on a first run: at most this many days per worker pass, so the job never
# holds the worker (and the clocks behind it) for long; the next passes go on where it stopped.
DAYS_PER_PASS = 7


class HoursBetween(Func):
    """Calendar hours from `start` to `end`, as a float, in the database (SQLite and PostgreSQL)."""

    output_field = FloatField()
    arity = 2

    def as_sql(self, compiler, connection, **extra):  # noqa: ANN001, ANN003, ANN201
        start, end = self.get_source_expressions()
        start_sql, start_params = compiler.compile(start)
        end_sql, end_params = compiler.compile(end)
        if connection.vendor == "sqlite":
            # julianday() is a float of days: rounded to whole seconds, 2 hours is 2.0, not 1.9999999.
            sql = f"(ROUND((julianday({end_sql}) - julianday({start_sql})) * 86400.0) / 3600.0)"
        else:
            sql = f"(EXTRACT(EPOCH FROM ({end_sql} - {start_sql})) / 3600.0)"
        return sql, (*end_params, *start_params)


def bucket_of_lag() -> SqlCase:
    """Return the SQL CASE naming the histogram bucket of the annotation `lag` (its upper bound, or "inf")."""
    return SqlCase(
        *[When(Q(lag__lt=bound), then=Value(str(bound))) for bound in BUCKETS],
        default=Value(OVERFLOW),
    )


@dataclass(frozen=True)
class Row:
    category: str
    channel: str
    figure: str
    key: str
    value: int
    amount: Decimal | None = None


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """Return the aware start and end (exclusive) of `day` in the configured time zone."""
    zone = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(day, time.min), zone)
    end = timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min), zone)
    return start, end


def _grouped(
    queryset: QuerySet, figure: str, prefix: str, key: object = None, value: object = None, amount: object = None
) -> Iterator[Row]:
    """Group `queryset` by category, channel (through `prefix`, "" or "case__") and `key`; yield the rows."""
    names = {"c": F(f"{prefix}category"), "ch": F(f"{prefix}channel")}
    if key is not None:
        names["k"] = key
    aggregates = {"v": value if value is not None else Count("pk")}
    if amount is not None:
        aggregates["a"] = amount
    for row in queryset.values(**names).annotate(**aggregates).order_by():
        yield Row(row["c"], row["ch"], figure, str(row.get("k") or ""), row["v"] or 0, row.get("a"))


def figures_of_day(day: date) -> list[Row]:
    """Return every figure of `day`, grouped in the database; rows whose value is 0 are left out."""
    start, end = day_bounds(day)
    filed = Case.objects.filter(opened_at__gte=start, opened_at__lt=end)
    closed = Case.objects.filter(closed_at__gte=start, closed_at__lt=end)
    # The first decision of a case; the decisions an appeal makes are counted as the appeal's result.
    first_decisions = Decision.objects.filter(appeal__isnull=True).exclude(
        Exists(
            Decision.objects.filter(case=OuterRef("case"), appeal__isnull=True, decided_at__lt=OuterRef("decided_at"))
        )
    )
    decided = first_decisions.filter(decided_at__gte=start, decided_at__lt=end)
    answers = (
        MerchantResponse.objects.filter(responded_at__gte=start, responded_at__lt=end)
        .exclude(
            Exists(MerchantResponse.objects.filter(case=OuterRef("case"), responded_at__lt=OuterRef("responded_at")))
        )
        .annotate(lag=HoursBetween(F("case__opened_at"), F("responded_at")))
    )
    decided_lag = decided.annotate(lag=HoursBetween(F("case__opened_at"), F("decided_at")))
    appeals_filed = Appeal.objects.filter(filed_at__gte=start, filed_at__lt=end)
    appeals_decided = Appeal.objects.filter(decided_at__gte=start, decided_at__lt=end, state="decided")
    measures = Measure.objects.filter(starts_at__gte=start, starts_at__lt=end)
    parts: Iterable[Iterator[Row]] = (
        _grouped(filed, "received", ""),
        _grouped(filed, "admissibility", "", key=KT("admissibility__outcome")),
        _grouped(
            filed.filter(admissibility__outcome="inadmissible"),
            "inadmissible_reason",
            "",
            key=KT("admissibility__reason_code"),
        ),
        _grouped(closed.filter(state="withdrawn"), "withdrawn", ""),
        _grouped(closed.filter(state="resolved"), "resolved_by_merchant", ""),
        _grouped(decided, "decided", "case__", key=F("outcome")),
        _grouped(
            decided,
            "decided_by",
            "case__",
            # An automated rule's decision ([[auto_rules]]) apart from a clock's (evidence deadline, silence).
            key=SqlCase(
                When(automated=True, auto_rule="", then=Value("automated")),
                When(automated=True, then=Value("automated_rule")),
                default=Value("people"),
            ),
        ),
        _grouped(answers, "hours_to_answer", "case__", key=bucket_of_lag()),
        _grouped(decided_lag, "hours_to_decision", "case__", key=bucket_of_lag()),
        _grouped(appeals_filed, "appeals_filed", "case__", key=F("party")),
        _grouped(appeals_decided, "appeals_decided", "case__", key=F("result")),
        _grouped(
            RemedyInstruction.objects.filter(issued_at__gte=start, issued_at__lt=end),
            "remedies",
            "case__",
            key=F("currency"),
            amount=Sum("amount"),
        ),
        _grouped(
            PointEntry.objects.filter(awarded_at__gte=start, awarded_at__lt=end),
            "points",
            "case__",
            value=Sum("points"),
        ),
        _grouped(measures, "measures", "trigger_case__", key=F("kind")),
        _grouped(
            measures.filter(kind__in=SUSPENDING),
            "merchants_suspended_removed",
            "trigger_case__",
            key=F("kind"),
            value=Count("merchant", distinct=True),
        ),
    )
    return [row for part in parts for row in part if row.value]


@transaction.atomic
def compute_day(day: date, now: datetime | None = None, *, roll_up: bool = True) -> int:
    """Compute `day`'s figures, replacing any earlier run's, and sum its month again; return the rows written.

    `roll_up=False` leaves the month to the caller (compute_range sums each month once, after its days).
    """
    now = now or timezone.now()
    rows = figures_of_day(day)
    DailyFigure.objects.filter(day=day).delete()
    DailyFigure.objects.bulk_create(
        [
            DailyFigure(
                day=day,
                category=r.category,
                channel=r.channel,
                figure=r.figure,
                key=r.key,
                value=r.value,
                amount=r.amount,
            )
            for r in rows
        ],
        batch_size=2000,
    )
    ComputedDay.objects.update_or_create(day=day, defaults={"computed_at": now, "rows": len(rows)})
    if roll_up:
        _roll_up(day.replace(day=1))
    return len(rows)


def _roll_up(month: date) -> None:
    """Sum the month's days into MonthlyFigure (in the database), replacing the month's rows."""
    following = (month + timedelta(days=32)).replace(day=1)
    MonthlyFigure.objects.filter(month=month).delete()
    sums = (
        DailyFigure.objects.filter(day__gte=month, day__lt=following)
        .values("category", "channel", "figure", "key")
        .annotate(v=Sum("value"), a=Sum("amount"))
        .order_by()
    )
    MonthlyFigure.objects.bulk_create(
        [
            MonthlyFigure(
                month=month,
                category=s["category"],
                channel=s["channel"],
                figure=s["figure"],
                key=s["key"],
                value=s["v"],
                amount=s["a"],
            )
            for s in sums
        ],
        batch_size=2000,
    )


def compute_range(first: date, last: date, now: datetime | None = None) -> tuple[int, int]:
    """Compute every day from `first` to `last` (inclusive); return (days, rows).

    Each month is summed once, after its last day in the range: summing it again after every day would
    rewrite its rows once a day, and a year's backfill would leave the monthly table mostly dead rows.
    """
    days = rows = 0
    day = first
    while day <= last:
        rows += compute_day(day, now, roll_up=False)
        days += 1
        following = day + timedelta(days=1)
        if following > last or following.month != day.month:
            with transaction.atomic():
                _roll_up(day.replace(day=1))
        day = following
    return days, rows


def run_if_due(now: datetime | None = None) -> tuple[int, int] | None:
    """Compute the days since the last computed one up to yesterday (for the worker's periodic pass).

    None when yesterday is computed already. On a first run it starts at the first case's day; at most
    DAYS_PER_PASS days per call, so a long history is caught up over several passes.
    """
    now = now or timezone.now()
    yesterday = timezone.localdate(now) - timedelta(days=1)
    last = ComputedDay.objects.order_by("-day").values_list("day", flat=True).first()
    if last is not None:
        first = last + timedelta(days=1)
    else:
        opened = Case.objects.order_by("opened_at").values_list("opened_at", flat=True).first()
        if opened is None:
            return None
        first = timezone.localdate(opened)
    if first > yesterday:
        return None
    return compute_range(first, min(yesterday, first + timedelta(days=DAYS_PER_PASS - 1)), now)
