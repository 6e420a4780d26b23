"""Reading the transparency report of a period (month, quarter or year) from the monthly figures.

A period is a union of whole months, so its figures are sums of MonthlyFigure rows: at most twelve
months × categories × channels × figures, whatever the number of cases. Medians and 90th percentiles
are read from the summed histograms (jobs.BUCKETS), interpolating linearly inside the bucket that
holds the percentile: the figure is exact to within that bucket's width.
"""

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Max, Sum

from plaint.errors import InvalidInput

from .jobs import BUCKETS, OVERFLOW
from .models import ComputedDay, MonthlyFigure

PERIOD_FORMAT = re.compile(r"^(?P<year>\d{4})(?:-(?:(?P<month>0[1-9]|1[0-2])|Q(?P<quarter>[1-4])))?$")
PERIOD_HINT = "Write a month as 2026-11, a quarter as 2026-Q4, or a year as 2026."
OUTCOMES = ("upheld", "partly_upheld", "not_upheld")
ADMISSIBILITY = ("admitted", "needs_evidence", "inadmissible")
APPEAL_RESULTS = ("confirmed", "overturned", "varied")
CHANGED = ("overturned", "varied")


@dataclass(frozen=True)
class Period:
    label: str
    kind: str  # month, quarter, year
    first: date  # the first day
    last: date  # the last day

    @property
    def months(self) -> list[date]:
        """Return the first day of each month of the period."""
        return [date(self.first.year, m, 1) for m in range(self.first.month, self.last.month + 1)]


