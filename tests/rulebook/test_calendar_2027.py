"""2027 in the cn calendar (issue 18, fault 4): its statutory holidays, provisionally, and no make-up days.

The State Council's notice on 2027 was not found, so cn.toml lists 2027's statutory holidays as the
national holidays regulation (revised 2024) fixes them, computed from the Chinese calendar, and
keeps 2027 `provisional`: still named by the start-up warning and the status page, and still
reported by clocks as counted without an official arrangement.
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from plaint.rulebook.calendar import calendar, coverage, parse_calendar
from plaint.rulebook.loader import RulebookError

SH = ZoneInfo("Asia/Shanghai")
CN = calendar("cn")
HEAD = 'name="x"\ntime_zone="Asia/Shanghai"\nworking_hours={start="09:00", end="18:00"}\nweekdays=[1,2,3,4,5]\n'

STATUTORY_2027 = {
    date(2027, 1, 1): "元旦",
    date(2027, 2, 5): "除夕",  # the twelfth month of 丙午 has 29 days: 腊月廿九
    date(2027, 2, 6): "正月初一",
    date(2027, 2, 7): "正月初二",
    date(2027, 2, 8): "正月初三",
    date(2027, 4, 5): "清明",
    date(2027, 5, 1): "劳动节",
    date(2027, 5, 2): "劳动节",
    date(2027, 6, 9): "五月初五",
    date(2027, 9, 15): "八月十五",
    date(2027, 10, 1): "国庆节",
    date(2027, 10, 2): "国庆节",
    date(2027, 10, 3): "国庆节",
}


def test_2027_lists_exactly_its_statutory_holidays_and_no_make_up_day():
    assert {d for d in CN.holidays if d.year == 2027} == set(STATUTORY_2027)
    assert not any(d.year == 2027 for d in CN.workdays)  # make-up days come only from the notice
    for day in STATUTORY_2027:
        assert not CN.is_working_day(day), STATUTORY_2027[day]
    # 1 January 2027 is a Friday: no longer counted as worked.
    start = datetime(2026, 12, 31, 17, tzinfo=SH)
    assert CN.add(start, timedelta(hours=2)) == datetime(2027, 1, 4, 10, tzinfo=SH)
    # Spring Festival: Thursday 4 February 17:00 plus 2 business hours is Tuesday 9 February 10:00.
    assert CN.add(datetime(2027, 2, 4, 17, tzinfo=SH), timedelta(hours=2)) == datetime(2027, 2, 9, 10, tzinfo=SH)


def test_2027_is_provisional_so_it_is_still_named_as_not_covered():
    assert CN.uncovered_from == date(2027, 1, 1) and CN.listed_until == date(2028, 1, 1)
    assert not CN.covers(date(2027, 1, 4))
    reckoned = CN.reckon(datetime(2026, 12, 31, 17, tzinfo=SH), timedelta(hours=2))
    assert reckoned.weekday_rule_from == date(2027, 1, 1)
    [cn] = coverage(datetime(2026, 12, 1, 12, tzinfo=SH))
    assert (cn.uncovered_from, cn.provisional_through, cn.ending) == (date(2027, 1, 1), date(2027, 12, 31), True)


def test_a_provisional_year_has_no_make_up_days_and_is_the_last_listed():
    text = HEAD + "holidays=[2027-01-01]\nyears=[2026, 2027]\nprovisional=[2027]\n"
    assert parse_calendar(text, "c.toml").uncovered_from == date(2027, 1, 1)
    with pytest.raises(RulebookError, match="workdays: 2027-02-20 is in a provisional year"):
        parse_calendar(text + "workdays=[2027-02-20]\n", "c.toml")
    with pytest.raises(RulebookError, match="provisional: must be the last of the years"):
        parse_calendar(HEAD + "years=[2026, 2027]\nprovisional=[2026]\n", "c.toml")
