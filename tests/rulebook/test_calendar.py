"""Business time over weekends, Chinese public holidays and their make-up working days."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from plaint.rulebook.calendar import calendar, parse_calendar
from plaint.rulebook.loader import RulebookError

CN = calendar("cn")
SH = ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


def test_working_days_follow_the_holidays_and_the_make_up_days():
    assert CN.is_working_day(at(2026, 11, 24).date())  # a Tuesday
    assert not CN.is_working_day(at(2026, 11, 28).date())  # a Saturday
    assert not CN.is_working_day(at(2026, 10, 5).date())  # National Day, a Monday
    assert CN.is_working_day(at(2026, 9, 20).date())  # a Sunday worked for National Day
    assert CN.is_working_day(at(2026, 10, 10).date())  # a Saturday worked for National Day


def test_hours_within_a_day_and_across_the_night():
    assert CN.add(at(2026, 11, 24, 10), timedelta(hours=3)) == at(2026, 11, 24, 13)
    assert CN.add(at(2026, 11, 24, 16), timedelta(hours=4)) == at(2026, 11, 25, 11)
    assert CN.add(at(2026, 11, 24, 20), timedelta(hours=1)) == at(2026, 11, 25, 10)  # after hours: from 09:00
    assert CN.add(at(2026, 11, 24, 9), timedelta(hours=9)) == at(2026, 11, 24, 18)  # ends at closing


def test_a_weekend_does_not_count():
    # Friday 17:00 + 2 business hours = Monday 10:00.
    assert CN.add(at(2026, 11, 27, 17), timedelta(hours=2)) == at(2026, 11, 30, 10)


def test_national_day_does_not_count_and_its_make_up_day_does():
    # Wednesday 30 September 17:00 + 2 hours: 1-7 October are off, Thursday 8 October 10:00.
    assert CN.add(at(2026, 9, 30, 17), timedelta(hours=2)) == at(2026, 10, 8, 10)
    # Saturday 19 September 17:00 + 2 hours: Sunday 20 September is worked.
    assert CN.add(at(2026, 9, 19, 17), timedelta(hours=2)) == at(2026, 9, 20, 11)


def test_business_time_between_two_moments():
    assert CN.between(at(2026, 11, 27, 17), at(2026, 11, 30, 10)) == timedelta(hours=2)
    assert CN.between(at(2026, 9, 30, 9), at(2026, 10, 8, 9)) == timedelta(hours=9)
    assert CN.between(at(2026, 11, 30, 10), at(2026, 11, 27, 17)) == timedelta(0)


def test_add_and_between_agree():
    start = at(2026, 9, 28, 15, 30)
    for hours in (1, 5, 9, 20, 47):
        end = CN.add(start, timedelta(hours=hours))
        assert CN.between(start, end) == timedelta(hours=hours)


def test_a_bad_calendar_names_the_file_and_the_field():
    with pytest.raises(RulebookError, match="cal.toml: field weekdays"):
        parse_calendar(
            'name="x"\ntime_zone="UTC"\nworking_hours={start="09:00", end="18:00"}\nweekdays=[0]', "cal.toml"
        )
    with pytest.raises(RulebookError, match="both a holiday and a make-up working day"):
        parse_calendar(
            'name="x"\ntime_zone="UTC"\nworking_hours={start="09:00", end="18:00"}\nweekdays=[1]\n'
            "holidays=[2026-10-10]\nworkdays=[2026-10-10]",
            "cal.toml",
        )
