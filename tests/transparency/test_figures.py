"""The daily job's figures on the known cases of conftest.py: each figure checked, and a day run twice
counts once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from plaint.cases import actions
from plaint.enforcement.models import Measure, PointEntry, RemedyInstruction
from plaint.transparency.jobs import compute_day, compute_range, run_if_due
from plaint.transparency.models import ComputedDay, DailyFigure, MonthlyFigure
from plaint.transparency.report import parse_period, percentile, report

from .conftest import DAY, at

pytestmark = pytest.mark.django_db


def test_every_figure_of_the_day(world):
    compute_day(DAY)
    figures = report(parse_period("2026-12"))
    assert figures["period"] == "2026-12" and figures["computed_through"] == "2026-12-03"
    assert figures["reports_received"] == 5
    assert figures["admissibility"] == {"admitted": 3, "needs_evidence": 1, "inadmissible": 1}
    assert figures["inadmissible_by_reason"] == {"out_of_window": 1}
    assert figures["withdrawn"] == 1
    assert figures["resolved_by_merchant"] == 1
    # A's first decision; the one the appeal made is counted as the appeal's result, not a second decision.
    assert figures["decided"] == {"total": 1, "upheld": 1, "partly_upheld": 0, "not_upheld": 0}
    assert figures["decided_by"] == {"people": 1, "automated": 0, "automated_by_clock": 0, "automated_by_rule": 0}
    answer = figures["time_to_merchant_answer"]
    # A answered after 2 hours, C after 3.5: both in the bucket from 2 up to (not including) 4 hours.
    assert answer["count"] == 2
    assert answer["median_hours"] == 3.0 and answer["p90_hours"] == 3.8
    assert set(DailyFigure.objects.filter(figure="hours_to_answer").values_list("key", flat=True)) == {"4"}
    decision = figures["time_to_decision"]
    assert decision["count"] == 1 and decision["median_hours"] == 7.0  # 6 h, in the 6–8 h bucket
    assert figures["appeals"] == {
        "filed": 1,
        "filed_by": {"reporter": 0, "merchant": 1},
        "decided": 1,
        "outcomes_changed": 1,
        "results": {"confirmed": 0, "overturned": 1, "varied": 0},
    }
    instructions = RemedyInstruction.objects.filter(issued_at__date=DAY)
    assert instructions.count() >= 1
    assert figures["remedies"]["count"] == instructions.count()
    assert figures["remedies"]["by_currency"] == [
        {"currency": "CNY", "count": instructions.count(), "total": f"{sum(i.amount for i in instructions):.2f}"}
    ]
    awarded = sum(PointEntry.objects.values_list("points", flat=True))
    assert awarded > 0 and figures["points_awarded"] == awarded
    kinds = sorted(Measure.objects.values_list("kind", flat=True))
    assert kinds and sum(figures["measures_started"].values()) == len(kinds)
    assert sorted(k for k, n in figures["measures_started"].items() for _ in range(n)) == kinds
    assert figures["merchants_suspended_or_removed"] == {
        "suspension": Measure.objects.filter(kind="suspension").values("merchant").distinct().count(),
        "removal": 0,
    }
    by_channel = {row["channel"]: row for row in figures["by_channel"]}
    assert by_channel["hotline"] == {"channel": "hotline", "received": 1, "decided": 0}
    assert by_channel["web"] == {"channel": "web", "received": 4, "decided": 1}
    by_category = {row["category"]: row["received"] for row in figures["by_category"]}
    assert by_category == {"counterfeit": 2, "product_quality": 3}


def test_filters_by_category_and_channel(world):
    compute_day(DAY)
    hotline = report(parse_period("2026-12"), channel="hotline")
    assert hotline["reports_received"] == 1 and hotline["resolved_by_merchant"] == 1 and hotline["withdrawn"] == 0
    counterfeit = report(parse_period("2026-Q4"), category="counterfeit")
    assert counterfeit["reports_received"] == 2 and counterfeit["admissibility"]["needs_evidence"] == 1
    assert report(parse_period("2026-11"))["reports_received"] == 0
    assert report(parse_period("2026"))["reports_received"] == 5


def test_running_a_day_again_does_not_count_twice(world):
    first = compute_day(DAY)
    daily = sorted(DailyFigure.objects.values_list("category", "channel", "figure", "key", "value"))
    monthly = sorted(MonthlyFigure.objects.values_list("category", "channel", "figure", "key", "value"))
    assert compute_day(DAY) == first
    compute_range(DAY, DAY)
    assert sorted(DailyFigure.objects.values_list("category", "channel", "figure", "key", "value")) == daily
    assert sorted(MonthlyFigure.objects.values_list("category", "channel", "figure", "key", "value")) == monthly
    assert report(parse_period("2026-12"))["reports_received"] == 5
    assert ComputedDay.objects.count() == 1


def test_an_automated_close_days_later_counts_on_its_own_day(world, time_machine):
    due = timezone.localtime(world.e.evidence_due_at)
    later = due + timedelta(minutes=5)
    time_machine.move_to(later, tick=False)
    assert actions.close_for_missing_evidence(world.e, now=later) is not None
    compute_range(DAY, later.date())
    figures = report(parse_period("2026-12"))
    assert figures["decided"]["not_upheld"] == 1 and figures["decided"]["total"] == 2
    assert figures["decided_by"] == {"people": 1, "automated": 1, "automated_by_clock": 1, "automated_by_rule": 0}
    assert figures["time_to_decision"]["count"] == 2
    hours = (later - at(10)).total_seconds() / 3600
    assert figures["time_to_decision"]["p90_hours"] > 24 and hours > 24
    day_of_close = DailyFigure.objects.filter(day=later.date(), figure="decided_by").get()
    assert (day_of_close.key, day_of_close.value) == ("automated", 1)


def test_the_worker_computes_up_to_yesterday_once(world):
    assert run_if_due(at(9, day=DAY + timedelta(days=1))) == (1, DailyFigure.objects.filter(day=DAY).count())
    assert run_if_due(at(15, day=DAY + timedelta(days=1))) is None
    assert run_if_due(at(1, day=DAY + timedelta(days=3))) == (2, 0)


def test_percentiles_interpolate_inside_the_bucket():
    assert percentile({}, 0.5) is None
    assert percentile({"24": 10}, 0.5) == 22.0  # half-way through the 20–24 h bucket
    assert percentile({"1": 1, "inf": 9}, 0.5) == 720.0  # past the last bucket: "more than 720 h"
    assert percentile({"2": 2, "4": 2}, 0.5) == 2.0
