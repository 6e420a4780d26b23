"""A business calendar about to run out of listed years is named: on the status page, in its JSON
twin, and by a start-up warning, from PLAINT_CALENDAR_WARN_DAYS (60) days before its first uncovered day."""

from datetime import UTC, datetime, time, timedelta

import pytest
from django.core import checks
from django.test import Client

from plaint.accounts.models import Role
from plaint.rulebook.calendar import calendar, coverage
from tests import factories as f
from tests.api_client import ApiClient

# Counted from cn.toml's first uncovered day (1 January 2027 while it lists 2026 only), so these
# hold when a year is added. Its midnight is Beijing's: 12:00 UTC is 20:00 there, the same day.
END = calendar("cn").uncovered_from
COVERED_THROUGH = END - timedelta(days=1)
_listed = calendar("cn").listed_until
PROVISIONAL_THROUGH = (_listed - timedelta(days=1)).isoformat() if _listed > END else None


def days_before(days: int) -> datetime:
    return datetime.combine(END - timedelta(days=days), time(12), UTC)


SIXTY_ONE_DAYS_BEFORE, SIXTY_DAYS_BEFORE, TODAY = days_before(61), days_before(60), days_before(32)


def test_a_calendar_is_ending_from_sixty_days_before_its_first_uncovered_day(settings):
    [early] = coverage(SIXTY_ONE_DAYS_BEFORE)
    assert (early.name, early.covered_through, early.uncovered_from) == ("cn", COVERED_THROUGH, END)
    assert (early.days_left, early.ending) == (61, False)
    [due] = coverage(SIXTY_DAYS_BEFORE)
    assert (due.days_left, due.ending) == (60, True)
    [past] = coverage(days_before(-4))
    assert (past.days_left, past.ending) == (-4, True)
    settings.PLAINT_CALENDAR_WARN_DAYS = 30
    assert not coverage(TODAY)[0].ending  # 32 days left


def test_start_up_warns_with_the_first_uncovered_day(time_machine):
    time_machine.move_to(TODAY)
    [warning] = [message for message in checks.run_checks() if message.id == "plaint.W001"]
    assert warning.level == checks.WARNING
    assert f"'cn' covers up to {COVERED_THROUGH}: from {END} (in 32 days)" in warning.msg
    assert "calendars/cn.toml" in warning.hint and ("years" in warning.hint or "provisional" in warning.hint)
    time_machine.move_to(SIXTY_ONE_DAYS_BEFORE)
    assert [message for message in checks.run_checks() if message.id == "plaint.W001"] == []


@pytest.mark.django_db
def test_the_status_page_and_its_json_name_the_first_uncovered_day_in_both_languages(time_machine):
    time_machine.move_to(TODAY)
    supervisor = f.user(Role.SUPERVISOR)
    [cn] = ApiClient(f.token(supervisor)).get("/staff/status").json()["calendars"]
    assert cn == {
        "name": "cn",
        "covered_through": COVERED_THROUGH.isoformat(),
        "uncovered_from": END.isoformat(),
        "provisional_through": PROVISIONAL_THROUGH,
        "days_left": 32,
        "ending": True,
    }
    browser = Client()
    browser.force_login(supervisor)
    chinese = browser.get("/staff/status/").content.decode()  # a supervisor reading in Chinese
    assert f"营业日历 cn 只覆盖到 {COVERED_THROUGH}：自 {END}（还有 32 天）起" in chinese
    assert f"国务院办公厅关于 {END.year} 年部分节假日安排的通知" in chinese
    english_reader = Client()
    english_reader.force_login(f.user(Role.ADMIN, language="en"))
    english = english_reader.get("/staff/status/").content.decode()
    assert f"Business calendar cn covers up to {COVERED_THROUGH}: from {END} (in 32 days)" in english
    assert 'id="calendar-warnings"' in english and '<tr data-calendar="cn" class="msg-warning">' in english

    time_machine.move_to(SIXTY_ONE_DAYS_BEFORE)
    quiet = browser.get("/staff/status/").content.decode()
    assert 'id="calendar-warnings"' not in quiet
    assert f'<tr data-calendar="cn"><td>cn</td><td>{COVERED_THROUGH}</td><td>{END}</td><td>61</td></tr>' in quiet