def _last_day(year: int, month: int) -> date:
    following = date(year + month // 12, month % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1)


def parse_period(text: str) -> Period:
    """Return the period a label names: `2026-11`, `2026-Q4` or `2026`; InvalidInput naming `period` if none."""
    found = PERIOD_FORMAT.match(text.strip()) if isinstance(text, str) else None
    if found is None or not 2000 <= int(found["year"]) <= 2999:
        raise InvalidInput("invalid_period", f"{text!r} is not a period.", field="period", hint=PERIOD_HINT)
    year = int(found["year"])
    if found["month"]:
        month = int(found["month"])
        return Period(f"{year}-{month:02d}", "month", date(year, month, 1), _last_day(year, month))
    if found["quarter"]:
        quarter = int(found["quarter"])
        return Period(f"{year}-Q{quarter}", "quarter", date(year, 3 * quarter - 2, 1), _last_day(year, 3 * quarter))
    return Period(str(year), "year", date(year, 1, 1), date(year, 12, 31))


def previous_periods(today: date, count: int = 6) -> list[Period]:
    """Return the period picker's choices: recent months, then recent quarters and years, newest first."""
    months, year, month = [], today.year, today.month
    for _ in range(count):
        months.append(parse_period(f"{year}-{month:02d}"))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    y, q = today.year, (today.month - 1) // 3 + 1
    quarters = []
    for _ in range(4):
        quarters.append(parse_period(f"{y}-Q{q}"))
        y, q = (y, q - 1) if q > 1 else (y - 1, 4)
    years = [parse_period(str(today.year - k)) for k in range(2)]
    return months + quarters + years


def percentile(histogram: dict[str, int], share: float) -> float | None:
    """Return the `share` percentile (0.5 for the median) of a bucket histogram, in hours.

    None for an empty histogram; the last bucket's lower bound when the percentile falls past it
    (the report then says "more than").
    """
    total = sum(histogram.values())
    if total == 0:
        return None
    rank = share * total
    seen, lower = 0, 0.0
    for bound in BUCKETS:
        n = histogram.get(str(bound), 0)
        if n and seen + n >= rank:
            return round(lower + (bound - lower) * (rank - seen) / n, 1)
        seen += n
        lower = float(bound)
    return float(BUCKETS[-1])


def _times(histogram: dict[str, int]) -> dict[str, Any]:
    median, p90 = percentile(histogram, 0.5), percentile(histogram, 0.9)
    past = histogram.get(OVERFLOW, 0)
    total = sum(histogram.values())
    return {
        "count": total,
        "median_hours": median,
        "p90_hours": p90,
        # Whether a percentile lies past the last bucket: then it is "more than" the value given.
        "median_beyond_last_bucket": bool(total) and total - past < 0.5 * total,
        "p90_beyond_last_bucket": bool(total) and total - past < 0.9 * total,
        "histogram": [{"up_to_hours": bound, "count": histogram.get(str(bound), 0)} for bound in BUCKETS]
        + [{"up_to_hours": None, "count": past}],
    }


def report(period: Period, category: str | None = None, channel: str | None = None) -> dict[str, Any]:
    """Return the period's figures for one category and/or channel, or all of them."""
    rows = MonthlyFigure.objects.filter(month__in=period.months)
    if category:
        rows = rows.filter(category=category)
    if channel:
        rows = rows.filter(channel=channel)
    sums: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    amounts: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows.values("figure", "key").annotate(v=Sum("value"), a=Sum("amount")).order_by():
        sums[row["figure"]][row["key"]] += row["v"]
        if row["a"] is not None:
            amounts[row["key"]] += row["a"]
    by: dict[str, dict[str, dict[str, int]]] = {"category": {}, "channel": {}}
    for dimension in ("category", "channel"):
        for row in (
            rows.filter(figure__in=("received", "decided"))
            .values(dimension, "figure")
            .annotate(v=Sum("value"))
            .order_by()
        ):
            entry = by[dimension].setdefault(row[dimension], {"received": 0, "decided": 0})
            entry[row["figure"]] += row["v"]
    through = ComputedDay.objects.filter(day__gte=period.first, day__lte=period.last).aggregate(last=Max("day"))
    decided = sums["decided"]
    appeals_decided = sums["appeals_decided"]
    return {
        "period": period.label,
        "from": period.first.isoformat(),
        "to": period.last.isoformat(),
        "computed_through": through["last"].isoformat() if through["last"] else None,
        "category": category or None,
        "channel": channel or None,
        "reports_received": sums["received"][""],
        "admissibility": {key: sums["admissibility"][key] for key in ADMISSIBILITY},
        "inadmissible_by_reason": dict(sorted(sums["inadmissible_reason"].items())),
        "withdrawn": sums["withdrawn"][""],
        "resolved_by_merchant": sums["resolved_by_merchant"][""],
        "decided": {"total": sum(decided.values())} | {key: decided[key] for key in OUTCOMES},
        # "automated" is every automated decision: by a clock under the rulebook, or by an automated rule.
        "decided_by": {
            "people": sums["decided_by"]["people"],
            "automated": sums["decided_by"]["automated"] + sums["decided_by"]["automated_rule"],
            "automated_by_clock": sums["decided_by"]["automated"],
            "automated_by_rule": sums["decided_by"]["automated_rule"],
        },
        "time_to_merchant_answer": _times(sums["hours_to_answer"]),
        "time_to_decision": _times(sums["hours_to_decision"]),
        "appeals": {
            "filed": sum(sums["appeals_filed"].values()),
            "filed_by": {"reporter": sums["appeals_filed"]["reporter"], "merchant": sums["appeals_filed"]["merchant"]},
            "decided": sum(appeals_decided.values()),
            "outcomes_changed": sum(appeals_decided[key] for key in CHANGED),
            "results": {key: appeals_decided[key] for key in APPEAL_RESULTS},
        },
        "remedies": {
            "count": sum(sums["remedies"].values()),
            "by_currency": [
                {"currency": currency, "count": count, "total": f"{amounts[currency]:.2f}"}
                for currency, count in sorted(sums["remedies"].items())
            ],
        },
        "points_awarded": sums["points"][""],
        "measures_started": dict(sorted(sums["measures"].items())),
        "merchants_suspended_or_removed": {
            key: sums["merchants_suspended_removed"][key] for key in ("suspension", "removal")
        },
        "by_category": [{"category": key} | value for key, value in sorted(by["category"].items())],
        "by_channel": [{"channel": key} | value for key, value in sorted(by["channel"].items())],
    }


def rows_for_csv(period: Period, category: str | None = None, channel: str | None = None) -> list[list[str]]:
    """Return the period's figures per category, channel, figure and key, as the CSV download's lines."""
    rows = MonthlyFigure.objects.filter(month__in=period.months)
    if category:
        rows = rows.filter(category=category)
    if channel:
        rows = rows.filter(channel=channel)
    lines = [["period", "category", "channel", "figure", "key", "value", "amount"]]
    for row in (
        rows.values("category", "channel", "figure", "key")
        .annotate(v=Sum("value"), a=Sum("amount"))
        .order_by("category", "channel", "figure", "key")
    ):
        amount = f"{row['a']:.2f}" if row["a"] is not None else ""
        lines.append([period.label, row["category"], row["channel"], row["figure"], row["key"], str(row["v"]), amount])
    return lines
