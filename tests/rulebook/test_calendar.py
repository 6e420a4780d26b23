"""Business time over weekends, Chinese public holidays and their make-up working days."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from plaint.rulebook import loader
from plaint.rulebook.calendar import calendar, clock_for, parse_calendar, reckon_deadline
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
            "holidays=[2026-10-10]\nworkdays=[2026-10-10]\nyears=[2026]",
            "cal.toml",
        )


HEAD = 'name="x"\ntime_zone="Asia/Shanghai"\nworking_hours={start="09:00", end="18:00"}\nweekdays=[1,2,3,4,5]\n'


# A calendar holding 2026's arrangement only (rulebook/calendars/cn.toml grows a year at a time).
ONE_YEAR = parse_calendar(HEAD + "holidays=[2026-10-01]\nyears=[2026]", "one-year.toml")


def test_business_time_past_the_last_listed_year_follows_the_weekday_rule_and_says_so():
    assert ONE_YEAR.covers(date(2026, 12, 31)) and not ONE_YEAR.covers(date(2027, 1, 1))
    assert ONE_YEAR.is_working_day(date(2027, 1, 1))  # a Friday, and no 2027 holiday is known
    late = ONE_YEAR.reckon(at(2026, 12, 31, 17), timedelta(hours=2))
    assert (late.at, late.weekday_rule_from) == (at(2027, 1, 1, 10), date(2027, 1, 1))
    assert late.event_data() == {"weekday_rule_from": "2027-01-01"}
    inside = ONE_YEAR.reckon(at(2026, 12, 30, 10), timedelta(hours=2))
    assert (inside.at, inside.weekday_rule_from, inside.event_data()) == (at(2026, 12, 30, 12), None, {})
    # The same marker for time measured between two moments (a paused clock's remainder).
    assert ONE_YEAR.weekday_rule_from(at(2026, 12, 28, 10), at(2027, 1, 4, 10)) == date(2027, 1, 1)
    assert ONE_YEAR.weekday_rule_from(at(2027, 2, 1, 10), at(2027, 2, 3, 10)) == date(2027, 2, 1)
    assert ONE_YEAR.weekday_rule_from(at(2026, 12, 28, 10), at(2026, 12, 31, 18)) is None


def test_a_stages_clock_reports_where_its_calendar_ran_out():
    rulebook = loader.get("2")
    end = CN.uncovered_from  # the first day cn.toml has no official arrangement for
    assert CN.covers(end - timedelta(days=1)) and not CN.covers(end)
    near = datetime.combine(end - timedelta(days=3), time(10), SH)
    assert reckon_deadline(rulebook, "decision", near).weekday_rule_from == end  # 5 business days
    far = datetime.combine(end - timedelta(days=60), time(10), SH)
    assert reckon_deadline(rulebook, "decision", far).weekday_rule_from is None
    # Calendar time knows no calendar: nothing to report.
    category = rulebook.category("expired_goods")
    response = clock_for(rulebook, "merchant_response", category).reckon(near, timedelta(days=3))
    assert (response.at, response.weekday_rule_from) == (near + timedelta(days=3), None)


def test_a_calendar_names_its_years_and_a_listed_year_counts_its_holidays():
    with pytest.raises(RulebookError, match="cal.toml: field years: Field required"):
        parse_calendar(HEAD + "holidays=[2026-10-01]", "cal.toml")
    with pytest.raises(RulebookError, match="cal.toml: field years: .*consecutive years"):
        parse_calendar(HEAD + "years=[2026, 2028]", "cal.toml")
    with pytest.raises(RulebookError, match=r"cal.toml: field holidays: 2027-01-01 is outside the years listed"):
        parse_calendar(HEAD + "holidays=[2027-01-01]\nyears=[2026]", "cal.toml")
    # A New Year arrangement may start in the December before the first year.
    both = parse_calendar(HEAD + "holidays=[2026-12-31, 2027-01-01]\nworkdays=[2027-01-09]\nyears=[2027]", "c.toml")
    assert not both.is_working_day(date(2027, 1, 1)) and both.is_working_day(date(2027, 1, 9))
    assert both.reckon(at(2027, 12, 31, 17), timedelta(hours=2)).weekday_rule_from == date(2028, 1, 1)
    assert both.reckon(at(2027, 1, 4, 9), timedelta(hours=2)).weekday_rule_from is None
