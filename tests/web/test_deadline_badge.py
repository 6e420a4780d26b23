"""The deadline badge on the merchant and review pages counts days as people do: started days."""

from datetime import UTC, datetime, timedelta

from plaint.web.casework import remaining

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def test_three_days_ahead_reads_three_days_even_a_second_later():
    assert remaining(NOW + timedelta(days=3), NOW)["days"] == 3
    assert remaining(NOW + timedelta(days=3), NOW + timedelta(seconds=1))["days"] == 3
    assert remaining(NOW + timedelta(days=1, hours=1), NOW)["days"] == 2


def test_under_a_day_counts_hours_and_past_deadlines_are_overdue():
    soon = remaining(NOW + timedelta(hours=5, minutes=30), NOW)
    assert (soon["days"], soon["hours"], soon["soon"], soon["overdue"]) == (0, 5, True, False)
    late = remaining(NOW - timedelta(hours=2, minutes=10), NOW)
    assert (late["overdue"], late["hours"], late["days"]) == (True, 2, 0)
    assert remaining(None, NOW) is None
